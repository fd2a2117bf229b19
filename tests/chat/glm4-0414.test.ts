import { describe, expect, test } from "bun:test";
import { Template } from "@huggingface/jinja";
import { detectChatFamily } from "../../src/chat/chat-family.ts";
import { createGlm40414Format } from "../../src/chat/glm4-0414.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import { endsInsideThinking } from "../../src/chat/thinking-open.ts";
import type { ChatMessage } from "../../src/chat/types.ts";
import { feed, splitsOf } from "./reply-harness.ts";
import { officialTemplate, weather } from "./template-fixtures.ts";

const official = officialTemplate;

/** A tool loop as OpenAI clients send it… */
const loop: ChatMessage[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Paris?" },
  {
    role: "assistant",
    content: "Let me look.",
    tool_calls: [
      {
        id: "c1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city": "Paris"}' },
      },
    ],
  },
  { role: "tool", tool_call_id: "c1", content: "sunny" },
  { role: "assistant", content: "<think>easy</think>Sunny." },
  { role: "user", content: "Thanks" },
];
/** …and as GLM's own server hands it to the template: observations and metadata turns. */
const asGlmServerPasses = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Paris?" },
  { role: "assistant", content: "Let me look." },
  { role: "assistant", metadata: "get_weather", content: '{"city": "Paris"}' },
  { role: "observation", content: "sunny" },
  { role: "assistant", content: "<think>easy</think>Sunny." },
  { role: "user", content: "Thanks" },
];

describe.each(["glm-4-0414", "glm-z1-0414"])("%s", (version) => {
  const template = official(version);
  const format = createGlm40414Format({ chatTemplate: template });

  test("its template selects the glm4-0414 family; glm-4-9b-chat's does not", () => {
    expect(detectChatFamily({ arch: "glm4", tokenizerModel: "gpt2", chatTemplate: template })).toBe(
      "glm4-0414",
    );
    const nineB = official("glm-4-9b-chat");
    expect(detectChatFamily({ arch: "chatglm", tokenizerModel: "gpt2", chatTemplate: nineB })).toBe(
      "glm4",
    );
  });

  for (const tools of [[], [weather]]) {
    test(`a tool loop with ${tools.length} tools: byte-equal to the template's rendering`, () => {
      const reference = new Template(template).render({
        messages: asGlmServerPasses,
        ...(tools.length > 0 ? { tools } : {}),
        add_generation_prompt: true,
      });
      expect(promptToText(format.render(loop, { tools }))).toBe(reference);
    });
  }
});

test("GLM-Z1 opens <think> in every prompt; GLM-4-0414 never does", () => {
  const messages: ChatMessage[] = [{ role: "user", content: "Hi" }];
  const z1 = createGlm40414Format({ chatTemplate: official("glm-z1-0414") });
  const plain = createGlm40414Format({ chatTemplate: official("glm-4-0414") });
  expect(endsInsideThinking(z1.render(messages, {}))).toBe(true);
  expect(z1.thinksByDefault).toBe(true);
  expect(endsInsideThinking(plain.render(messages, {}))).toBe(false);
  expect(plain.thinksByDefault).toBe(false);
});

describe("GLM-Z1 replies: reasoning, then content or a GLM-4 call", () => {
  const z1 = createGlm40414Format({ chatTemplate: official("glm-z1-0414") });
  const parser = (reasoning: boolean) =>
    z1.createReplyParser({ tools: [weather], reasoning, thinkingOpen: true });
  const rows: Array<[string, string, boolean, unknown]> = [
    [
      "reasoning then a call",
      'Paris, so\nget_weather.</think>\nget_weather\n{"city": "Paris"}',
      true,
      {
        content: "",
        reasoning: "Paris, so\nget_weather.",
        calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }],
      },
    ],
    [
      "reasoning then content",
      "hm\n</think>\n\nSunny.",
      true,
      { content: "Sunny.", reasoning: "hm", calls: [] },
    ],
    [
      "reasoning dropped unless asked for",
      "hm</think>Sunny.",
      false,
      { content: "Sunny.", calls: [] },
    ],
    [
      "a reply cut inside the reasoning",
      "still thinking",
      true,
      { content: "", reasoning: "still thinking", calls: [] },
    ],
  ];
  test.each(rows)("%s", (_, input, reasoning, expected) => {
    expect(feed(parser(reasoning), [input])).toEqual(expected as never);
  });

  test("newlines after </think> are layout, even in pushes of their own", () => {
    expect(feed(parser(true), ["hm", "</think>", "\n\n", "\n", "Sunny."])).toEqual({
      content: "Sunny.",
      reasoning: "hm",
      calls: [],
    });
  });

  const call = 'a</think>get_weather\n{"city": "Paris"}';
  test.each(splitsOf(call).map((pieces) => [pieces.length, pieces]))(
    "split into %i pieces, the same call",
    (_, pieces) => {
      expect(feed(parser(true), pieces as string[])).toEqual({
        content: "",
        reasoning: "a",
        calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }],
      });
    },
  );
});
