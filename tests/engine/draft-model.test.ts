import { expect, test } from "bun:test";
import { Engine } from "../../src/engine/engine.ts";
import type { EngineOptions, GenerationParams } from "../../src/engine/types.ts";
import type { ScriptedModelSpec } from "../../src/gguf/scripted-model.ts";
import { scriptedModelPath } from "../support/test-models.ts";
import { promptFor, randomModelPath } from "./fixtures.ts";
import {
  cancelAfter,
  expectDraftsStopAtContextEdge,
  expectNoLeakedCells,
  expectSameWithDrafts,
  expectThreeStreamsAlike,
  reply,
} from "./speculation-checks.ts";

const greedy: GenerationParams = { maxTokens: 64, temperature: 0, ignoreEos: true };
const LOOP: ScriptedModelSpec = { chain: [" ping", " pong", " pang"], loop: true };

function open(target: string, draft: string, options: EngineOptions = {}): Promise<Engine> {
  return Engine.open(target, { ctxSize: 2048, threads: 2, draftModel: draft, ...options });
}

test("a model drafting for itself has its drafts kept: the same tokens in far fewer steps", async () => {
  const loop = scriptedModelPath(LOOP);
  await using engine = await open(loop, loop);
  const prompt = promptFor(engine, "go");
  const off = await reply(engine, prompt, { ...greedy, draftMax: 0 });
  const on = await reply(engine, prompt, { ...greedy, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
  expect(off.calls).toBeGreaterThanOrEqual(64);
  expect(on.calls).toBeLessThan(off.calls / 3);
  const { drafted, accepted } = engine.stats().speculation;
  expect(accepted).toBeGreaterThan(50);
  expect(accepted).toBe(drafted);
  expectNoLeakedCells(engine);
});

test("a draft model with other weights: greedy tokens and log-probabilities are unchanged", async () => {
  await using engine = await open(randomModelPath(), randomModelPath(2), { slots: 1 });
  const prompt = promptFor(engine, "one two three four. ".repeat(6));
  await expectSameWithDrafts(engine, prompt, { ...greedy, maxTokens: 120 });
  const { drafted, accepted } = engine.stats().speculation;
  expect(accepted).toBeLessThan(drafted); // other weights guess wrong: rejections were dropped
  expectNoLeakedCells(engine);
});

test("the target drafting for itself keeps most drafts, and seeded sampling is unchanged", async () => {
  const random = randomModelPath();
  await using engine = await open(random, random, { slots: 1 });
  const prompt = promptFor(engine, "alpha beta gamma");
  const off = await reply(engine, prompt, { ...greedy, maxTokens: 96, draftMax: 0 });
  const on = await reply(engine, prompt, { ...greedy, maxTokens: 96, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
  const greedyStats = engine.stats().speculation;
  expect(greedyStats.accepted).toBeGreaterThan(0.8 * greedyStats.drafted);
  for (const seed of [1, 2, 3]) {
    const params = { maxTokens: 64, temperature: 1, topK: 3, seed, ignoreEos: true };
    const sampledOff = await reply(engine, prompt, { ...params, draftMax: 0 });
    const sampledOn = await reply(engine, prompt, { ...params, draftMax: 16 });
    expect(sampledOn.tokens).toEqual(sampledOff.tokens);
  }
  expect(engine.stats().speculation.drafted).toBeGreaterThan(greedyStats.drafted);
  expectNoLeakedCells(engine);
});

test("three streams drafting with the draft model give each the tokens it gets alone", async () => {
  await using engine = await open(randomModelPath(), randomModelPath(), { slots: 3 });
  await expectThreeStreamsAlike(engine, 4, { ...greedy, maxTokens: 80 });
  expect(engine.stats().speculation.accepted).toBeGreaterThan(0);
});

test("drafts from the draft model never pass the slot's context", async () => {
  const loop = scriptedModelPath(LOOP);
  await using engine = await open(loop, loop, { ctxSize: 256 });
  await expectDraftsStopAtContextEdge(engine, promptFor(engine, "go"), greedy);
  expectNoLeakedCells(engine);
});

test("a request cancelled mid-draft leaves no KV cells, and the next one drafts from a clean start", async () => {
  const loop = scriptedModelPath(LOOP);
  await using engine = await open(loop, loop);
  const prompt = promptFor(engine, "go");
  for (const after of [3, 10, 40]) {
    const params = { ...greedy, maxTokens: 100_000, draftMax: 16 };
    expect(await cancelAfter(engine, prompt, params, after)).toHaveLength(after);
    expectNoLeakedCells(engine);
  }
  const off = await reply(engine, promptFor(engine, "again"), { ...greedy, draftMax: 0 });
  const on = await reply(engine, promptFor(engine, "again"), { ...greedy, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
});

test("a draft model with another tokenizer is refused, naming why", async () => {
  const chatglm3 = scriptedModelPath({ ...LOOP, vocabulary: "chatglm3" });
  await expect(open(randomModelPath(), chatglm3)).rejects.toThrow(
    /draft model .* cannot draft: the draft model's tokenizer is of another kind/,
  );
});

test("a draft model whose tokens differ is refused, naming the first that differs", async () => {
  const pings = scriptedModelPath(LOOP);
  const words = scriptedModelPath({ chain: [" alpha", " beta"] });
  await expect(open(pings, words)).rejects.toThrow(/cannot draft: token \d+ is ".*" in the target/);
});
