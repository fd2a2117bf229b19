import { describe, expect, test } from "bun:test";
import { createKeyCheck } from "../../src/api/auth.ts";

describe("createKeyCheck", () => {
  const check = createKeyCheck(["k1", "second-key"]);
  const cases: Array<[string, string | null, boolean]> = [
    ["the first key", "Bearer k1", true],
    ["the second key", "Bearer second-key", true],
    ["a lower-case scheme", "bearer k1", true],
    ["extra spaces after Bearer", "Bearer   k1", true],
    ["a trailing space", "Bearer k1 ", true],
    ["no header", null, false],
    ["an empty header", "", false],
    ["Bearer with no key", "Bearer ", false],
    ["a bare key", "k1", false],
    ["a wrong key", "Bearer k2", false],
    ["a key with a suffix", "Bearer k1x", false],
    ["a prefix of a key", "Bearer second", false],
    ["both keys joined", "Bearer k1,second-key", false],
    ["another scheme", "Basic k1", false],
  ];
  test.each(cases)("%s", (_, header, ok) => {
    expect(check(header)).toBe(ok);
  });

  test("an empty key never matches a missing header", () => {
    expect(createKeyCheck([""])(null)).toBe(false);
  });
});
