import { Engine } from "../../src/engine/engine.ts";
import type { EngineOptions, GenerationDone, GenerationEvent } from "../../src/engine/types.ts";

export function randomModelPath(): string {
  return process.env.GLM_TEST_RANDOM_MODEL ?? "/tmp/mk/rand.gguf";
}

export function openRandom(options: EngineOptions = {}): Promise<Engine> {
  return Engine.open(randomModelPath(), { ctxSize: 4096, threads: 2, ...options });
}

export async function collect(events: AsyncIterable<GenerationEvent>) {
  let text = "";
  let done: GenerationDone | undefined;
  for await (const event of events) {
    if (event.kind === "piece") text += event.text;
    else done = event;
  }
  if (!done) throw new Error("generation ended without a done event");
  return { text, done };
}

export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
