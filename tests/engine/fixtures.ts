import { Engine } from "../../src/engine/engine.ts";
import type { EngineOptions, GenerationDone, GenerationEvent } from "../../src/engine/types.ts";
import type { ScriptedModelSpec } from "../../src/gguf/scripted-model.ts";
import { randomModelPath, scriptedModelPath } from "../support/test-models.ts";

export { randomModelPath };

export function openRandom(options: EngineOptions = {}): Promise<Engine> {
  return Engine.open(randomModelPath(), { ctxSize: 4096, threads: 2, ...options });
}

export function openScripted(spec: ScriptedModelSpec & EngineOptions): Promise<Engine> {
  const { ctxSize, threads, gpuLayers, slots, batchSize, ...model } = spec;
  const options = { ctxSize: ctxSize ?? 2048, threads: threads ?? 2, slots, batchSize, gpuLayers };
  return Engine.open(scriptedModelPath(model), withoutUndefined(options));
}

/** Tokens of a one-turn GLM-4 prompt ending in <|assistant|>, where every scripted reply starts. */
export function promptFor(engine: Engine, user: string): number[] {
  return [
    ...engine.tokenize("[gMASK]<sop><|user|>", true),
    ...engine.tokenize(`\n${user}`, false),
    ...engine.tokenize("<|assistant|>", true),
  ];
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

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
