import { expect, test } from "bun:test";
import type { Engine } from "../../src/engine/engine.ts";
import type { GenerationParams } from "../../src/engine/types.ts";
import { openRandom, promptFor } from "./fixtures.ts";

const greedy: GenerationParams = { maxTokens: 8, temperature: 0, ignoreEos: true };

async function tokensOf(
  engine: Engine,
  prompt: number[],
  params: GenerationParams,
  onPiece: () => void = () => {},
): Promise<number[]> {
  const ids: number[] = [];
  for await (const event of engine.generate(prompt, params)) {
    if (event.kind !== "piece") continue;
    ids.push(event.tokenId);
    onPiece();
  }
  return ids;
}

/** Two streams decode while a ~700-token prompt arrives; returns every reply's tokens. */
async function streamsAndALongPrompt(engine: Engine): Promise<number[][]> {
  let pieces = 0;
  let started: () => void = () => {};
  const bothStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const running = [promptFor(engine, "first"), promptFor(engine, "second")].map((prompt) =>
    tokensOf(engine, prompt, { ...greedy, maxTokens: 300 }, () => {
      if (++pieces === 4) started();
    }),
  );
  // The long prompt arrives once both streams are generating.
  await bothStarted;
  const long = tokensOf(engine, promptFor(engine, "a pasted document ".repeat(40)), greedy);
  return Promise.all([...running, long]);
}

test("while streams decode, no step carries more prompt tokens than the budget", async () => {
  await using engine = await openRandom({ slots: 3, ctxSize: 4096, prefillBudget: 32 });
  await streamsAndALongPrompt(engine);
  const peak = engine.stats().peakPrefillWhileDecoding;
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThanOrEqual(32);
});

test("without a budget the same prompt fills whole steps beside the streams", async () => {
  await using engine = await openRandom({ slots: 3, ctxSize: 4096, prefillBudget: 0 });
  await streamsAndALongPrompt(engine);
  expect(engine.stats().peakPrefillWhileDecoding).toBeGreaterThan(32);
});

test("the budget changes when tokens are computed, never which: greedy replies are identical", async () => {
  await using capped = await openRandom({ slots: 3, ctxSize: 4096, prefillBudget: 16 });
  await using whole = await openRandom({ slots: 3, ctxSize: 4096, prefillBudget: 0 });
  const [withBudget, without] = [
    await streamsAndALongPrompt(capped),
    await streamsAndALongPrompt(whole),
  ];
  expect(withBudget).toEqual(without);
});

test("auto keeps the cap within 88 and the batch size once it has measured steps", async () => {
  await using engine = await openRandom({ slots: 3, ctxSize: 4096 });
  await streamsAndALongPrompt(engine);
  const peak = engine.stats().peakPrefillWhileDecoding;
  expect(peak).toBeGreaterThanOrEqual(88);
  expect(peak).toBeLessThanOrEqual(512);
});
