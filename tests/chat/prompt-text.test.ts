import { describe, expect, test } from "bun:test";
import { promptToText } from "../../src/chat/prompt-text.ts";

describe("promptToText", () => {
  test("joins every kind of part in order", () => {
    expect(promptToText([{ special: "<|user|>" }, { text: "\nhi" }, { templated: "<x>" }])).toBe(
      "<|user|>\nhi<x>",
    );
  });
});
