import assert from "node:assert/strict";
import type { Engine } from "../../src/engine/engine.ts";
import { EngineError } from "../../src/engine/errors.ts";
import type { GenerationDone, GenerationEvent } from "../../src/engine/types.ts";
import { test } from "../support/runtime-test.ts";
import { collect, openRandom, openScripted, promptFor, waitUntil } from "./fixtures.ts";

const chain = ["\n", "Hello", ",", " world", "!"];

test("a scripted model replies with exactly its chain, greedy", async () => {
  await using engine = await openScripted({ chain });
  const { text, done } = await collect(engine.generate(promptFor(engine, "hi"), { maxTokens: 50 }));
  assert.equal(text, chain.join(""));
  assert.equal(done.finishReason, "stop");
  assert.equal(done.completionTokens, chain.length + 1); // the chain, then <|endoftext|>
});

test("max tokens ends the reply with finish length", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  const { text, done } = await collect(engine.generate(promptFor(engine, "go"), { maxTokens: 5 }));
  assert.equal(text, " ping pong ping pong ping");
  assert.equal(done.finishReason, "length");
  assert.equal(done.completionTokens, 5);
});

test("usage counts the real prompt tokens", async () => {
  await using engine = await openScripted({ chain });
  const prompt = promptFor(engine, "count me");
  const { done } = await collect(engine.generate(prompt, { maxTokens: 3 }));
  assert.equal(done.promptTokens, prompt.length);
});

test("a multi-byte reply split across tokens comes out whole", async () => {
  const wave = new TextEncoder().encode("👋");
  const pieces = ["你", "好", wave.slice(0, 2), wave.slice(2)];
  await using engine = await openScripted({ chain: pieces });
  const seen: string[] = [];
  for await (const event of engine.generate(promptFor(engine, "hi"), { maxTokens: 20 })) {
    if (event.kind === "piece") seen.push(event.text);
  }
  assert.equal(seen.join(""), "你好👋");
  assert.deepEqual(seen, ["你", "好", "", "👋"]);
  assert.ok(seen.every((piece) => !piece.includes("\uFFFD")));
});

test("aborting mid-generation cancels natively and frees the slot", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  const controller = new AbortController();
  let pieces = 0;
  await assert.rejects(async () => {
    for await (const event of engine.generate(
      promptFor(engine, "go"),
      { maxTokens: 100_000 },
      controller.signal,
    )) {
      if (event.kind === "piece" && ++pieces === 3) controller.abort();
    }
  });
  await waitUntil(() => engine.slots().every((slot) => !slot.busy));
  const { text } = await collect(engine.generate(promptFor(engine, "again"), { maxTokens: 2 }));
  assert.equal(text, " ping pong");
});

test("four generations submitted at once all complete correctly", async () => {
  await using engine = await openScripted({ chain, slots: 4 });
  const runs = ["a", "b", "c", "d"].map((user) =>
    collect(engine.generate(promptFor(engine, user), { maxTokens: 50 })),
  );
  for (const { text, done } of await Promise.all(runs)) {
    assert.equal(text, chain.join(""));
    assert.equal(done.finishReason, "stop");
  }
});

test("tokenize parses special tokens only when asked, and detokenize inverts it", async () => {
  await using engine = await openScripted({ chain });
  const user = engine.info.specialTokens["<|user|>"];
  assert.equal(typeof user, "number");
  assert.deepEqual(engine.tokenize("<|user|>", true), [user]);
  assert.ok(engine.tokenize("<|user|>", false).length > 1);
  const text = "plain text, with 中文";
  assert.equal(engine.detokenize(engine.tokenize(text)), text);
});

test("model info reports arch, tokenizer, template and stop tokens", async () => {
  await using engine = await openScripted({ chain });
  assert.equal(engine.info.arch, "chatglm");
  assert.equal(engine.info.tokenizerModel, "gpt2");
  assert.ok(engine.info.eogTokens.includes(engine.info.eos));
  assert.ok(engine.info.nCtxSlot > 0);
});

test("a prompt longer than a slot's context is refused with the numbers", async () => {
  await using engine = await openScripted({ chain, ctxSize: 256 });
  const long = new Array(300).fill(engine.tokenize("a")[0] ?? 0);
  await assert.rejects(
    () => collect(engine.generate(long, { maxTokens: 1 })),
    (error: unknown) =>
      error instanceof EngineError &&
      error.code === "context_length_exceeded" &&
      /300/.test(error.message) &&
      /256/.test(error.message),
  );
});

test("the event loop keeps running while a long generation runs", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  const lateness: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lateness.push(now - last - 50);
    last = now;
  }, 50);
  const started = performance.now();
  // A tiny model fills its context in well under a second, so keep starting new replies.
  while (performance.now() - started < 1500) {
    await collect(engine.generate(promptFor(engine, "go"), { maxTokens: 200, ignoreEos: true }));
  }
  clearInterval(timer);
  assert.ok(lateness.length >= 20, `timer fired ${lateness.length} times in 1.5 s`);
  assert.ok(Math.max(...lateness) < 100, `worst timer delay ${Math.max(...lateness)} ms`);
}, 30_000);

export type { Engine, GenerationDone, GenerationEvent };

test("log-probabilities: greedy picks the likeliest, alternatives come sorted", async () => {
  await using engine = await openRandom({ slots: 1 });
  const pieces: GenerationEvent[] = [];
  for await (const event of engine.generate(promptFor(engine, "numbers"), {
    maxTokens: 12,
    logprobs: 5,
    ignoreEos: true,
  })) {
    pieces.push(event);
  }
  const tokens = pieces.filter((event) => event.kind === "piece");
  assert.equal(tokens.length, 12);
  for (const piece of tokens) {
    const top = piece.topLogprobs ?? [];
    assert.equal(top.length, 5);
    assert.equal(top[0]?.tokenId, piece.tokenId);
    assert.ok(Math.abs((top[0]?.logprob ?? 1) - (piece.logprob ?? 0)) < 1e-6);
    for (let i = 1; i < top.length; i++)
      assert.ok((top[i - 1]?.logprob ?? 0) >= (top[i]?.logprob ?? 0));
    const mass = top.reduce((sum, entry) => sum + Math.exp(entry.logprob), 0);
    assert.ok(mass > 0 && mass <= 1 + 1e-5, `top-5 probability mass ${mass}`);
  }
});

test("a scripted chain is near-certain under its own model", async () => {
  await using engine = await openScripted({ chain });
  for await (const event of engine.generate(promptFor(engine, "hi"), {
    maxTokens: 3,
    logprobs: 0,
  })) {
    if (event.kind !== "piece") continue;
    assert.ok((event.logprob ?? -1) > -1e-3, `logprob ${event.logprob}`);
    assert.deepEqual(event.topLogprobs, []);
  }
});

test("the submit block carries every option: seeds, top-k and min-p reach the sampler", async () => {
  await using engine = await openRandom({ slots: 1 });
  const prompt = promptFor(engine, "sample me");
  const ids = async (params: Omit<Parameters<Engine["generate"]>[1], "maxTokens">) => {
    const out: number[] = [];
    for await (const event of engine.generate(prompt, {
      maxTokens: 16,
      ignoreEos: true,
      ...params,
    }))
      if (event.kind === "piece") out.push(event.tokenId);
    return out;
  };
  const greedy = await ids({ temperature: 0 });
  const hot = { temperature: 1.5, topP: 1, topK: 0 };
  const seeded = await ids({ ...hot, seed: 42 });
  assert.deepEqual(await ids({ ...hot, seed: 42 }), seeded);
  assert.notDeepEqual(await ids({ ...hot, seed: 43 }), seeded);
  assert.notDeepEqual(seeded, greedy);
  // top-k 1 leaves only the likeliest token, however hot.
  assert.deepEqual(await ids({ ...hot, topK: 1, seed: 7 }), greedy);
  // min-p 1 likewise keeps only the likeliest.
  assert.deepEqual(await ids({ ...hot, minP: 1, seed: 7 }), greedy);
});

test("penalties reach the sampler: a looping chain stops repeating itself", async () => {
  await using engine = await openScripted({ chain: [" ping", " pong"], loop: true });
  const text = async (params: { frequencyPenalty?: number; presencePenalty?: number }) =>
    (await collect(engine.generate(promptFor(engine, "go"), { maxTokens: 6, ...params }))).text;
  assert.equal(await text({}), " ping pong ping pong ping pong");
  assert.notEqual(await text({ frequencyPenalty: 100 }), " ping pong ping pong ping pong");
  assert.notEqual(await text({ presencePenalty: 100 }), " ping pong ping pong ping pong");
});
