import { describe, expect, test } from "bun:test";
import {
  type PyValue,
  parsePythonKeywordCall,
  parsePythonLiteral,
} from "../../src/chat/python-literal.ts";

const valid: { name: string; input: string; expected: PyValue }[] = [
  { name: "double-quoted string", input: '"Paris"', expected: "Paris" },
  { name: "single-quoted string", input: "'Paris'", expected: "Paris" },
  {
    name: "escapes",
    input: String.raw`'a\'b\n\t\\ \x41\u00e9\U0001F600'`,
    expected: "a'b\n\t\\ Aé😀",
  },
  { name: "unknown escape kept", input: String.raw`'C:\dir'`, expected: "C:\\dir" },
  { name: "triple-quoted string", input: "'''two\nlines'''", expected: "two\nlines" },
  { name: "adjacent strings join", input: "'ab' \"cd\"", expected: "abcd" },
  { name: "unicode string", input: "'北京 👋'", expected: "北京 👋" },
  { name: "empty string", input: "''", expected: "" },
  { name: "int", input: "42", expected: 42 },
  { name: "negative int", input: "-7", expected: -7 },
  { name: "int with underscores", input: "1_000", expected: 1000 },
  { name: "float", input: "3.25", expected: 3.25 },
  { name: "float forms", input: "[.5, 5., 1e3, -2.5E-1]", expected: [0.5, 5, 1000, -0.25] },
  { name: "booleans and None", input: "[True, False, None]", expected: [true, false, null] },
  { name: "tuple becomes list", input: "(1, 'a')", expected: [1, "a"] },
  { name: "empty containers", input: "[[], (), {}]", expected: [[], [], {}] },
  { name: "trailing commas", input: "[1, 2,]", expected: [1, 2] },
  {
    name: "nested dict",
    input: "{'a': {'b': [1, (2, 3)], 'c': None}, 2: 'two'}",
    expected: { a: { b: [1, [2, 3]], c: null }, "2": "two" },
  },
  { name: "whitespace and newlines", input: " [\n 1 ,\n 2 ] ", expected: [1, 2] },
];

const invalid: { name: string; input: string }[] = [
  { name: "import call", input: "__import__('os')" },
  { name: "bare name", input: "os" },
  { name: "function call", input: "print(1)" },
  { name: "attribute access", input: "os.system" },
  { name: "attribute on a literal", input: "'a'.join(['b'])" },
  { name: "name inside a list", input: "[1, x]" },
  { name: "lambda", input: "lambda: 1" },
  { name: "arithmetic", input: "1 + 2" },
  { name: "unterminated string", input: "'abc" },
  { name: "newline in short string", input: "'a\nb'" },
  { name: "unclosed list", input: "[1, 2" },
  { name: "missing comma", input: "[1 2]" },
  { name: "list as dict key", input: "{[1]: 2}" },
  { name: "bad hex escape", input: String.raw`'\xZZ'` },
  { name: "empty input", input: "" },
  { name: "lowercase true", input: "true" },
];

describe("parsePythonLiteral", () => {
  for (const row of valid) {
    test(row.name, () => {
      expect(parsePythonLiteral(row.input)).toEqual({ ok: true, value: row.expected });
    });
  }
  for (const row of invalid) {
    test(`rejects ${row.name}`, () => {
      expect(parsePythonLiteral(row.input).ok).toBe(false);
    });
  }

  test("a __proto__ key is data, not a prototype", () => {
    const result = parsePythonLiteral("{'__proto__': {'polluted': 1}}");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.stringify(result.value)).toBe('{"__proto__":{"polluted":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parsePythonKeywordCall", () => {
  const calls: { name: string; input: string; expected: Record<string, PyValue> | undefined }[] = [
    {
      name: "keywords",
      input: "tool_call(city='Paris', days=3)",
      expected: { city: "Paris", days: 3 },
    },
    { name: "no arguments", input: "tool_call()", expected: {} },
    {
      name: "nested values",
      input: 'tool_call(filters={"tags": ["a", "b"], "limit": None}, flag=True,)',
      expected: { filters: { tags: ["a", "b"], limit: null }, flag: true },
    },
    { name: "positional argument", input: "tool_call('Paris')", expected: undefined },
    { name: "repeated keyword", input: "tool_call(a=1, a=2)", expected: undefined },
    { name: "other callee", input: "other(a=1)", expected: undefined },
    { name: "call in a value", input: "tool_call(a=__import__('os'))", expected: undefined },
    { name: "trailing code", input: "tool_call(a=1); exit()", expected: undefined },
  ];
  for (const row of calls) {
    test(row.name, () => {
      const result = parsePythonKeywordCall(row.input, "tool_call");
      if (row.expected === undefined) expect(result.ok).toBe(false);
      else expect(result).toEqual({ ok: true, value: row.expected });
    });
  }
});
