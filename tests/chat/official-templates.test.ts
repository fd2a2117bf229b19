import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { renderChatGlm3Prompt } from "../../src/chat/chatglm3.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage } from "../../src/chat/types.ts";
import { officialTemplate } from "./template-fixtures.ts";

/** ChatGLM3 against its published template, byte for byte (GLM-4.5 on: jinja2-reference.test.ts). */
const official = officialTemplate;

describe("chatglm3-6b (its template renders no tools; those go in the system turn by code)", () => {
  const conversation: ChatMessage[] = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello" },
    { role: "user", content: "Bye" },
  ];
  test("a multi-turn conversation", () => {
    const reference = new Template(official("chatglm3-6b")).render({
      messages: conversation,
      add_generation_prompt: true,
    });
    expect(promptToText(renderChatGlm3Prompt(conversation, {}))).toBe(reference);
  });
});
