import assert from "node:assert/strict";
import type { Engine } from "../../src/engine/engine.ts";
import type { BatchPadding } from "../../src/engine/types.ts";
import { test } from "../support/runtime-test.ts";
import { openRandom } from "./fixtures.ts";

const reply = { maxTokens: 40, ignoreEos: true };

function promptOf(engine: Engine, text: string): number[] {
  return engine.tokenize(`[gMASK]<sop><|user|>\n${text}<|assistant|>`, true);
}

async function tokensOf(engine: Engine, prompt: number[], params = reply) {
  const ids: number[] = [];
  let finish = "";
  for await (const event of engine.generate(prompt, params)) {
    if (event.kind === "piece") ids.push(event.tokenId);
    else finish = event.finishReason;
  }
  return { ids, finish };
}

/** Three streams at once (3 rows a step, 2 as they end), then each alone. */
async function threeStreams(padding: BatchPadding) {
  await using engine = await openRandom({ slots: 4, padding });
  const prompts = ["one", "two two", "three three three"].map((text) => promptOf(engine, text));
  const together = await Promise.all(prompts.map((prompt) => tokensOf(engine, prompt)));
  const alone: number[][] = [];
  for (const prompt of prompts) alone.push((await tokensOf(engine, prompt)).ids);
  return { together: together.map((run) => run.ids), alone, stats: engine.stats() };
}

test("filler rows never change what the real rows generate", async () => {
  const padded = await threeStreams("on");
  const plain = await threeStreams("off");
  assert.deepEqual(padded.together, padded.alone);
  assert.deepEqual(padded.together, plain.together);
  assert.deepEqual(padded.alone, plain.alone);
  assert.ok(padded.stats.fillerTokens > 0, "padding on added no filler tokens");
  assert.deepEqual(padded.stats.paddedRemainders, [1, 2, 3]);
  assert.equal(plain.stats.fillerTokens, 0);
  assert.deepEqual(plain.stats.paddedRemainders, []);
});

test("padding stops where the KV cache has no room, and the slots still run to their end", async () => {
  // Two slots of 256 tokens fill the whole cache, so the last steps leave no cell for fillers.
  await using engine = await openRandom({ slots: 2, ctxSize: 512, padding: "on" });
  const endless = { maxTokens: 10_000, ignoreEos: true };
  const runs = await Promise.all(
    ["left", "right"].map((text) => tokensOf(engine, promptOf(engine, text), endless)),
  );
  for (const run of runs) {
    assert.equal(run.finish, "length");
    assert.ok(run.ids.length > 200, `only ${run.ids.length} tokens`);
  }
  for (const slot of engine.slots()) {
    assert.equal(slot.busy, false);
    assert.equal(slot.kvTokens, slot.cachedTokens, `slot ${slot.id} holds stray KV cells`);
  }
  assert.equal((await tokensOf(engine, promptOf(engine, "again"))).finish, "length");
});

test("auto padding times 1..4 rows at startup and rounds up exactly where 4 rows were faster", async () => {
  await using engine = await openRandom({ slots: 4, padding: "auto" });
  await tokensOf(engine, promptOf(engine, "first")); // served only after the timing
  const { rowsMs, paddedRemainders } = engine.stats();
  assert.ok(rowsMs !== null, "no startup timing");
  assert.equal(rowsMs.length, 4);
  for (const ms of rowsMs) assert.ok(ms > 0 && Number.isFinite(ms), `timing ${ms}`);
  const fourRows = rowsMs[3] ?? 0;
  const faster = [1, 2, 3].filter((rest) => fourRows < (rowsMs[rest - 1] ?? 0));
  assert.deepEqual(paddedRemainders, faster);
});

test("one slot has nothing to round up, so auto padding times nothing", async () => {
  await using engine = await openRandom({ slots: 1, padding: "auto" });
  await tokensOf(engine, promptOf(engine, "solo"));
  assert.equal(engine.stats().rowsMs, null);
  assert.equal(engine.stats().fillerTokens, 0);
});
