import assert from "node:assert/strict";
import type { Engine } from "../../src/engine/engine.ts";
import type { BatchPadding } from "../../src/engine/types.ts";
import { test } from "../support/runtime-test.ts";
import { openRandom, waitUntil } from "./fixtures.ts";

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
  assert.equal(padded.stats.peakBatchSequences, 3, "filler slots counted as sequences");
});

test("fillers leave the idle slots' cached histories as they were", async () => {
  await using engine = await openRandom({ slots: 4, padding: "on" });
  const prompts = ["one", "two", "three", "four"].map((text) => promptOf(engine, text));
  // Each slot keeps its prompt and every reply token but the last, which is never decoded.
  const expected = prompts.map((prompt) => prompt.length + reply.maxTokens - 1).sort();
  const settled = () =>
    waitUntil(() => {
      const slots = engine.slots();
      const sizes = slots.map((slot) => slot.cachedTokens).sort();
      return sizes.join() === expected.join() && slots.every((s) => s.kvTokens === s.cachedTokens);
    });
  const first = await Promise.all(prompts.map((prompt) => tokensOf(engine, prompt)));
  await settled();
  // One stream at a time: the three idle slots take a filler every step.
  for (const prompt of prompts) await tokensOf(engine, prompt);
  await settled();
  const repeat = await Promise.all(prompts.map((prompt) => tokensOf(engine, prompt)));
  assert.deepEqual(repeat, first);
});

test("a full idle slot gets no filler, and its cached history stays intact", async () => {
  // 256 tokens per slot. The first request fills slot 0 to the brim; the next three take slots
  // 1-3 (least recently used), whose 4-row tile could only be completed in slot 0.
  await using engine = await openRandom({ slots: 4, ctxSize: 1024, padding: "on" });
  const endless = { maxTokens: 10_000, ignoreEos: true };
  // No chat template, so the other prompts share no prefix with it and go to the other slots.
  const fill = engine.tokenize("fill", false);
  assert.equal((await tokensOf(engine, fill, endless)).finish, "length");
  // The slot table is refreshed on the inference thread's next turn.
  await waitUntil(() => engine.slots().some((slot) => slot.cachedTokens === 256));
  const full = engine.slots().find((slot) => slot.cachedTokens === 256);
  assert.ok(full);
  const before = engine.stats().fillerTokens;
  const runs = await Promise.all(
    ["a", "b b", "c c c"].map((text) => tokensOf(engine, promptOf(engine, text))),
  );
  for (const run of runs) assert.equal(run.finish, "length");
  assert.equal(engine.stats().fillerTokens, before);
  for (const slot of engine.slots()) {
    assert.equal(slot.busy, false);
    assert.equal(slot.kvTokens, slot.cachedTokens, `slot ${slot.id} holds stray KV cells`);
  }
  assert.equal(engine.slots()[full.id]?.cachedTokens, 256);
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
