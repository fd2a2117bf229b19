import { describe, expect, test } from "bun:test";
import { applyToolChoice } from "../../src/chat/tool-choice.ts";
import type { ToolChoice, ToolDefinition } from "../../src/chat/types.ts";

const a: ToolDefinition = { type: "function", function: { name: "a" } };
const b: ToolDefinition = { type: "function", function: { name: "b" } };

const rows: { name: string; choice: ToolChoice | undefined; expected: ToolDefinition[] }[] = [
  { name: "none hides all tools", choice: "none", expected: [] },
  { name: "auto keeps all", choice: "auto", expected: [a, b] },
  { name: "required keeps all", choice: "required", expected: [a, b] },
  { name: "unset keeps all", choice: undefined, expected: [a, b] },
  { name: "named keeps one", choice: { type: "function", function: { name: "b" } }, expected: [b] },
  {
    name: "unknown name keeps none",
    choice: { type: "function", function: { name: "z" } },
    expected: [],
  },
];

describe("applyToolChoice", () => {
  for (const row of rows) {
    test(row.name, () => {
      expect(applyToolChoice([a, b], row.choice)).toEqual(row.expected);
    });
  }

  test("no tools stays no tools", () => {
    expect(applyToolChoice(undefined, "auto")).toEqual([]);
  });
});
