import { describe, expect, test } from "bun:test";
import { detectChatFamily } from "../../src/chat/chat-family.ts";
import { Glm45ReplyParser } from "../../src/chat/glm45-reply-parser.ts";
import { createGlm47Format } from "../../src/chat/glm47.ts";
import { promptToText } from "../../src/chat/prompt-text.ts";
import { endsInsideThinking } from "../../src/chat/thinking-open.ts";
import type { ChatMessage } from "../../src/chat/types.ts";
import { feed, splitsOf } from "./reply-harness.ts";
import { officialTemplate, weather } from "./template-fixtures.ts";

/** Versions that share GLM-4.7's compact markup, each with its own published template. */
const VERSIONS = ["glm-4.7", "glm-4.7-flash", "glm-5", "glm-5.1", "glm-5.2", "glm-5.3-flash"];
const official = officialTemplate;

// Byte equality with each version's template: see jinja2-reference.test.ts.
describe.each(VERSIONS)("%s", (version) => {
  test("the template's markers select the glm47 family, whatever the arch", () => {
    const template = official(version);
    for (const arch of ["glm4moe", "deepseek2", "glm-dsa"])
      expect(detectChatFamily({ arch, tokenizerModel: "gpt2", chatTemplate: template })).toBe(
        "glm47",
      );
  });
});

test("GLM-4.5's template is not taken for GLM-4.7's", () => {
  for (const version of ["glm-4.5", "glm-4.6"]) {
    const model = { arch: "glm4moe", tokenizerModel: "gpt2", chatTemplate: official(version) };
    expect(detectChatFamily(model)).toBe("glm45");
  }
});

describe("thinking forced open by the prompt", () => {
  test("GLM-4.7 opens <think> when thinking is on, and closes it when off", () => {
    const format = createGlm47Format({ chatTemplate: official("glm-4.7") });
    const messages: ChatMessage[] = [{ role: "user", content: "Hi" }];
    expect(endsInsideThinking(format.render(messages, { reasoning: true }))).toBe(true);
    expect(endsInsideThinking(format.render(messages, { reasoning: false }))).toBe(false);
  });

  const reply =
    "r</think>C<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value></tool_call>";
  const expected = {
    content: "C",
    reasoning: "r",
    calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }],
  };

  test("a reply that starts inside the reasoning: reasoning, content, then the call", () => {
    const parser = new Glm45ReplyParser({ tools: [weather], reasoning: true, thinkingOpen: true });
    expect(feed(parser, [reply])).toEqual(expected);
  });

  test.each(splitsOf(reply).map((pieces) => [pieces.length, pieces]))(
    "split into %i pieces, the same events",
    (_, pieces) => {
      const parser = new Glm45ReplyParser({
        tools: [weather],
        reasoning: true,
        thinkingOpen: true,
      });
      expect(feed(parser, pieces as string[])).toEqual(expected);
    },
  );

  test("without reasoning asked for, the forced thought is dropped, not leaked as content", () => {
    const parser = new Glm45ReplyParser({ tools: [weather], thinkingOpen: true });
    expect(feed(parser, [reply])).toEqual({ content: "C", calls: expected.calls });
  });
});

test("GLM-5.2 reads the request's reasoning effort: Max by default, High when asked", () => {
  const format = createGlm47Format({ chatTemplate: official("glm-5.2") });
  const messages: ChatMessage[] = [{ role: "user", content: "Hi" }];
  const text = (options: Parameters<typeof format.render>[1]) =>
    promptToText(format.render(messages, options));
  expect(text({ reasoning: true })).toContain("<|system|>Reasoning Effort: Max");
  expect(text({ reasoning: true, reasoningEffort: "high" })).toContain("Reasoning Effort: High");
  expect(text({ reasoning: false })).not.toContain("Reasoning Effort");
});

test("history arguments that are not a JSON object are refused with a clear message", () => {
  const format = createGlm47Format({ chatTemplate: official("glm-4.7") });
  const messages: ChatMessage[] = [
    { role: "user", content: "Hi" },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "x=1" } }],
    },
  ];
  expect(() => format.render(messages, {})).toThrow(
    "the arguments of the call to f are not a JSON object",
  );
});
