import { describe, expect, test } from "bun:test";
import { detectChatFamily } from "../../src/chat/chat-family.ts";
import type { ChatFamily } from "../../src/chat/types.ts";

const rows: { name: string; arch: string; tokenizerModel: string; expected: ChatFamily }[] = [
  { name: "GLM-4 on the chatglm arch", arch: "chatglm", tokenizerModel: "gpt2", expected: "glm4" },
  { name: "ChatGLM3", arch: "chatglm", tokenizerModel: "llama", expected: "chatglm3" },
  { name: "GLM-4 arch", arch: "glm4", tokenizerModel: "gpt2", expected: "glm4" },
  { name: "GLM-4.5 MoE", arch: "glm4moe", tokenizerModel: "gpt2", expected: "glm45" },
  { name: "anything else", arch: "llama", tokenizerModel: "llama", expected: "jinja" },
  {
    name: "chatglm with an odd tokenizer",
    arch: "chatglm",
    tokenizerModel: "bert",
    expected: "jinja",
  },
];

describe("detectChatFamily", () => {
  for (const row of rows) {
    test(row.name, () => {
      const model = { arch: row.arch, tokenizerModel: row.tokenizerModel, chatTemplate: null };
      expect(detectChatFamily(model)).toBe(row.expected);
    });
  }
});
