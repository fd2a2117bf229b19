import { describe, expect, test } from "bun:test";
import { createKeyCheck, presentedKey } from "../../src/api/auth.ts";

describe("createKeyCheck", () => {
  const check = createKeyCheck(["k1", "second-key"]);
  const cases: Array<[string, string | null, string | null, boolean]> = [
    ["the first key", "Bearer k1", null, true],
    ["the second key", "Bearer second-key", null, true],
    ["a lower-case scheme", "bearer k1", null, true],
    ["extra spaces after Bearer", "Bearer   k1", null, true],
    ["a trailing space", "Bearer k1 ", null, true],
    ["no header", null, null, false],
    ["an empty header", "", null, false],
    ["Bearer with no key", "Bearer ", null, false],
    ["a bare key", "k1", null, false],
    ["a wrong key", "Bearer k2", null, false],
    ["a key with a suffix", "Bearer k1x", null, false],
    ["a prefix of a key", "Bearer second", null, false],
    ["both keys joined", "Bearer k1,second-key", null, false],
    ["another scheme", "Basic k1", null, false],
    ["x-api-key alone", null, "second-key", true],
    ["a wrong x-api-key", null, "k2", false],
    ["an empty x-api-key", null, " ", false],
    ["a good x-api-key beside a broken Authorization", "Basic zz", "k1", true],
    ["a wrong Bearer wins over a good x-api-key", "Bearer k2", "k1", false],
  ];
  test.each(cases)("%s", (_, authorization, apiKey, ok) => {
    expect(check(presentedKey(authorization, apiKey))).toBe(ok);
  });

  test("an empty key never matches a missing header", () => {
    expect(createKeyCheck([""])(presentedKey(null, null))).toBe(false);
  });
});
