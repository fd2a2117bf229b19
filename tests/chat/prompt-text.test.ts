import { describe, expect, test } from "bun:test";
import { joinTextParts, promptToText } from "../../src/chat/prompt-text.ts";

describe("promptToText", () => {
  test("joins every kind of part in order", () => {
    expect(promptToText([{ special: "<|user|>" }, { text: "\nhi" }, { templated: "<x>" }])).toBe(
      "<|user|>\nhi<x>",
    );
  });
});

test("joinTextParts makes text between special tokens one part, as the tokenizer must see it", () => {
  expect(
    joinTextParts([
      { text: "\nA" },
      { text: "\n" },
      { special: "<t>" },
      { text: "b" },
      { templated: "c" },
      { text: "d" },
    ]),
  ).toEqual([
    { text: "\nA\n" },
    { special: "<t>" },
    { text: "b" },
    { templated: "c" },
    { text: "d" },
  ]);
});
