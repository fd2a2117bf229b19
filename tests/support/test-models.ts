import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Deepseek2Options, writeDeepseek2Model } from "../../src/gguf/deepseek2-model.ts";
import { RANDOM_PRESETS, writeRandomModel } from "../../src/gguf/random-model.ts";
import { type ScriptedModelSpec, writeScriptedModel } from "../../src/gguf/scripted-model.ts";
import { TensorType } from "../../src/gguf/tensor-types.ts";

/** Test models are written once per test process, into a temporary folder removed at exit. */
const folder = mkdtempSync(join(tmpdir(), "glm-serve-test-"));
process.on("exit", () => rmSync(folder, { recursive: true, force: true }));
const written = new Map<string, string>();

function cached(key: string, write: (path: string) => void): string {
  const existing = written.get(key);
  if (existing) return existing;
  const path = join(folder, `model-${written.size}.gguf`);
  write(path);
  written.set(key, path);
  return path;
}

export function scriptedModelPath(spec: ScriptedModelSpec): string {
  const key = JSON.stringify(spec, (_, value) =>
    value instanceof Uint8Array ? [...value] : value,
  );
  return cached(`scripted:${key}`, (path) => writeScriptedModel(path, spec));
}

/** The tiny random-weight GLM-4 model; another seed gives other weights on the same vocabulary. */
export function randomModelPath(seed = 1): string {
  return cached(`random:tiny:${seed}`, (path) => writeRandomModel(path, RANDOM_PRESETS.tiny, seed));
}

/** A tiny random-weight arch-`deepseek2` model (GLM-4.7-Flash's layout) with the given template. */
export function deepseek2ModelPath(chatTemplate: string, options: Deepseek2Options = {}): string {
  return cached(`deepseek2:${JSON.stringify(options)}:${chatTemplate}`, (path) =>
    writeDeepseek2Model(path, chatTemplate, options),
  );
}

/** About 40 MB of Q4_0 weights, which llama.cpp's CPU backend repacks when it loads them. */
export function randomQ4ModelPath(): string {
  const preset = {
    shape: {
      embedding: 1024,
      layers: 6,
      heads: 8,
      kvHeads: 2,
      feedForward: 3072,
      contextLength: 4096,
    },
    vocabSize: 8192,
    weights: TensorType.Q4_0,
  };
  return cached("random:q4", (path) => writeRandomModel(path, preset));
}

/** A path in the test folder for files a test writes itself. */
export function scratchPath(name: string): string {
  return join(folder, name);
}
