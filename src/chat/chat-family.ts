import type { ChatFamily } from "./types.ts";

/** GLM-4.7's compact tool-call instructions, kept by 4.7-Flash and every GLM-5.x template. */
const GLM47_MARKER = "<tool_call>{function-name}<arg_key>";

/**
 * Picks the prompt format from GGUF metadata. The template's markers come first, because the
 * archs no longer say the version: GLM-4.7-Flash converts to `deepseek2`, GLM-5.x to `glm-dsa`.
 * "chatglm" covers both ChatGLM3 (SentencePiece, tokenizer "llama") and GLM-4 (BPE, "gpt2").
 */
export function detectChatFamily(model: {
  arch: string;
  tokenizerModel: string;
  chatTemplate: string | null;
}): ChatFamily {
  if (model.chatTemplate?.includes(GLM47_MARKER)) return "glm47";
  if (isGlm40414Template(model.chatTemplate)) return "glm4-0414";
  if (model.arch === "chatglm" && model.tokenizerModel === "gpt2") return "glm4";
  if (model.arch === "chatglm" && model.tokenizerModel === "llama") return "chatglm3";
  if (model.arch === "glm4") return "glm4";
  if (model.arch === "glm4moe") return "glm45";
  return "jinja";
}

/** GLM-4-0414 / Z1: GLM-4's tools block, from the `tools` argument (9b-chat reads a message's). */
function isGlm40414Template(template: string | null): boolean {
  return !!template && template.includes("# 可用工具") && template.includes('tool.get("function")');
}
