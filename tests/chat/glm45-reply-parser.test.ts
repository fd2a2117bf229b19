import { describe, expect, test } from "bun:test";
import { Glm45ReplyParser } from "../../src/chat/glm45-reply-parser.ts";
import type { ToolDefinition } from "../../src/chat/types.ts";
import { feed, type ReplySummary, splitsOf } from "./reply-harness.ts";

const tools: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      parameters: {
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer" } },
      },
    },
  },
  { type: "function", function: { name: "search" } },
];

interface Row {
  name: string;
  input: string;
  reasoning?: boolean;
  tools: ToolDefinition[];
  expected: ReplySummary;
}

const rows: Row[] = [
  {
    name: "plain reply",
    input: "\nHello there",
    tools,
    expected: { content: "Hello there", calls: [] },
  },
  {
    name: "reasoning kept when asked for",
    input: "<think>\nThe user says hi.\n</think>\nHello!",
    reasoning: true,
    tools,
    expected: { content: "Hello!", reasoning: "The user says hi.", calls: [] },
  },
  {
    name: "reasoning dropped otherwise",
    input: "\n<think>hmm</think>\nHello!",
    tools,
    expected: { content: "Hello!", calls: [] },
  },
  {
    name: "one tool call",
    input:
      "\n<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n" +
      "<arg_key>days</arg_key>\n<arg_value>3</arg_value>\n</tool_call>",
    tools,
    expected: {
      content: "",
      calls: [{ name: "get_weather", arguments: '{"city":"Paris","days":3}' }],
    },
  },
  {
    name: "schema keeps a numeric-looking string a string",
    input:
      "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>42</arg_value>\n</tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"42"}' }] },
  },
  {
    name: "content, reasoning and two calls with nested JSON",
    input:
      "<think>Need both.</think>\nLet me check.\n<tool_call>search\n<arg_key>q</arg_key>\n" +
      '<arg_value>北京 "天气"</arg_value>\n<arg_key>opts</arg_key>\n<arg_value>{"n": [1, 2], "x": null}' +
      "</arg_value>\n</tool_call>\n<tool_call>get_weather\n<arg_key>city</arg_key>\n" +
      "<arg_value>Paris</arg_value>\n</tool_call>",
    reasoning: true,
    tools,
    expected: {
      content: "Let me check.",
      reasoning: "Need both.",
      calls: [
        { name: "search", arguments: '{"q":"北京 \\"天气\\"","opts":{"n":[1,2],"x":null}}' },
        { name: "get_weather", arguments: '{"city":"Paris"}' },
      ],
    },
  },
  {
    name: "malformed JSON value stays a string",
    input:
      "<tool_call>search\n<arg_key>q</arg_key>\n<arg_value>{bad json</arg_value>\n</tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"q":"{bad json"}' }] },
  },
  {
    name: "Python literals where JSON was expected are read as vLLM reads them",
    input:
      "<tool_call>search\n<arg_key>exact</arg_key>\n<arg_value>True</arg_value>\n<arg_key>opts</arg_key>\n<arg_value>{'n': (1, 2), 'x': None}</arg_value>\n</tool_call>",
    tools,
    expected: {
      content: "",
      calls: [{ name: "search", arguments: '{"exact":true,"opts":{"n":[1,2],"x":null}}' }],
    },
  },
  {
    name: "call without arguments",
    input: "<tool_call>search\n</tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: "{}" }] },
  },
  {
    name: "a call to a tool that was not offered is still a call, its values read without a schema",
    input:
      "<tool_call>read_file\n<arg_key>path</arg_key>\n<arg_value>/etc/hosts</arg_value>\n<arg_key>n</arg_key><arg_value>42</arg_value>\n</tool_call>",
    tools,
    expected: {
      content: "",
      calls: [{ name: "read_file", arguments: '{"path":"/etc/hosts","n":42}' }],
    },
  },
  {
    name: "without offered tools a call block is content",
    input: "<tool_call>rm_rf\n<arg_key>p</arg_key>\n<arg_value>/</arg_value>\n</tool_call>",
    tools: [],
    expected: {
      content: "<tool_call>rm_rf\n<arg_key>p</arg_key>\n<arg_value>/</arg_value>\n</tool_call>",
      calls: [],
    },
  },
  {
    name: "a block whose first line is not a function name is content",
    input: "<tool_call>I would call a tool\n</tool_call> here",
    tools,
    expected: { content: "<tool_call>I would call a tool\n</tool_call> here", calls: [] },
  },
  {
    name: "a call cut short keeps the pairs it completed, closed",
    input: "<tool_call>search\n<arg_key>q</arg_key><arg_value>x</arg_value>\n<arg_key>n</arg_key>",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"q":"x"}' }] },
  },
  {
    name: "a call cut before any pair has no arguments",
    input: "<tool_call>search\n<arg_key>q</arg_key>",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: "{}" }] },
  },
  {
    name: "a name cut short is still a call once it is a requested tool",
    input: "<tool_call>search",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: "{}" }] },
  },
  {
    name: "an unrequested name cut short is content",
    input: "<tool_call>sea",
    tools,
    expected: { content: "<tool_call>sea", calls: [] },
  },
  {
    name: "text inside a call that is not a pair is skipped, however the reply is split",
    input:
      "<tool_call>get_weather\nxx<arg_key>city</arg_key><arg_value>P</arg_value>junk<arg_key>days</arg_key><arg_value>2</arg_value>zz</tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"P","days":2}' }] },
  },
  {
    name: "a key cannot swallow markup",
    input:
      "<tool_call>get_weather<arg_key>city</arg_key>x<arg_value>P</arg_value><arg_key>days</arg_key><arg_value>1</arg_value></tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"days":1}' }] },
  },
  {
    name: "a repeated key keeps its first value",
    input:
      "<tool_call>search\n<arg_key>q</arg_key><arg_value>a</arg_value><arg_key>q</arg_key><arg_value>b</arg_value></tool_call>",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"q":"a"}' }] },
  },
  {
    name: "GLM-4.7's compact form, no newlines",
    input:
      "<tool_call>get_weather<arg_key>city</arg_key><arg_value>Paris</arg_value><arg_key>days</arg_key><arg_value>3</arg_value></tool_call>",
    tools,
    expected: {
      content: "",
      calls: [{ name: "get_weather", arguments: '{"city":"Paris","days":3}' }],
    },
  },
  {
    name: "text that only looks like a partial marker",
    input: "a <tool and <thin",
    tools,
    expected: { content: "a <tool and <thin", calls: [] },
  },
  {
    name: "newlines inside content survive",
    input: "Line one\n\nLine two\n",
    tools,
    expected: { content: "Line one\n\nLine two", calls: [] },
  },
  {
    name: "unicode content",
    input: "\n你好 👋",
    tools,
    expected: { content: "你好 👋", calls: [] },
  },
  { name: "empty reply", input: "", tools, expected: { content: "", calls: [] } },
];

describe("Glm45ReplyParser", () => {
  for (const row of rows) {
    test(row.name, () => {
      const parser = new Glm45ReplyParser({ tools: row.tools, reasoning: row.reasoning });
      expect(feed(parser, [row.input])).toEqual(row.expected);
    });
  }

  for (const row of rows) {
    test(`any split gives the same result: ${row.name}`, () => {
      for (const pieces of splitsOf(row.input)) {
        const parser = new Glm45ReplyParser({ tools: row.tools, reasoning: row.reasoning });
        expect(feed(parser, pieces)).toEqual(row.expected);
      }
    });
  }

  test("calls are numbered in order and sawToolCall is set", () => {
    const parser = new Glm45ReplyParser({ tools });
    const events = parser.push("<tool_call>search\n</tool_call><tool_call>search\n</tool_call>");
    const indexes = events.map((event) => ("index" in event ? event.index : -1));
    expect(indexes).toEqual([0, 0, 1, 1]);
    expect(parser.sawToolCall).toBe(true);
  });

  test("a call streams: the name at once, then one delta per whole pair, then the closing brace", () => {
    const parser = new Glm45ReplyParser({ tools });
    const texts = (pushed: string) =>
      parser
        .push(pushed)
        .map((event) =>
          event.kind === "tool_call_start"
            ? `start:${event.name}`
            : "text" in event
              ? event.text
              : "",
        );
    expect(texts("<tool_call>get_weather\n<arg_key>ci")).toEqual(["start:get_weather"]);
    expect(texts("ty</arg_key>\n<arg_value>Par")).toEqual([]);
    expect(texts("is</arg_value>\n<arg_key>days</arg_key><arg_value>3</arg_value>")).toEqual([
      '{"city":"Paris"',
      ',"days":3',
    ]);
    expect(texts("\n</tool_call>")).toEqual(["}"]);
  });

  test("content streams before the reply ends", () => {
    const parser = new Glm45ReplyParser({ tools });
    expect(parser.push("Hello <tool")).toEqual([{ kind: "content", text: "Hello " }]);
    expect(parser.push("box>")).toEqual([{ kind: "content", text: "<toolbox>" }]);
  });
});
