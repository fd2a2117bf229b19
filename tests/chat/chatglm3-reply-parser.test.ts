import { describe, expect, test } from "bun:test";
import { ChatGlm3ReplyParser } from "../../src/chat/chatglm3-reply-parser.ts";
import type { ToolDefinition } from "../../src/chat/types.ts";
import { feed, type ReplySummary, splitsOf } from "./reply-harness.ts";

const tools: ToolDefinition[] = [
  { type: "function", function: { name: "get_weather" } },
  { type: "function", function: { name: "search" } },
];

interface Row {
  name: string;
  input: string;
  tools: ToolDefinition[];
  expected: ReplySummary;
}

const rows: Row[] = [
  {
    name: "plain reply loses its newline and space",
    input: "\n Hello there",
    tools,
    expected: { content: "Hello there", calls: [] },
  },
  {
    name: "plain reply without tools",
    input: "\n Hi\n  indented",
    tools: [],
    expected: { content: "Hi\n  indented", calls: [] },
  },
  {
    name: "tool call",
    input: 'get_weather\n```python\ntool_call(city="Paris", days=3)\n```',
    tools,
    expected: {
      content: "",
      calls: [{ name: "get_weather", arguments: '{"city":"Paris","days":3}' }],
    },
  },
  {
    name: "tool call with a space before the code block",
    input: "search\n ```python\ntool_call(query='北京 天气')\n```",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"query":"北京 天气"}' }] },
  },
  {
    name: "SentencePiece's leading space before the name (real token 30910)",
    input: " search\n```python\ntool_call(query='x')\n```",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"query":"x"}' }] },
  },
  {
    name: "nested Python literals",
    input:
      "search\n```python\ntool_call(filters={'tags': ('a', \"b\"), 'limit': None, 'exact': True}, page=1.5)\n```",
    tools,
    expected: {
      content: "",
      calls: [
        {
          name: "search",
          arguments: '{"filters":{"tags":["a","b"],"limit":null,"exact":true},"page":1.5}',
        },
      ],
    },
  },
  {
    name: "unsafe code is content, never run",
    input: "search\n```python\ntool_call(query=__import__('os').system('ls'))\n```",
    tools,
    expected: {
      content: "search\n```python\ntool_call(query=__import__('os').system('ls'))\n```",
      calls: [],
    },
  },
  {
    name: "malformed call is content",
    input: "get_weather\n```python\ntool_call(city='Paris'\n```",
    tools,
    expected: { content: "get_weather\n```python\ntool_call(city='Paris'\n```", calls: [] },
  },
  {
    name: "tool name without a code block is content",
    input: "get_weather\nParis is sunny",
    tools,
    expected: { content: "get_weather\nParis is sunny", calls: [] },
  },
  {
    name: "code interpreter keeps the code as content",
    input: "interpreter\n```python\nprint(1 + 1)\n```",
    tools,
    expected: { content: "```python\nprint(1 + 1)\n```", calls: [] },
  },
  {
    name: "unrequested tool name is content",
    input: "get_time\n```python\ntool_call()\n```",
    tools,
    expected: { content: "get_time\n```python\ntool_call()\n```", calls: [] },
  },
  {
    name: "partial tool name",
    input: "get_wea",
    tools,
    expected: { content: "get_wea", calls: [] },
  },
  {
    name: "unicode content",
    input: "\n 你好 👋",
    tools,
    expected: { content: "你好 👋", calls: [] },
  },
  { name: "empty reply", input: "", tools, expected: { content: "", calls: [] } },
  {
    name: "a call without arguments",
    input: "search\n```python\ntool_call()\n```",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: "{}" }] },
  },
  {
    name: "commas and parentheses inside literals do not split arguments",
    input: "search\n```python\ntool_call(query='a, b)', opts={'k': (1, 2), 'x': \"),\"}, n=3)\n```",
    tools,
    expected: {
      content: "",
      calls: [{ name: "search", arguments: '{"query":"a, b)","opts":{"k":[1,2],"x":"),"},"n":3}' }],
    },
  },
  {
    name: "a call cut short keeps the arguments that read, closed",
    input: "get_weather\n```python\ntool_call(city='Paris', days=3",
    tools,
    expected: {
      content: "",
      calls: [{ name: "get_weather", arguments: '{"city":"Paris","days":3}' }],
    },
  },
  {
    name: "a call cut inside a string keeps the arguments before it",
    input: "get_weather\n```python\ntool_call(city='Paris', note='it is",
    tools,
    expected: { content: "", calls: [{ name: "get_weather", arguments: '{"city":"Paris"}' }] },
  },
  {
    name: "a non-literal after the first argument takes the rest of the call, still never run",
    input: "search\n```python\ntool_call(query='x', n=os.getcwd(), k=1)\n```",
    tools,
    expected: { content: "", calls: [{ name: "search", arguments: '{"query":"x"}' }] },
  },
  {
    name: "a fenced block that is not a tool_call is content",
    input: "search\n```python\nprint('hi')\n```",
    tools,
    expected: { content: "search\n```python\nprint('hi')\n```", calls: [] },
  },
];

describe("ChatGlm3ReplyParser", () => {
  for (const row of rows) {
    test(row.name, () => {
      expect(feed(new ChatGlm3ReplyParser(row.tools), [row.input])).toEqual(row.expected);
    });
  }

  for (const row of rows) {
    test(`any split gives the same result: ${row.name}`, () => {
      for (const pieces of splitsOf(row.input)) {
        expect(feed(new ChatGlm3ReplyParser(row.tools), pieces)).toEqual(row.expected);
      }
    });
  }

  test("the name goes out with the first argument, then each argument as it completes", () => {
    const parser = new ChatGlm3ReplyParser(tools);
    expect(parser.push("get_weather\n```python\ntool_call(city='Par")).toEqual([]);
    const first = parser.push("is', da");
    expect(first.map((event) => event.kind)).toEqual(["tool_call_start", "tool_call_arguments"]);
    expect(first[1]).toEqual({ kind: "tool_call_arguments", index: 0, text: '{"city":"Paris"' });
    expect(parser.push("ys=3)\n```")).toEqual([
      { kind: "tool_call_arguments", index: 0, text: ',"days":3' },
      { kind: "tool_call_arguments", index: 0, text: "}" },
    ]);
    expect(parser.end()).toEqual([]);
  });

  test("sawToolCall follows a parsed call", () => {
    const parser = new ChatGlm3ReplyParser(tools);
    feed(parser, ["search\n```python\ntool_call(query='x')\n```"]);
    expect(parser.sawToolCall).toBe(true);
  });
});
