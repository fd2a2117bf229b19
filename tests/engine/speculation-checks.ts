import { expect } from "bun:test";
import type { Engine } from "../../src/engine/engine.ts";
import type { GenerationDone, GenerationParams } from "../../src/engine/types.ts";
import { promptFor } from "./fixtures.ts";

/** What the speculation suites compare: tokens, log-probabilities, the end, and the steps taken. */
export interface Reply {
  tokens: number[];
  logprobs: number[];
  done: GenerationDone;
  /** llama_decode calls the reply took. */
  calls: number;
}

export async function reply(
  engine: Engine,
  prompt: number[],
  params: GenerationParams,
  signal?: AbortSignal,
): Promise<Reply> {
  const before = engine.stats().decodeCalls;
  const tokens: number[] = [];
  const logprobs: number[] = [];
  let done: GenerationDone | undefined;
  for await (const event of engine.generate(prompt, params, signal)) {
    if (event.kind === "piece") {
      tokens.push(event.tokenId);
      if (event.logprob !== undefined) logprobs.push(event.logprob);
    } else done = event;
  }
  if (!done) throw new Error("no done event");
  return { tokens, logprobs, done, calls: engine.stats().decodeCalls - before };
}

/** Every slot's KV cells are exactly its cached tokens: no drafted cell was left behind. */
export function expectNoLeakedCells(engine: Engine): void {
  for (const slot of engine.slots()) expect(slot.kvTokens).toBe(slot.cachedTokens);
}

export async function waitForIdle(engine: Engine): Promise<void> {
  const deadline = Date.now() + 5000;
  while (engine.slots().some((slot) => slot.busy)) {
    if (Date.now() > deadline) throw new Error("a slot stayed busy");
    await Bun.sleep(5);
  }
}

/** Starts a reply and aborts it after `pieces` pieces; returns the tokens it got. */
export async function cancelAfter(
  engine: Engine,
  prompt: number[],
  params: GenerationParams,
  pieces: number,
): Promise<number[]> {
  const controller = new AbortController();
  const tokens: number[] = [];
  try {
    for await (const event of engine.generate(prompt, params, controller.signal)) {
      if (event.kind === "piece") tokens.push(event.tokenId);
      if (tokens.length === pieces) controller.abort();
    }
  } catch {
    // the abort ends the stream
  }
  await waitForIdle(engine);
  return tokens;
}

/** Three prompts answered together with drafts give each the greedy tokens it gets alone. */
export async function expectThreeStreamsAlike(
  engine: Engine,
  repeat: number,
  params: GenerationParams,
): Promise<void> {
  const prompts = ["alpha beta. ", "gamma delta. ", "one two three. "].map((text) =>
    promptFor(engine, text.repeat(repeat)),
  );
  const alone = [];
  for (const prompt of prompts) alone.push(await reply(engine, prompt, { ...params, draftMax: 0 }));
  const together = await Promise.all(
    prompts.map((prompt) => reply(engine, prompt, { ...params, draftMax: 16 })),
  );
  expect(together.map((r) => r.tokens)).toEqual(alone.map((r) => r.tokens));
  expect(engine.stats().peakBatchSequences).toBe(3);
  expectNoLeakedCells(engine);
}

/**
 * With drafts on and off, greedy tokens are the same and log-probabilities agree to ~1e-3 (a
 * row decoded beside drafted rows goes through other matrix kernels).
 */
export async function expectSameWithDrafts(
  engine: Engine,
  prompt: number[],
  params: GenerationParams,
): Promise<void> {
  const withLogprobs = { ...params, logprobs: 0 };
  const off = await reply(engine, prompt, { ...withLogprobs, draftMax: 0 });
  const on = await reply(engine, prompt, { ...withLogprobs, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
  expect(on.logprobs).toHaveLength(off.logprobs.length);
  for (const [i, logprob] of on.logprobs.entries()) {
    expect(logprob).toBeCloseTo(off.logprobs[i] ?? 0, 2);
  }
}

/**
 * A reply that runs into the slot's context ends at its edge with drafts as without: the same
 * tokens, every cell of the slot used (the last token is sampled, never decoded) and none more.
 */
export async function expectDraftsStopAtContextEdge(
  engine: Engine,
  prompt: number[],
  params: GenerationParams,
): Promise<{ on: Reply; off: Reply }> {
  const long = { ...params, maxTokens: 500 };
  const off = await reply(engine, prompt, { ...long, draftMax: 0 });
  const on = await reply(engine, prompt, { ...long, draftMax: 64 });
  expect(off.done.finishReason).toBe("length");
  expect(on.tokens).toEqual(off.tokens);
  expect(prompt.length + on.tokens.length - 1).toBe(engine.info.nCtxSlot);
  return { on, off };
}
