import { expect, test } from "bun:test";
import { Engine } from "../../src/engine/engine.ts";
import type { EngineOptions, GenerationParams } from "../../src/engine/types.ts";
import { GLM4_CHAT_TEMPLATE } from "../../src/gguf/glm-templates.ts";
import { deepseek2ModelPath } from "../support/test-models.ts";
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
/** GLM-4.7-Flash's layout (arch deepseek2), random weights, with its MTP block. */
const withHead = () => deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true });

function open(path: string, options: EngineOptions = {}): Promise<Engine> {
  return Engine.open(path, { ctxSize: 2048, threads: 2, mtp: true, ...options });
}

test("a GGUF with an MTP block loads it, and drafting with it leaves greedy output unchanged", async () => {
  await using engine = await open(withHead(), { slots: 1 });
  expect(engine.info.nLayerNextn).toBe(1);
  const prompt = promptFor(engine, "one two three four. ".repeat(4));
  await expectSameWithDrafts(engine, prompt, { ...greedy, maxTokens: 80 });
  const { drafted, accepted } = engine.stats().speculation;
  expect(drafted).toBeGreaterThan(0);
  expect(accepted).toBeLessThanOrEqual(drafted);
  expectNoLeakedCells(engine);
});

test("a model without MTP layers is refused for MTP drafting, naming why", async () => {
  await expect(open(randomModelPath())).rejects.toThrow(
    /cannot draft with MTP: the model has no MTP \(nextn\) layers/,
  );
});

test("a head that reads the token guesses what the trunk says next: every draft is kept", async () => {
  const path = deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true, passThrough: true });
  await using engine = await open(path, { slots: 1 });
  const prompt = promptFor(engine, "alpha beta");
  const off = await reply(engine, prompt, { ...greedy, draftMax: 0 });
  const before = engine.stats().decodeCalls;
  const on = await reply(engine, prompt, { ...greedy, draftMax: 16 });
  expect(on.tokens).toEqual(off.tokens);
  expect(new Set(off.tokens).size).toBeGreaterThan(1);
  const { drafted, accepted } = engine.stats().speculation;
  expect(accepted).toBeGreaterThan(40);
  expect(accepted).toBe(drafted);
  expect(engine.stats().decodeCalls - before).toBeLessThan(64 / 3);
  expectNoLeakedCells(engine);
});

test("three streams drafting with the MTP head give each the tokens it gets alone", async () => {
  await using engine = await open(withHead(), { slots: 3 });
  await expectThreeStreamsAlike(engine, 3, { ...greedy, maxTokens: 48 });
  expect(engine.stats().speculation.drafted).toBeGreaterThan(0);
});

test("a second turn that reuses the first's cells, and seeded sampling, read the same with MTP", async () => {
  const path = deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true, passThrough: true });
  await using engine = await open(path, { slots: 1 });
  const first = promptFor(engine, "alpha beta");
  const turn = await reply(engine, first, { ...greedy, maxTokens: 20, draftMax: 16 });
  // The next prompt extends the first turn's cells, which the slot keeps.
  const second = [...first, ...turn.tokens, ...promptFor(engine, "gamma")];
  const on = await reply(engine, second, { ...greedy, draftMax: 16 });
  expect(on.done.cachedTokens).toBeGreaterThan(first.length);
  const off = await reply(engine, second, { ...greedy, draftMax: 0 });
  expect(on.tokens).toEqual(off.tokens);
  for (const seed of [1, 2]) {
    const sampled = { maxTokens: 48, temperature: 1, topK: 3, seed, ignoreEos: true };
    const sampledOff = await reply(engine, second, { ...sampled, draftMax: 0 });
    const sampledOn = await reply(engine, second, { ...sampled, draftMax: 16 });
    expect(sampledOn.tokens).toEqual(sampledOff.tokens);
  }
  expect(engine.stats().speculation.accepted).toBeGreaterThan(40);
  expectNoLeakedCells(engine);
});

test("with the MTP head, drafts stop at the slot's context, and a cancel leaves no cells", async () => {
  const path = deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true, passThrough: true });
  await using engine = await open(path, { slots: 1, ctxSize: 256 });
  const prompt = promptFor(engine, "go");
  await expectDraftsStopAtContextEdge(engine, prompt, greedy);
  const long = { ...greedy, maxTokens: 500, draftMax: 16 };
  expect(await cancelAfter(engine, prompt, long, 10)).toHaveLength(10);
  expectNoLeakedCells(engine);
});

test("a slot given another slot's prefix cells catches the MTP head up, and reads the same", async () => {
  const path = deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true, passThrough: true });
  await using engine = await open(path, { slots: 2 });
  const shared = "one two three four five six seven. ".repeat(30);
  const [a, b] = ["first", "second"].map((word) => promptFor(engine, `${shared}${word}`)) as [
    number[],
    number[],
  ];
  const alone = await reply(engine, b, { ...greedy, draftMax: 0 });
  // Clear slot 0 of b's prefix, then run a there while b starts beside it and shares a's cells.
  await reply(engine, promptFor(engine, "x"), { ...greedy, maxTokens: 1 });
  await reply(engine, promptFor(engine, "y"), { ...greedy, maxTokens: 1 });
  let started = () => {};
  const aStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const first = (async () => {
    for await (const event of engine.generate(a, { ...greedy, maxTokens: 200, draftMax: 16 })) {
      if (event.kind === "piece") started();
    }
  })();
  await aStarted;
  const beside = await reply(engine, b, { ...greedy, draftMax: 16 });
  await first;
  expect(beside.tokens).toEqual(alone.tokens);
  expect(beside.done.cachedTokens).toBeGreaterThan(100);
  expectNoLeakedCells(engine);
});
