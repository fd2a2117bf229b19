import assert from "node:assert/strict";
import type { Engine } from "../../src/engine/engine.ts";
import { test } from "../support/runtime-test.ts";
import { collect, openRandom, waitUntil } from "./fixtures.ts";

const greedy = { maxTokens: 24, ignoreEos: true };

function promptOf(engine: Engine, text: string): number[] {
  return engine.tokenize(`[gMASK]<sop><|user|>\n${text}<|assistant|>`, true);
}

async function tokensOf(engine: Engine, prompt: number[], maxTokens = greedy.maxTokens) {
  const ids: number[] = [];
  for await (const event of engine.generate(prompt, { ...greedy, maxTokens })) {
    if (event.kind === "piece") ids.push(event.tokenId);
  }
  return ids;
}

function allFree(engine: Engine): boolean {
  return engine.slots().every((slot) => !slot.busy);
}

test("four concurrent streams produce exactly what each produces alone, interleaved", async () => {
  await using engine = await openRandom({ slots: 4 });
  const prompts = ["one", "two two", "three three three", "four"].map((t) => promptOf(engine, t));
  const alone: number[][] = [];
  const soloStart = performance.now();
  // Long enough that all four overlap even if JS pauses (GC, JIT) between the submits.
  const long = { ...greedy, maxTokens: 200 };
  for (const prompt of prompts) alone.push(await tokensOf(engine, prompt, long.maxTokens));
  const soloMs = performance.now() - soloStart;

  const firstPieceAt: number[] = [];
  const finishedAt: number[] = [];
  const together = await Promise.all(
    prompts.map(async (prompt, i) => {
      const ids: number[] = [];
      for await (const event of engine.generate(prompt, long)) {
        if (event.kind === "piece" && ids.push(event.tokenId) === 1)
          firstPieceAt[i] = performance.now();
      }
      finishedAt[i] = performance.now();
      return ids;
    }),
  );
  const concurrentMs = Math.max(...finishedAt) - Math.min(...firstPieceAt);
  assert.deepEqual(together, alone);
  // Interleaving: the engine carried all four sequences in one llama_decode call.
  assert.equal(engine.stats().peakBatchSequences, 4);
  console.log(
    `4 streams: ${soloMs.toFixed(0)} ms one after another, ${concurrentMs.toFixed(0)} ms together`,
  );
});

test("a request joining mid-stream does not change the running one's tokens", async () => {
  await using engine = await openRandom({ slots: 2 });
  const first = promptOf(engine, "the long running one");
  const alone = await tokensOf(engine, first, 48);
  const ids: number[] = [];
  let joiner: Promise<number[]> | undefined;
  for await (const event of engine.generate(first, { ...greedy, maxTokens: 48 })) {
    if (event.kind !== "piece") continue;
    if (ids.push(event.tokenId) === 10) joiner = tokensOf(engine, promptOf(engine, "late joiner"));
  }
  assert.deepEqual(ids, alone);
  assert.equal((await joiner)?.length, greedy.maxTokens);
});

test("a second request sharing a 1,000-token prefix reuses the cache", async () => {
  await using engine = await openRandom({ slots: 2, ctxSize: 4096 });
  const history = promptOf(engine, "word ".repeat(1200)).slice(0, 1000);
  const ask = (suffix: string) => [...history, ...engine.tokenize(suffix)];
  const timeToFirst = async (prompt: number[]) => {
    const start = performance.now();
    let cached = -1;
    let ttft = 0;
    for await (const event of engine.generate(prompt, { maxTokens: 4, ignoreEos: true })) {
      if (event.kind === "piece" && ttft === 0) ttft = performance.now() - start;
      if (event.kind === "done") cached = event.cachedTokens;
    }
    return { ttft, cached };
  };
  const turn1 = await timeToFirst(ask(" first question"));
  const turn2 = await timeToFirst(ask(" second question"));
  console.log(
    `1,000-token prefix: TTFT ${turn1.ttft.toFixed(1)} ms cold, ${turn2.ttft.toFixed(1)} ms cached`,
  );
  assert.ok(turn2.cached >= 990, `cached ${turn2.cached}`);
});

test("cancel inside prefill and inside decode leaves the slot reusable", async () => {
  await using engine = await openRandom({ slots: 1, batchSize: 16 });
  const long = promptOf(engine, "prefill ".repeat(150));
  const expected = await tokensOf(engine, promptOf(engine, "after"));

  const inPrefill = new AbortController();
  const prefill = collect(engine.generate(long, greedy, inPrefill.signal));
  await waitUntil(() => {
    const slot = engine.slots()[0];
    return slot?.busy === true && slot.cachedTokens > 0 && slot.cachedTokens < long.length;
  });
  inPrefill.abort();
  await assert.rejects(prefill);
  await waitUntil(() => allFree(engine));
  assert.deepEqual(await tokensOf(engine, promptOf(engine, "after")), expected);

  const inDecode = new AbortController();
  let pieces = 0;
  await assert.rejects(async () => {
    // Far more tokens than JS needs to reach the abort, so the reply cannot finish first.
    const endless = { ...greedy, maxTokens: 1500 };
    for await (const event of engine.generate(long, endless, inDecode.signal)) {
      if (event.kind === "piece" && ++pieces === 3) inDecode.abort();
    }
  });
  await waitUntil(() => allFree(engine));
  assert.deepEqual(await tokensOf(engine, promptOf(engine, "after")), expected);
});

test("200 random submits and cancels leave every slot free with no stray KV cells", async () => {
  await using engine = await openRandom({ slots: 4 });
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const runs: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const controller = new AbortController();
    const prompt = promptOf(engine, `request ${i} ${"x ".repeat(Math.floor(random() * 40))}`);
    const run = collect(
      engine.generate(prompt, { maxTokens: 1 + Math.floor(random() * 16) }, controller.signal),
    );
    runs.push(run.catch(() => undefined));
    const delay = random();
    if (delay < 0.5) setTimeout(() => controller.abort(), Math.floor(delay * 20));
    if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(runs);
  await waitUntil(() => allFree(engine));
  for (const slot of engine.slots()) {
    assert.equal(slot.busy, false);
    assert.equal(slot.kvTokens, slot.cachedTokens, `slot ${slot.id} holds stray KV cells`);
  }
});

test("requests reaching an idle engine a moment apart share their prefill step when gathered", async () => {
  // Four 4-token requests 30 ms apart: prefilled together they take 4 decode calls in all.
  const decodeCalls = async (gatherMs: number) => {
    await using engine = await openRandom({ slots: 4, padding: "off", gatherMs });
    const runs: Promise<unknown>[] = [];
    for (const text of ["one", "two", "three", "four"]) {
      runs.push(
        collect(engine.generate(promptOf(engine, text), { maxTokens: 4, ignoreEos: true })),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await Promise.all(runs);
    return engine.stats().decodeCalls;
  };
  assert.equal(await decodeCalls(400), 4);
  assert.ok((await decodeCalls(0)) > 4);
  await assert.rejects(openRandom({ gatherMs: -1 }), /gather_ms must be 0\.\.1000/);
});

test("requests sharing a long prefix prefill it once and produce what each produces alone", async () => {
  const system = "You are a careful assistant. ".repeat(20);
  const questions = ["first question", "second one", "a third", "and a fourth"];
  const replies = async (together: boolean) => {
    await using engine = await openRandom({ slots: 4, padding: "off" });
    const prompts = questions.map((q) => promptOf(engine, `${system}${q}`));
    const run = async (prompt: number[]) => {
      const ids: number[] = [];
      let cached = 0;
      for await (const event of engine.generate(prompt, { maxTokens: 12, ignoreEos: true })) {
        if (event.kind === "piece") ids.push(event.tokenId);
        else cached = event.cachedTokens;
      }
      return { ids, cached };
    };
    const results = together
      ? await Promise.all(prompts.map(run))
      : await prompts.reduce<Promise<Array<{ ids: number[]; cached: number }>>>(
          async (done, prompt) => [...(await done), await run(prompt)],
          Promise.resolve([]),
        );
    await waitUntil(() => allFree(engine));
    for (const slot of engine.slots()) assert.equal(slot.kvTokens, slot.cachedTokens);
    const promptTokens = prompts.reduce((sum, p) => sum + p.length, 0);
    return {
      results,
      prefix: common(prompts),
      promptTokens,
      decoded: engine.stats().decodedTokens,
    };
  };
  const alone = await replies(false);
  const together = await replies(true);
  assert.deepEqual(
    together.results.map((r) => r.ids),
    alone.results.map((r) => r.ids),
  );
  // One request computes the shared prefix; the other three copy it.
  const cached = together.results.map((r) => r.cached).sort((a, b) => a - b);
  assert.equal(cached[0], 0);
  for (const n of cached.slice(1)) assert.ok(n >= together.prefix, `cached ${n}`);
  // Each prompt once, less three copies of the prefix, plus 11 decoded tokens per reply.
  const expected = together.promptTokens - 3 * together.prefix + 4 * 11;
  assert.equal(together.decoded, expected);
});

function common(prompts: number[][]): number {
  const [first = [], ...rest] = prompts;
  let n = 0;
  while (n < first.length && rest.every((p) => p[n] === first[n])) n++;
  return n;
}
