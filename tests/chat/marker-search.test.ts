import { describe, expect, test } from "bun:test";
import { findFirstMarker, partialMarkerLength } from "../../src/chat/marker-search.ts";

describe("partialMarkerLength", () => {
  const markers = ["<think>", "<tool_call>"];
  const rows: { name: string; text: string; expected: number }[] = [
    { name: "no partial", text: "hello", expected: 0 },
    { name: "lone <", text: "a <", expected: 1 },
    { name: "longest prefix wins", text: "x<tool_ca", expected: 8 },
    { name: "complete marker is not partial", text: "<think>", expected: 0 },
    { name: "empty", text: "", expected: 0 },
  ];
  for (const row of rows) {
    test(row.name, () => {
      expect(partialMarkerLength(row.text, markers)).toBe(row.expected);
    });
  }
});

describe("findFirstMarker", () => {
  test("earliest marker wins", () => {
    expect(findFirstMarker("a<tool_call>b<think>", ["<think>", "<tool_call>"])).toEqual({
      index: 1,
      marker: "<tool_call>",
    });
    expect(findFirstMarker("none", ["<think>"])).toBeUndefined();
  });
});
