import type { ChatFamily } from "./types.ts";

/**
 * Picks the prompt format from GGUF metadata. "chatglm" covers both ChatGLM3 (SentencePiece,
 * tokenizer "llama") and GLM-4 (BPE, tokenizer "gpt2").
 */
export function detectChatFamily(model: {
  arch: string;
  tokenizerModel: string;
  chatTemplate: string | null;
}): ChatFamily {
  if (model.arch === "chatglm" && model.tokenizerModel === "gpt2") return "glm4";
  if (model.arch === "chatglm" && model.tokenizerModel === "llama") return "chatglm3";
  if (model.arch === "glm4") return "glm4";
  if (model.arch === "glm4moe") return "glm45";
  return "jinja";
}
