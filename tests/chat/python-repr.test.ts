import { describe, expect, test } from "bun:test";
import { parsePythonLiteral } from "../../src/chat/python-literal.ts";
import { pythonStringRepr, toPythonRepr } from "../../src/chat/python-repr.ts";

describe("toPythonRepr", () => {
  const rows: { name: string; input: unknown; expected: string }[] = [
    { name: "string", input: "Paris", expected: "'Paris'" },
    { name: "string with a quote", input: "it's", expected: `"it's"` },
    { name: "string with both quotes", input: `it's "x"`, expected: `'it\\'s "x"'` },
    { name: "control characters", input: "a\nb\u0001", expected: "'a\\nb\\x01'" },
    {
      name: "scalars",
      input: [1, 2.5, true, false, null],
      expected: "[1, 2.5, True, False, None]",
    },
    { name: "dict", input: { a: { b: ["c"] } }, expected: "{'a': {'b': ['c']}}" },
  ];
  for (const row of rows) {
    test(row.name, () => {
      expect(toPythonRepr(row.input)).toBe(row.expected);
    });
  }

  test("round-trips through the literal parser", () => {
    const value = { s: 'it\'s "q" \\ 北京\n', n: [1, -2.5, null, true], d: { k: [] } };
    expect(parsePythonLiteral(toPythonRepr(value))).toEqual({ ok: true, value });
    expect(pythonStringRepr("")).toBe("''");
  });
});
