import { describe, expect, test } from "bun:test";
import { Glm4ReplyParser } from "../../src/chat/glm4-reply-parser.ts";
import type { ToolDefinition } from "../../src/chat/types.ts";
import { feed, feedEvents, type ReplySummary, splitsOf } from "./reply-harness.ts";

const weather: ToolDefinition = { type: "function", function: { name: "get_weather" } };
const search: ToolDefinition = { type: "function", function: { name: "get_weather_history" } };
const tools = [weather, search];

interface Row {
  name: string;
  input: string;
  tools: ToolDefinition[];
  expected: ReplySummary;
}

const rows: Row[] = [
  {
    name: "plain reply loses its leading newline",
    input: "\nHello there",
    tools,
    expected: { content: "Hello there", calls: [] },
  },
  {
    name: "only one leading newline is trimmed",
    input: "\n\nHi",
    tools: [],
    expected: { content: "\nHi", calls: [] },
  },
  {
    name: "tool call",
    input: '\nget_weather\n{"city": "Paris"}',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "tool call without the leading newline",
    input: 'get_weather\n{"city": "Paris"}\n',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "blank lines before the name (the official server strips the output)",
    input: '\n\nget_weather\n{"city": "Paris"}',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "a space after the name",
    input: '\nget_weather \n{"city": "Paris"}',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "a name inside a sentence is still content",
    input: "\n get_weather is a tool\n{}",
    tools,
    expected: { content: " get_weather is a tool\n{}", calls: [] },
  },
  {
    name: "longer tool name sharing a prefix",
    input: '\nget_weather_history\n{"days": 3}',
    tools,
    expected: { content: "", calls: [{ name: "get_weather_history", arguments: '{"days":3}' }] },
  },
  {
    name: "nested JSON and unicode arguments",
    input: '\nget_weather\n{"city": "北京", "opts": {"units": ["c", "f"], "n": null}}',
    tools,
    expected: {
      content: "",
      calls: [
        {
          name: "get_weather",
          arguments: '{"city":"北京","opts":{"units":["c","f"],"n":null}}',
        },
      ],
    },
  },
  {
    name: "a call cut short keeps the members that parse, closed",
    input: '\nget_weather\n{"city": "Paris"',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "a call cut inside a value keeps the members before it",
    input: '\nget_weather\n{"city": "Paris", "note": "a, b',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "commas and braces inside strings and nested values do not split members",
    input: '\nget_weather\n{"q": "a,}b\\"c", "o": {"x": [1, {"y": "}"}]}, "n": 2}\n',
    tools,
    expected: {
      content: "",
      calls: [{ name: "get_weather", arguments: '{"q":"a,}b\\"c","o":{"x":[1,{"y":"}"}]},"n":2}' }],
    },
  },
  {
    name: "a member that is not JSON is skipped, the rest kept",
    input: '\nget_weather\n{"city": Paris, "days": 3}',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"days":3}' }] },
  },
  {
    name: "text after the object is not part of the reply",
    input: '\nget_weather\n{"days": 3}\nDone.',
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"days":3}' }] },
  },
  {
    name: "non-object JSON is not a call",
    input: "\nget_weather\n42",
    tools,
    expected: { content: "get_weather\n42", calls: [] },
  },
  {
    name: "tool name only, no arguments",
    input: "\nget_weather",
    tools,
    expected: { content: "get_weather", calls: [] },
  },
  {
    name: "partial tool name is content",
    input: "\nget_wea",
    tools,
    expected: { content: "get_wea", calls: [] },
  },
  {
    name: "first line names no requested tool",
    input: '\nget_time\n{"tz": "UTC"}',
    tools,
    expected: { content: 'get_time\n{"tz": "UTC"}', calls: [] },
  },
  {
    name: "tool call text when no tools were requested",
    input: '\nget_weather\n{"city": "Paris"}',
    tools: [],
    expected: { content: 'get_weather\n{"city": "Paris"}', calls: [] },
  },
  {
    name: "unicode content",
    input: "\n你好，世界 👋",
    tools,
    expected: { content: "你好，世界 👋", calls: [] },
  },
  { name: "empty reply", input: "", tools, expected: { content: "", calls: [] } },
  { name: "newline-only reply", input: "\n", tools, expected: { content: "", calls: [] } },
];

describe("Glm4ReplyParser", () => {
  for (const row of rows) {
    test(row.name, () => {
      expect(feed(new Glm4ReplyParser(row.tools), [row.input])).toEqual(row.expected);
    });
  }

  for (const row of rows) {
    test(`any split gives the same result: ${row.name}`, () => {
      for (const pieces of splitsOf(row.input)) {
        expect(feed(new Glm4ReplyParser(row.tools), pieces)).toEqual(row.expected);
      }
    });
  }

  test("the name goes out at the object's first brace, then each member as it completes", () => {
    const parser = new Glm4ReplyParser(tools);
    expect(parser.push("\nget_weather\n")).toEqual([]);
    const opened = parser.push('{"city": "Par');
    expect(opened.map((event) => event.kind)).toEqual(["tool_call_start"]);
    expect(parser.push('is", "days"')).toEqual([
      { kind: "tool_call_arguments", index: 0, text: '{"city":"Paris"' },
    ]);
    expect(parser.push(": 3}")).toEqual([
      { kind: "tool_call_arguments", index: 0, text: ',"days":3' },
      { kind: "tool_call_arguments", index: 0, text: "}" },
    ]);
    expect(parser.end()).toEqual([]);
  });

  test("call ids look like OpenAI's and sawToolCall is set", () => {
    const parser = new Glm4ReplyParser(tools);
    const events = feedEvents(parser, ['\nget_weather\n{"city": "Paris"}']);
    const start = events[0];
    expect(start?.kind).toBe("tool_call_start");
    if (start?.kind === "tool_call_start") expect(start.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(parser.sawToolCall).toBe(true);
  });

  test("content streams as soon as it cannot be a tool name", () => {
    const parser = new Glm4ReplyParser(tools);
    expect(parser.push("\nget")).toEqual([]);
    expect(parser.push("s")).toEqual([{ kind: "content", text: "gets" }]);
    expect(parser.push(" more")).toEqual([{ kind: "content", text: " more" }]);
    expect(parser.sawToolCall).toBe(false);
  });

  test("without tools nothing is held back", () => {
    const parser = new Glm4ReplyParser([]);
    expect(parser.push("\nget")).toEqual([{ kind: "content", text: "get" }]);
  });
});
