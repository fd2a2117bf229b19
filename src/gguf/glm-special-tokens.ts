/** GLM-4 / GLM-4.5 special tokens in vocabulary order, starting at id 151329 in the real models. */
export const GLM4_SPECIAL_TOKENS = [
  "<|endoftext|>",
  "[MASK]",
  "[gMASK]",
  "[sMASK]",
  "<sop>",
  "<eop>",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
  "<|observation|>",
  "<|begin_of_image|>",
  "<|end_of_image|>",
  "<|begin_of_video|>",
  "<|end_of_video|>",
];
export const GLM4_FIRST_SPECIAL_ID = 151329;
export const GLM4_VOCAB_SIZE = 151552;

/** GLM-4.5 reasoning and tool-call markers; the real vocab keeps them as text-rendering tokens. */
export const GLM45_MARKUP_TOKENS = [
  "<think>",
  "</think>",
  "<tool_call>",
  "</tool_call>",
  "<tool_response>",
  "</tool_response>",
  "<arg_key>",
  "</arg_key>",
  "<arg_value>",
  "</arg_value>",
];

/** ChatGLM3 special tokens, from id 64789 in the real model (65024 tokens). */
export const CHATGLM3_SPECIAL_TOKENS = [
  "[MASK]",
  "[gMASK]",
  "[sMASK]",
  "sop",
  "eop",
  "<|system|>",
  "<|user|>",
  "<|assistant|>",
  "<|observation|>",
];
export const CHATGLM3_FIRST_SPECIAL_ID = 64789;
export const CHATGLM3_VOCAB_SIZE = 65024;
