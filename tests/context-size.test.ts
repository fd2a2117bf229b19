import { describe, expect, test } from "bun:test";
import { defaultContextSize, kvBytesPerToken } from "../src/context-size.ts";

/** GLM-4-9B's shape: 40 layers, 2 KV heads of 128, trained on 131072 tokens. */
const glm4: { arch: string; nCtxTrain: number; metadata: Record<string, string> } = {
  arch: "chatglm",
  nCtxTrain: 131072,
  metadata: {
    "chatglm.block_count": "40",
    "chatglm.embedding_length": "4096",
    "chatglm.attention.head_count": "32",
    "chatglm.attention.head_count_kv": "2",
  },
};
const GiB = 1024 ** 3;

describe("defaultContextSize", () => {
  test("K and V in f16: layers × KV heads × (key + value length) × 2 bytes", () => {
    expect(kvBytesPerToken(glm4)).toBe(40 * 2 * 256 * 2);
    const withLengths = {
      arch: "glm4moe",
      metadata: {
        "glm4moe.block_count": "46",
        "glm4moe.attention.head_count": "96",
        "glm4moe.attention.head_count_kv": "8",
        "glm4moe.attention.key_length": "128",
        "glm4moe.attention.value_length": "128",
      },
    };
    expect(kvBytesPerToken(withLengths)).toBe(46 * 8 * 256 * 2);
  });

  const cases: Array<[string, typeof glm4, number, number, number]> = [
    ["plenty of memory: 32k a slot, the agents' need", glm4, 4, 64 * GiB, 4 * 32768],
    ["a short training context is the limit", { ...glm4, nCtxTrain: 8192 }, 4, 64 * GiB, 4 * 8192],
    ["little memory halves the slots' share", glm4, 4, 4 * GiB, 4 * 8192],
    ["never below 4k a slot", glm4, 4, 64 * 1024 ** 2, 4 * 4096],
    ["an unknown training context is 4k", { ...glm4, nCtxTrain: 0 }, 2, 64 * GiB, 2 * 4096],
    ["an unknown shape keeps 32k", { ...glm4, metadata: {} }, 1, 1 * GiB, 32768],
  ];
  test.each(cases)("%s", (_, model, slots, free, expected) => {
    expect(defaultContextSize(model, slots, free)).toBe(expected);
  });
});
