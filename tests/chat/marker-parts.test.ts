import { expect, test } from "bun:test";
import { withMarkers } from "../../src/chat/marker-parts.ts";

test.each([
  ["no markers", "plain", [{ text: "plain" }]],
  ["markers at both ends", "<a>x<b>", [{ special: "<a>" }, { text: "x" }, { special: "<b>" }]],
  [
    "the earliest marker first",
    "x<b>y<a>",
    [{ text: "x" }, { special: "<b>" }, { text: "y" }, { special: "<a>" }],
  ],
  ["adjacent markers", "<a><b>", [{ special: "<a>" }, { special: "<b>" }]],
  ["empty text", "", []],
])("%s", (_, text, expected) => {
  expect(withMarkers(text, ["<a>", "<b>"])).toEqual(expected);
});
