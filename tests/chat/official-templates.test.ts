import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { renderChatGlm3Prompt } from "../../src/chat/chatglm3.ts";
import { renderGlm45Prompt } from "../../src/chat/glm45.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage } from "../../src/chat/types.ts";
import {
  asTransformersPasses,
  officialTemplate,
  weather,
  weatherCall,
} from "./template-fixtures.ts";

/** Our hand-written renderers against each version's published template, byte for byte. */
const official = officialTemplate;

const matrix: Record<string, ChatMessage[]> = {
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

describe.each(["glm-4.5", "glm-4.6"])("%s", (version) => {
  for (const [name, messages] of Object.entries(matrix)) {
    for (const tools of [[], [weather]]) {
      for (const reasoning of [true, false]) {
        test(`${name}, ${tools.length} tools, thinking ${reasoning ? "on" : "off"}`, () => {
          const ours = promptToText(renderGlm45Prompt(messages, { tools, reasoning }));
          const reference = new Template(official(version)).render({
            messages: asTransformersPasses(messages),
            ...(tools.length > 0 ? { tools } : {}),
            add_generation_prompt: true,
            enable_thinking: reasoning,
          });
          expect(ours).toBe(reference);
        });
      }
    }
  }
});

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
