import { describe, expect, test } from "bun:test";
import { StopStringMatcher } from "../../src/chat/stop-strings.ts";

/** Feeds `pieces` in order and returns everything passed on, and whether a stop was seen. */
function run(stops: string[], pieces: string[]): { text: string; stopped: boolean } {
  const matcher = new StopStringMatcher(stops);
  let text = "";
  let stopped = false;
  for (const piece of pieces) {
    const match = matcher.push(piece);
    text += match.text;
    stopped = match.stopped;
  }
  return { text: text + matcher.flush(), stopped };
}

const cases: Array<[string, string[], string, string, boolean]> = [
  ["no stops passes everything", [], "Hello, world!", "Hello, world!", false],
  ["a stop in the middle cuts before it", ["world"], "Hello, world!", "Hello, ", true],
  ["a stop at the start leaves nothing", ["Hello"], "Hello, world!", "", true],
  ["a stop at the very end", ["!"], "Hello, world!", "Hello, world", true],
  ["the earliest of several stops wins", ["world", "llo"], "Hello, world!", "He", true],
  ["a stop never completed is flushed", ["world?"], "Hello, world!", "Hello, world!", false],
  ["a partial stop at the end is flushed", ["!!"], "Hello, world!", "Hello, world!", false],
  ["only text before the first of repeats", ["o"], "foo boo", "f", true],
  ["a stop that overlaps itself", ["aab"], "aaab", "a", true],
  ["a newline stop", ["\n\n"], "line one\n\nline two", "line one", true],
  ["a one-character stop", [","], "a,b,c", "a", true],
  ["multi-byte characters", ["世界"], "你好世界!", "你好", true],
  ["a stop longer than the text", ["Hello, world!!!"], "Hello", "Hello", false],
  ["the stop that ends first wins", ["world", "or"], "Hello, world!", "Hello, w", true],
  ["a stop inside a longer one ends first", ["abcd", "c"], "xabcd", "xab", true],
  ["of stops ending together the longer wins", ["cd", "bcd"], "abcde", "a", true],
];

describe("StopStringMatcher", () => {
  test.each(cases)("%s", (_, stops, text, expected, stopped) => {
    expect(run(stops, [text])).toEqual({ text: expected, stopped });
  });

  test.each(cases)("%s, whatever the split point", (_, stops, text, expected, stopped) => {
    for (let at = 0; at <= text.length; at++) {
      expect(run(stops, [text.slice(0, at), text.slice(at)])).toEqual({
        text: expected,
        stopped,
      });
    }
  });

  test.each(cases)("%s, one character per piece", (_, stops, text, expected, stopped) => {
    expect(run(stops, [...text])).toEqual({ text: expected, stopped });
  });

  test("text that may start a stop is held back until decided", () => {
    const matcher = new StopStringMatcher(["STOP"]);
    expect(matcher.push("go ST")).toEqual({ text: "go ", stopped: false });
    expect(matcher.push("OP")).toEqual({ text: "", stopped: true, matched: "STOP" });
  });

  test("the match names the stop that won, across pieces too", () => {
    expect(new StopStringMatcher(["cd", "bcd"]).push("abcde").matched).toBe("bcd");
    const matcher = new StopStringMatcher(["END", "x"]);
    expect(matcher.push("aE").matched).toBeUndefined();
    expect(matcher.push("ND").matched).toBe("END");
  });

  test("held text is released when the next piece rules the stop out", () => {
    const matcher = new StopStringMatcher(["STOP"]);
    expect(matcher.push("go ST")).toEqual({ text: "go ", stopped: false });
    expect(matcher.push("AY")).toEqual({ text: "STAY", stopped: false });
  });

  test("nothing passes after a stop, not even on flush", () => {
    const matcher = new StopStringMatcher(["x"]);
    expect(matcher.push("axb")).toEqual({ text: "a", stopped: true, matched: "x" });
    expect(matcher.push("more")).toEqual({ text: "", stopped: true });
    expect(matcher.flush()).toBe("");
  });
});
