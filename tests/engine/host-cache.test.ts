import { expect, test } from "bun:test";
import type { Engine } from "../../src/engine/engine.ts";
import type { GenerationDone, GenerationParams } from "../../src/engine/types.ts";
import { openRandom, promptFor } from "./fixtures.ts";

const greedy: GenerationParams = { maxTokens: 8, temperature: 0, ignoreEos: true };

/** A conversation's prompt: about 1,200 tokens (1.3 MB of KV state on the tiny model). */
function conversation(engine: Engine, name: string): number[] {
  return promptFor(engine, `${name}: ${"this conversation has its own long history ".repeat(30)}`);
}

async function reply(engine: Engine, prompt: number[], signal?: AbortSignal) {
  const tokens: number[] = [];
  let done: GenerationDone | undefined;
  for await (const event of engine.generate(prompt, greedy, signal)) {
    if (event.kind === "piece") tokens.push(event.tokenId);
    else done = event;
  }
  if (!done) throw new Error("no done event");
  return { tokens, cached: done.cachedTokens };
}

function expectNoLeakedCells(engine: Engine): void {
  for (const slot of engine.slots()) expect(slot.kvTokens).toBe(slot.cachedTokens);
}

test("a conversation that lost its slot is restored from RAM, with the same greedy tokens", async () => {
  await using engine = await openRandom({ slots: 1 });
  const [a, b] = [conversation(engine, "alpha"), conversation(engine, "beta")];
  const first = await reply(engine, a);
  await reply(engine, b); // takes the only slot: alpha's history goes to RAM
  expect(engine.stats().hostCache).toMatchObject({ entries: 1, saves: 1, hits: 0 });
  const back = await reply(engine, a);
  expect(back.tokens).toEqual(first.tokens);
  // Everything but the last prompt token (decoded again for its logits) came from RAM.
  expect(back.cached).toBe(a.length - 1);
  // Restored, the state lives in the slot again; beta's history went to RAM in its place.
  expect(engine.stats().hostCache).toMatchObject({ entries: 1, saves: 2, hits: 1 });
  expectNoLeakedCells(engine);
});

test("the same turns with the cache off prefill again, and decode the same tokens", async () => {
  await using engine = await openRandom({ slots: 1, cacheRamMib: 0 });
  const [a, b] = [conversation(engine, "alpha"), conversation(engine, "beta")];
  const first = await reply(engine, a);
  await reply(engine, b);
  const back = await reply(engine, a);
  expect(back.tokens).toEqual(first.tokens);
  expect(back.cached).toBeLessThan(16); // only the shared template opening
  expect(engine.stats().hostCache).toMatchObject({ entries: 0, saves: 0, budgetBytes: 0 });
});

test("many conversations stay within the budget, evicting the least recently used", async () => {
  // Room for three saved histories.
  await using engine = await openRandom({ slots: 1, cacheRamMib: 4 });
  const names = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
  const prompts = names.map((name) => conversation(engine, name));
  for (const prompt of prompts) {
    await reply(engine, prompt);
    const host = engine.stats().hostCache;
    expect(host.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  }
  const host = engine.stats().hostCache;
  expect(host.saves).toBe(names.length - 1);
  expect(host.entries).toBe(3);
  expect(host.evictions).toBe(host.saves - host.entries);
  expect(host.evictions).toBeGreaterThan(0);
  // The newest saved one is still there; the oldest was evicted.
  const newest = prompts[names.length - 2] as number[];
  const oldest = prompts[0] as number[];
  expect((await reply(engine, newest)).cached).toBe(newest.length - 1);
  expect((await reply(engine, oldest)).cached).toBeLessThan(16);
  expectNoLeakedCells(engine);
});

test("a request cancelled as its history is restored leaves clean cells and a usable state", async () => {
  await using engine = await openRandom({ slots: 1 });
  const [a, b] = [conversation(engine, "alpha"), conversation(engine, "beta")];
  const first = await reply(engine, a);
  await reply(engine, b);
  const cancel = new AbortController();
  const cancelled = reply(engine, a, cancel.signal).catch((error: unknown) => error);
  cancel.abort();
  await cancelled;
  expectNoLeakedCells(engine);
  const again = await reply(engine, a);
  expect(again.tokens).toEqual(first.tokens);
  // Whether the cancel came before or after the restore, alpha's history was not lost.
  expect(again.cached).toBe(a.length - 1);
  expectNoLeakedCells(engine);
});
