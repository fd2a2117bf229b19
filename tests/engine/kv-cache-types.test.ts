import { expect, test } from "bun:test";
import type { Engine } from "../../src/engine/engine.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { collect, openRandom, promptFor } from "./fixtures.ts";

test("a q8_0 KV cache with flash attention generates deterministically", async () => {
  await using engine = await openRandom({
    slots: 1,
    ctxSize: 1024,
    cacheTypeK: "q8_0",
    cacheTypeV: "q8_0",
    flashAttn: "on",
  });
  const prompt = promptFor(engine, "hello there");
  const first = await collect(
    engine.generate(prompt, { maxTokens: 16, temperature: 0, ignoreEos: true }),
  );
  const again = await collect(
    engine.generate(prompt, { maxTokens: 16, temperature: 0, ignoreEos: true }),
  );
  expect(first.done.completionTokens).toBe(16);
  expect(again.text).toBe(first.text);
});

test("q4_0 K with f16 V, and flash attention off, also opens", async () => {
  await using engine = await openRandom({
    slots: 1,
    ctxSize: 512,
    cacheTypeK: "q4_0",
    flashAttn: "off",
  });
  const { done } = await collect(
    engine.generate(promptFor(engine, "hi"), { maxTokens: 4, ignoreEos: true }),
  );
  expect(done.completionTokens).toBe(4);
});

test("a quantized V cache without flash attention is refused with llama.cpp's reason", async () => {
  const attempt = openRandom({ slots: 1, ctxSize: 512, cacheTypeV: "q8_0", flashAttn: "off" });
  const error = await attempt.then(
    async (engine: Engine) => {
      await engine.close();
      return undefined;
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect((error as EngineError).message).toMatch(/flash/i);
});
