import { expect, test } from "bun:test";
import type { Engine } from "../../src/engine/engine.ts";
import type { GenerationParams } from "../../src/engine/types.ts";
import { openRandom, openScripted, promptFor } from "./fixtures.ts";
import {
  cancelAfter,
  expectDraftsStopAtContextEdge,
  expectNoLeakedCells,
  expectSameWithDrafts,
  expectThreeStreamsAlike,
  type Reply,
  reply,
} from "./speculation-checks.ts";

const greedy: GenerationParams = { maxTokens: 48, temperature: 0, ignoreEos: true };
/** For a chain that ends: its end-of-text token ends the reply. */
const untilEnd: GenerationParams = { maxTokens: 48, temperature: 0 };
/** Forty distinct tokens: the scripted reply, which a prompt can quote. */
const WORDS = Array.from({ length: 40 }, (_, i) => ` w${i}`);

/** A GLM-4 prompt whose user turn quotes `quoted` token for token. */
function quoting(engine: Engine, quoted: number[]): number[] {
  return [
    ...engine.tokenize("[gMASK]<sop><|user|>", true),
    ...engine.tokenize("\nRepeat this:", false),
    ...quoted,
    ...engine.tokenize("<|assistant|>", true),
  ];
}

/** The same ending; cached tokens differ, since the second reply reuses the first's prompt. */
function expectSameEnd(on: Reply, off: Reply): void {
  const { cachedTokens: _on, ...onEnd } = on.done;
  const { cachedTokens: _off, ...offEnd } = off.done;
  expect(onEnd).toEqual(offEnd);
}

test("a reply that quotes the prompt is drafted from it: the same tokens in far fewer steps", async () => {
  await using engine = await openScripted({ chain: WORDS });
  const plain = await reply(engine, promptFor(engine, "go"), { ...untilEnd, draftMax: 0 });
  expect(plain.tokens).toHaveLength(WORDS.length);
  const prompt = quoting(engine, plain.tokens);
  const off = await reply(engine, prompt, { ...untilEnd, draftMax: 0 });
  const on = await reply(engine, prompt, { ...untilEnd, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
  expectSameEnd(on, off);
  expect(off.calls).toBeGreaterThanOrEqual(WORDS.length);
  expect(on.calls).toBeLessThan(off.calls / 3);
  const { drafted, accepted } = engine.stats().speculation;
  expect(accepted).toBeGreaterThan(WORDS.length - 8);
  expect(accepted).toBeLessThanOrEqual(drafted);
  expectNoLeakedCells(engine);
});

test("a looping reply drafts from its own output, and stops exactly at max_tokens", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong", " pang"], loop: true });
  const prompt = promptFor(engine, "go");
  for (const maxTokens of [1, 2, 5, 17, 64]) {
    const off = await reply(engine, prompt, { ...greedy, maxTokens, draftMax: 0 });
    const on = await reply(engine, prompt, { ...greedy, maxTokens, draftMax: 16 });
    expect(on.tokens).toEqual(off.tokens);
    expect(on.done).toMatchObject({ finishReason: "length", completionTokens: maxTokens });
  }
  expect(engine.stats().speculation.accepted).toBeGreaterThan(40);
  expectNoLeakedCells(engine);
});

test("drafts never pass the slot's context: the reply ends at its edge as it does without them", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true, ctxSize: 256 });
  const { on, off } = await expectDraftsStopAtContextEdge(engine, promptFor(engine, "go"), greedy);
  expectSameEnd(on, off);
  for (const slot of engine.slots())
    expect(slot.kvTokens).toBeLessThanOrEqual(engine.info.nCtxSlot);
  expectNoLeakedCells(engine);
});

test("a stop token inside a drafted run ends the reply where it would without drafts", async () => {
  await using engine = await openScripted({ chain: WORDS });
  const plain = await reply(engine, promptFor(engine, "go"), { ...untilEnd, draftMax: 0 });
  const prompt = quoting(engine, plain.tokens);
  const stopAt = plain.tokens[25] as number;
  const params = { ...untilEnd, stopTokens: [stopAt] };
  const off = await reply(engine, prompt, { ...params, draftMax: 0 });
  const on = await reply(engine, prompt, { ...params, draftMax: 16 });
  expect(off.tokens).toEqual(plain.tokens.slice(0, 25));
  expect(on.tokens).toEqual(off.tokens);
  expectSameEnd(on, off);
  expectNoLeakedCells(engine);
});

test("on a random model greedy tokens and log-probabilities are the same with drafts on", async () => {
  await using engine = await openRandom({ slots: 1 });
  // A prompt that repeats itself, so lookups find matches the model may or may not follow.
  const prompt = promptFor(engine, "one two three four. ".repeat(12));
  await expectSameWithDrafts(engine, prompt, { ...greedy, maxTokens: 160 });
  const { drafted, accepted } = engine.stats().speculation;
  expect(accepted).toBeGreaterThan(0); // both paths ran: kept drafts and rejected ones
  expect(accepted).toBeLessThan(drafted);
  expectNoLeakedCells(engine);
});

test("three streams drafting in one batch give each the tokens it gets alone", async () => {
  await using engine = await openRandom({ slots: 3 });
  await expectThreeStreamsAlike(engine, 10, { ...greedy, maxTokens: 96 });
  expect(engine.stats().speculation.drafted).toBeGreaterThan(0);
});

test("with a seed, sampling at temperature 1 gives the same tokens with drafts on", async () => {
  await using engine = await openRandom({ slots: 1 });
  const prompt = promptFor(engine, "one two three four. ".repeat(12));
  for (const seed of [1, 2, 3]) {
    const params = { maxTokens: 96, temperature: 1, topK: 3, seed, ignoreEos: true };
    const off = await reply(engine, prompt, { ...params, draftMax: 0 });
    const on = await reply(engine, prompt, { ...params, draftMax: 16 });
    expect(on.tokens).toEqual(off.tokens);
  }
  expect(engine.stats().speculation.accepted).toBeGreaterThan(0);
});

test("sampled replies follow the model's distribution with drafts on (two-proportion z-test)", async () => {
  // The scripted loop's next token is its chain successor with some probability q < 1 at this
  // temperature; drafts always propose the successor, so a wrong acceptance rule shows as a
  // different share of successors. Different seeds on each side keep the samples independent.
  await using engine = await openScripted({ chain: [" ping", " pong", " pang"], loop: true });
  const chain = (await reply(engine, promptFor(engine, "go"), { ...greedy, maxTokens: 3 })).tokens;
  // The prompt quotes the loop, so any two chain tokens in a row get a draft from it.
  const prompt = quoting(engine, [...chain, ...chain, ...chain]);
  const successor = new Map(chain.map((token, i) => [token, chain[(i + 1) % chain.length]]));
  const share = async (draftMax: number, seedBase: number) => {
    let follows = 0;
    let pairs = 0;
    for (let run = 0; run < 100; run++) {
      const params = { maxTokens: 40, temperature: 12, seed: seedBase + run, ignoreEos: true };
      const { tokens } = await reply(engine, prompt, { ...params, draftMax });
      for (let i = 1; i < tokens.length; i++) {
        const previous = tokens[i - 1] as number;
        if (!successor.has(previous)) continue;
        pairs++;
        if (successor.get(previous) === tokens[i]) follows++;
      }
    }
    return { p: follows / pairs, n: pairs };
  };
  const off = await share(0, 1000);
  const on = await share(16, 2000);
  expect(off.p).toBeGreaterThan(0.2); // the test can see a change either way
  expect(off.p).toBeLessThan(0.95);
  const pooled = (off.p * off.n + on.p * on.n) / (off.n + on.n);
  const z = (on.p - off.p) / Math.sqrt(pooled * (1 - pooled) * (1 / off.n + 1 / on.n));
  expect(Math.abs(z)).toBeLessThan(4);
  expect(engine.stats().speculation.accepted).toBeGreaterThan(0);
}, 60_000);

test("a request cancelled while its drafts are checked leaves no KV cells behind", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong", " pang"], loop: true });
  const prompt = promptFor(engine, "go");
  for (const after of [3, 10, 40]) {
    const params = { ...greedy, maxTokens: 100_000, draftMax: 16 };
    expect(await cancelAfter(engine, prompt, params, after)).toHaveLength(after);
    expectNoLeakedCells(engine);
  }
  const next = await reply(engine, prompt, { ...greedy, maxTokens: 6, draftMax: 16 });
  expect(next.tokens).toHaveLength(6);
});

test("a grammar ends a drafted run where it ends a plain one", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong", " pang"], loop: true });
  const prompt = promptFor(engine, "go");
  // The loop would go on; after five rounds the grammar allows only the end, mid-draft.
  const params = { ...greedy, maxTokens: 40, grammar: 'root ::= (" ping" " pong" " pang"){5}' };
  const off = await reply(engine, prompt, { ...params, draftMax: 0 });
  const on = await reply(engine, prompt, { ...params, draftMax: 16 });
  expect(off.tokens).toHaveLength(15);
  expect(off.done.finishReason).toBe("stop");
  expect(on.tokens).toEqual(off.tokens);
  expectSameEnd(on, off);
  expect(engine.stats().speculation.accepted).toBeGreaterThan(5);
  expectNoLeakedCells(engine);
});

test("a stream drafting in a high slot while lower slots prefill keeps its rows in order", async () => {
  const loop = { chain: [" ping", " pong", " pang"], loop: true, slots: 3, batchSize: 512 };
  const run = async (draftMax: number) => {
    await using engine = await openScripted(loop);
    const prompts = ["first", "second", "third"].map((word) => promptFor(engine, word));
    // Fill slots 0, 1 and 2 in turn, so the long stream below returns to slot 2.
    for (const prompt of prompts) await reply(engine, prompt, { ...greedy, maxTokens: 1 });
    let pieces = 0;
    let startOthers: () => void = () => {};
    const othersMayStart = new Promise<void>((resolve) => {
      startOthers = resolve;
    });
    const long = (async () => {
      const tokens: number[] = [];
      const params = { ...greedy, maxTokens: 200, draftMax };
      for await (const event of engine.generate(prompts[2] as number[], params)) {
        if (event.kind !== "piece") continue;
        tokens.push(event.tokenId);
        if (++pieces === 20) startOthers();
      }
      return tokens;
    })();
    await othersMayStart;
    const others = ["fourth", "fifth"].map((word) =>
      reply(engine, promptFor(engine, word), { ...greedy, maxTokens: 30, draftMax }),
    );
    const replies = [await long, ...(await Promise.all(others)).map((r) => r.tokens)];
    expectNoLeakedCells(engine);
    return { replies, accepted: engine.stats().speculation.accepted };
  };
  const off = await run(0);
  const on = await run(16);
  expect(on.replies).toEqual(off.replies);
  expect(on.accepted).toBeGreaterThan(20);
});
