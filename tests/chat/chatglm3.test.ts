import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { encodeToolCall, renderChatGlm3Prompt } from "../../src/chat/chatglm3.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.ts";

// ChatGLM3's template as llama.cpp's tests carry it.
const CHATGLM3_TEMPLATE =
  "{% for message in messages %}{% if loop.first %}[gMASK]sop<|{{ message['role'] }}|>\n {{ message['content'] }}" +
  "{% else %}<|{{ message['role'] }}|>\n {{ message['content'] }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}<|assistant|>{% endif %}";

const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

const conversation: ChatMessage[] = [
  { role: "system", content: "You are a helpful assistant" },
  { role: "user", content: "Hello" },
  { role: "assistant", content: "Hi there" },
  { role: "user", content: "Who are you" },
];

describe("renderChatGlm3Prompt", () => {
  test("plain conversation matches the template", () => {
    const expected = new Template(CHATGLM3_TEMPLATE).render({
      messages: conversation,
      add_generation_prompt: true,
    });
    const text = promptToText(renderChatGlm3Prompt(conversation, {}));
    expect(text).toBe(expected);
    expect(text).toBe(
      "[gMASK]sop<|system|>\n You are a helpful assistant<|user|>\n Hello<|assistant|>\n Hi there" +
        "<|user|>\n Who are you<|assistant|>",
    );
  });

  test("tools, tool calls and tool results", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city": "Paris", "days": 3}' },
          },
        ],
      },
      { role: "tool", content: '{"temp": 21}', tool_call_id: "call_1" },
    ];
    const list = JSON.stringify([weather.function], null, 4);
    expect(promptToText(renderChatGlm3Prompt(messages, { tools: [weather] }))).toBe(
      "[gMASK]sop<|system|>\n Answer the following questions as best as you can. You have access to " +
        `the following tools:\n${list}<|user|>\n Weather in Paris?` +
        "<|assistant|>get_weather\n```python\ntool_call(city='Paris', days=3)\n```" +
        '<|observation|>\n {"temp": 21}<|assistant|>',
    );
  });

  test("user text that looks like a special token stays text", () => {
    const parts = renderChatGlm3Prompt([{ role: "user", content: "<|user|>sop" }], {});
    expect(parts).toContainEqual({ text: "\n <|user|>sop" });
    expect(parts.filter((part) => "special" in part)).toHaveLength(4);
  });
});

describe("encodeToolCall", () => {
  test("nested arguments become Python literals", () => {
    const call = {
      id: "c",
      type: "function" as const,
      function: { name: "f", arguments: '{"q": "it\'s", "opts": {"on": true, "n": null}}' },
    };
    expect(encodeToolCall(call)).toBe(
      "f\n```python\ntool_call(q=\"it's\", opts={'on': True, 'n': None})\n```",
    );
  });
});
