import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { scratchPath } from "../support/test-models.ts";
import { openRandom, randomModelPath } from "./fixtures.ts";

const reference =
  process.env.GLM_REFERENCE ??
  join(import.meta.dir, "..", "..", "build", "llama-cpu", "bin", "llama-simple");
const prompt = "[gMASK]<sop><|user|>\nWhat is the capital of France?<|assistant|>";
const newTokens = 32;

/** llama.cpp's own greedy continuation of `prompt`, as text (llama-simple prints pieces). */
async function referenceContinuation(model: string): Promise<string> {
  const proc = Bun.spawn([reference, "-m", model, "-n", String(newTokens), prompt], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  expect(code).toBe(0);
  // llama-simple echoes the prompt's pieces (special tokens as text), then the reply.
  expect(stdout.startsWith(prompt)).toBe(true);
  return stdout.slice(prompt.length).replace(/\n$/, "");
}

test("greedy output matches llama.cpp's own llama-simple token for token", async () => {
  expect(existsSync(reference)).toBe(true);
  await using engine = await openRandom({ slots: 1 });
  const tokens = engine.tokenize(prompt, true);
  const ids: number[] = [];
  for await (const event of engine.generate(tokens, { maxTokens: newTokens })) {
    if (event.kind === "piece") ids.push(event.tokenId);
  }
  expect(ids.length).toBeGreaterThan(4);
  // Rendered with special tokens as text, as llama-simple prints them.
  expect(await referenceContinuation(randomModelPath())).toBe(engine.detokenize(ids));
}, 120_000);

test("a model from `bun run make-model` loads in llama.cpp's own tool and says its reply", async () => {
  const out = scratchPath("cli-scripted.gguf");
  const maker = Bun.spawn(
    [
      process.execPath,
      "run",
      "make-model",
      "scripted",
      "--reply",
      "Bonjour from the script.",
      "--out",
      out,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  expect(await maker.exited).toBe(0);
  expect(await referenceContinuation(out)).toBe("\nBonjour from the script.");
}, 120_000);
