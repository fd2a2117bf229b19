import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { renderChatGlm3Prompt } from "../../src/chat/chatglm3.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage } from "../../src/chat/types.ts";
import { officialTemplate, weatherCall } from "./template-fixtures.ts";

/** ChatGLM3 against its published template, byte for byte (GLM-4.5 on: jinja2-reference.test.ts). */
const official = officialTemplate;

const _matrix: Record<string, ChatMessage[]> = {
  "system and user": [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
  ],
  "a tool loop: two calls with reasoning, two results": [
    { role: "user", content: "Paris and Rome?" },
    {
      role: "assistant",
      content: "Checking.",
      reasoning_content: "Two cities.",
      tool_calls: [
        weatherCall("c1", { city: "Paris", days: 2, o: { a: [1, "二"] } }),
        weatherCall("c2", { city: "Rome" }),
      ],
    },
    { role: "tool", tool_call_id: "c1", content: "sunny" },
    { role: "tool", tool_call_id: "c2", content: "rainy" },
  ],
  "multi-turn, reasoning before the last user turn and inline <think>": [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!", reasoning_content: "greet them" },
    { role: "user", content: "Weather?" },
    { role: "assistant", content: "<think>inline</think>\nIt rains." },
    { role: "user", content: "Thanks" },
  ],
};

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
