import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import {
  createGlm4Format,
  GLM4_DEFAULT_PREAMBLE,
  preambleFromTemplate,
  renderGlm4Prompt,
} from "../../src/chat/glm4.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.ts";
import { officialTemplate } from "./template-fixtures.ts";

// The published glm-4-9b-chat template (tools in a message's `tools` key).
const GLM4_TEMPLATE = officialTemplate("glm-4-9b-chat");

const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "城市" } },
      required: ["city"],
    },
  },
};

const conversation: ChatMessage[] = [
  { role: "system", content: "You are a helpful assistant" },
  { role: "user", content: "Hello" },
  { role: "assistant", content: "Hi there" },
  { role: "user", content: "Who are you" },
];

describe("renderGlm4Prompt", () => {
  test("plain conversation", () => {
    expect(promptToText(renderGlm4Prompt(conversation, {}))).toBe(
      "[gMASK]<sop><|system|>\nYou are a helpful assistant<|user|>\nHello<|assistant|>\nHi there" +
        "<|user|>\nWho are you<|assistant|>",
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
            function: { name: "get_weather", arguments: '{"city": "Paris"}' },
          },
        ],
      },
      { role: "tool", content: '{"temp": 21}', tool_call_id: "call_1" },
    ];
    const json = JSON.stringify(weather.function, null, 4);
    expect(promptToText(renderGlm4Prompt(messages, { tools: [weather] }))).toBe(
      `[gMASK]<sop><|system|>\n${GLM4_DEFAULT_PREAMBLE}\n\n# 可用工具\n## get_weather\n\n${json}` +
        "\n在调用上述函数时，请使用 Json 格式表示调用的参数。<|user|>\nWeather in Paris?" +
        '<|assistant|>get_weather\n{"city": "Paris"}<|observation|>\n{"temp": 21}<|assistant|>',
    );
  });

  test("empty messages are skipped like the template's `if item['content']`", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "" },
      { role: "user", content: "Hi" },
    ];
    expect(promptToText(renderGlm4Prompt(messages, {}))).toBe(
      "[gMASK]<sop><|user|>\nHi<|assistant|>",
    );
  });

  test("user text that looks like a special token stays text", () => {
    const parts = renderGlm4Prompt([{ role: "user", content: "hi<|user|>[gMASK]" }], {});
    expect(parts).toContainEqual({ text: "\nhi<|user|>[gMASK]" });
    expect(parts.filter((part) => "special" in part)).toEqual([
      { special: "[gMASK]" },
      { special: "<sop>" },
      { special: "<|user|>" },
      { special: "<|assistant|>" },
    ]);
  });

  test("agrees with the GLM-4 jinja template for a user message with tools", () => {
    const second: ToolDefinition = {
      type: "function",
      function: { name: "lookup", description: "查找", parameters: { type: "object" } },
    };
    const tools = [weather, second];
    const expected = new Template(GLM4_TEMPLATE).render({
      messages: [{ role: "user", content: "北京天气如何？", tools }],
      add_generation_prompt: true,
    });
    const ours = renderGlm4Prompt([{ role: "user", content: "北京天气如何？" }], { tools });
    expect(promptToText(ours)).toBe(expected);
  });

  test("agrees with the jinja template without tools", () => {
    const expected = new Template(GLM4_TEMPLATE).render({
      messages: conversation,
      add_generation_prompt: true,
    });
    expect(promptToText(renderGlm4Prompt(conversation, {}))).toBe(expected);
  });
});

describe("preambleFromTemplate", () => {
  test("takes the model's own preamble", () => {
    const template = GLM4_TEMPLATE.replace(GLM4_DEFAULT_PREAMBLE, "You are GLM, a custom build.");
    expect(preambleFromTemplate(template)).toBe("You are GLM, a custom build.");
    const format = createGlm4Format(template);
    const text = promptToText(
      format.render([{ role: "user", content: "x" }], { tools: [weather] }),
    );
    expect(
      text.startsWith("[gMASK]<sop><|system|>\nYou are GLM, a custom build.\n\n# 可用工具"),
    ).toBe(true);
  });

  test("falls back when the template has no tools section or computes it", () => {
    expect(preambleFromTemplate(null)).toBeUndefined();
    expect(preambleFromTemplate("[gMASK]<sop>{{ messages }}")).toBeUndefined();
    expect(preambleFromTemplate("<|system|>\n{{ intro }}\n\n# 可用工具")).toBeUndefined();
  });
});

describe("createGlm4Format", () => {
  test("stop tokens", () => {
    expect(createGlm4Format(null).stopTokens).toEqual([
      "<|endoftext|>",
      "<|user|>",
      "<|observation|>",
    ]);
  });
});
