import { expect, test } from "bun:test";
import { Engine } from "../../src/engine/engine.ts";
import { scriptedModelPath } from "../support/test-models.ts";
import { collect, promptFor } from "./fixtures.ts";

/** A reply whose markup tokens the GGUF types CONTROL, as some conversions do. */
const model = scriptedModelPath({
  vocabulary: "glm45",
  markupAsControl: true,
  chain: ["<think>", "hm", "</think>", "ok"],
});

test("CONTROL markup prints as nothing, unless it is made visible", async () => {
  {
    await using engine = await Engine.open(model, { threads: 2, ctxSize: 512 });
    const { text } = await collect(engine.generate(promptFor(engine, "hi"), { maxTokens: 10 }));
    expect(text).toBe("hmok");
  }
  await using engine = await Engine.open(model, {
    threads: 2,
    ctxSize: 512,
    visibleTokens: () => ["<think>", "</think>", "<not-in-this-vocabulary>"],
  });
  const { text } = await collect(engine.generate(promptFor(engine, "hi"), { maxTokens: 10 }));
  expect(text).toBe("<think>hm</think>ok");
});

test("a visibleTokens callback that throws frees the model and reports the error", async () => {
  const attempt = Engine.open(model, {
    threads: 2,
    ctxSize: 512,
    visibleTokens: () => {
      throw new Error("no markers today");
    },
  });
  await expect(attempt).rejects.toThrow("no markers today");
});
