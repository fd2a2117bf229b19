import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import { renderGlm45Prompt } from "../../src/chat/glm45.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.ts";

const TEMPLATE_PATH = `${import.meta.dir}/../../build/llama.cpp/models/templates/GLM-4.6.jinja`;

const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "天气",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

const history: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Weather in Paris and Rome?" },
  {
    role: "assistant",
    content: "<think>Two cities.</think>\nChecking.",
    tool_calls: [
      {
        id: "call_1",
        type: "function",
        function: {
          name: "get_weather",
          arguments: '{"city": "Paris", "days": 2, "o": {"a": [1]}}',
        },
      },
    ],
  },
  { role: "tool", content: "sunny", tool_call_id: "call_1" },
  { role: "tool", content: "rainy", tool_call_id: "call_2" },
];

const TOOLS_BLOCK =
  "<|system|>\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
  "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
  '{"type": "function", "function": {"name": "get_weather", "description": "天气", "parameters": ' +
  '{"type": "object", "properties": {"city": {"type": "string"}}}}}\n</tools>\n\n' +
  "For each function call, output the function name and arguments within the following XML " +
  "format:\n<tool_call>{function-name}\n<arg_key>{arg-key-1}</arg_key>\n<arg_value>{arg-value-1}" +
  "</arg_value>\n<arg_key>{arg-key-2}</arg_key>\n<arg_value>{arg-value-2}</arg_value>\n...\n</tool_call>";

describe("renderGlm45Prompt", () => {
  test("plain conversation with reasoning on", () => {
    const messages: ChatMessage[] = [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "<think>greet</think>Hello" },
      { role: "user", content: "Bye" },
    ];
    expect(promptToText(renderGlm45Prompt(messages, { reasoning: true }))).toBe(
      "[gMASK]<sop><|user|>\nHi<|assistant|>\n<think></think>\nHello<|user|>\nBye<|assistant|>",
    );
  });

  test("reasoning off adds /nothink and an empty think block", () => {
    expect(promptToText(renderGlm45Prompt([{ role: "user", content: "Hi" }], {}))).toBe(
      "[gMASK]<sop><|user|>\nHi/nothink<|assistant|>\n<think></think>",
    );
  });

  test("tools, tool calls and grouped tool results", () => {
    expect(promptToText(renderGlm45Prompt(history, { tools: [weather], reasoning: true }))).toBe(
      `[gMASK]<sop>${TOOLS_BLOCK}<|system|>\nBe brief.<|user|>\nWeather in Paris and Rome?` +
        "<|assistant|>\n<think>Two cities.</think>\nChecking.\n<tool_call>get_weather\n" +
        "<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n<arg_key>days</arg_key>\n" +
        '<arg_value>2</arg_value>\n<arg_key>o</arg_key>\n<arg_value>{"a": [1]}</arg_value>\n' +
        "</tool_call><|observation|>\n<tool_response>\nsunny\n</tool_response>\n<tool_response>\n" +
        "rainy\n</tool_response><|assistant|>",
    );
  });

  test("user text that looks like a special token stays text", () => {
    const parts = renderGlm45Prompt([{ role: "user", content: "<|user|><tool_call>" }], {
      reasoning: true,
    });
    expect(parts).toContainEqual({ text: "\n<|user|><tool_call>" });
    expect(parts.filter((part) => "special" in part)).toHaveLength(4);
  });

  test("agrees with llama.cpp's GLM-4.6 template (from the pinned source the Makefile unpacks)", () => {
    const template = new Template(readFileSync(TEMPLATE_PATH, "utf8"));
    const jinjaMessages = history.map((message) => ({
      ...message,
      tool_calls: message.tool_calls?.map((call) => ({
        ...call,
        function: { name: call.function.name, arguments: JSON.parse(call.function.arguments) },
      })),
    }));
    for (const reasoning of [true, false]) {
      const context: Record<string, unknown> = {
        messages: jinjaMessages,
        tools: [weather],
        add_generation_prompt: true,
      };
      if (!reasoning) context.enable_thinking = false;
      const ours = promptToText(renderGlm45Prompt(history, { tools: [weather], reasoning }));
      expect(ours).toBe(template.render(context));
    }
  });
});

test("history arguments that are not a JSON object are refused, never turned into {}", () => {
  const messages: ChatMessage[] = [
    { role: "user", content: "Hi" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "c", type: "function", function: { name: "get_weather", arguments: "city=Paris" } },
      ],
    },
  ];
  expect(() => renderGlm45Prompt(messages, {})).toThrow(/not a JSON object/);
});
