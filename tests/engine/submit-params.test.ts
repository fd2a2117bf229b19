import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { SUBMIT_FIELDS, submitParamBlock } from "../../src/engine/submit-params.ts";

/** The block's layout must be glm.h's: a field written to the wrong place is a silent bug. */
const header = readFileSync(`${import.meta.dir}/../../native/glm.h`, "utf8");
const defined = (name: string) =>
  Number(new RegExp(`#define GLM_PARAM_${name} (\\d+)`).exec(header)?.[1]);

test("every field sits where glm.h puts it, and the block has GLM_PARAM_COUNT fields", () => {
  const snake = (key: string) =>
    key === "logprobs" ? "N_LOGPROBS" : key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
  for (const [key, index] of Object.entries(SUBMIT_FIELDS)) expect(defined(snake(key))).toBe(index);
  const block = submitParamBlock({
    maxTokens: 7,
    temperature: 0.5,
    topP: 0.25,
    topK: 40,
    minP: 0.125,
    repeatPenalty: 1.5,
    presencePenalty: -0.75,
    frequencyPenalty: 2,
    seed: 0xfffffffe,
    ignoreEos: true,
    logprobs: -1,
    draftMax: 12,
  });
  expect(block.length).toBe(defined("COUNT"));
  const view = new DataView(block.buffer);
  const int = (key: keyof typeof SUBMIT_FIELDS) => view.getInt32(SUBMIT_FIELDS[key] * 4, true);
  const float = (key: keyof typeof SUBMIT_FIELDS) => view.getFloat32(SUBMIT_FIELDS[key] * 4, true);
  expect([
    int("maxTokens"),
    int("topK"),
    int("ignoreEos"),
    int("logprobs"),
    int("draftMax"),
  ]).toEqual([7, 40, 1, -1, 12]);
  expect([float("temperature"), float("topP"), float("minP"), float("repeatPenalty")]).toEqual([
    0.5, 0.25, 0.125, 1.5,
  ]);
  expect([float("presencePenalty"), float("frequencyPenalty")]).toEqual([-0.75, 2]);
  expect(view.getUint32(SUBMIT_FIELDS.seed * 4, true)).toBe(0xfffffffe);
});
