import { expect, test } from "bun:test";
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { Engine } from "../../src/engine/engine.ts";
import { EngineError } from "../../src/engine/errors.ts";
import { GgufWriter } from "../../src/gguf/gguf-writer.ts";
import { TensorType } from "../../src/gguf/tensor-types.ts";
import { scratchPath, scriptedModelPath } from "../support/test-models.ts";

async function openError(path: string): Promise<EngineError> {
  try {
    const engine = await Engine.open(path, { threads: 2 });
    await engine.close();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error(`${path} opened, but should not have`);
}

test("a missing file is model_not_found, naming the path", async () => {
  const error = await openError("/nonexistent/model.gguf");
  expect(error.code).toBe("model_not_found");
  expect(error.message).toContain("/nonexistent/model.gguf");
});

test("a file that is not GGUF is invalid_model", async () => {
  const path = scratchPath("not-a-model.gguf");
  writeFileSync(path, "this is plain text, not a GGUF file\n".repeat(10));
  const error = await openError(path);
  expect(error.code).toBe("invalid_model");
  expect(error.message).toMatch(/GGUF/i);
});

test("a truncated GGUF is invalid_model, not a crash", async () => {
  const path = scratchPath("truncated.gguf");
  const whole = scriptedModelPath({ chain: ["\n", "Hi"] });
  copyFileSync(whole, path);
  truncateSync(path, Math.floor(readFileSync(whole).length / 2));
  const error = await openError(path);
  expect(error.code).toBe("invalid_model");
  expect(error.message.length).toBeGreaterThan(10);
});

test("a GGUF of an unknown architecture is invalid_model, naming the arch", async () => {
  const path = scratchPath("wrong-arch.gguf");
  new GgufWriter()
    .string("general.architecture", "not-a-real-arch")
    .tensor({
      name: "token_embd.weight",
      dims: [32, 4],
      type: TensorType.F32,
      chunks: () => [new Uint8Array(32 * 4 * 4)],
    })
    .write(path);
  const error = await openError(path);
  expect(error.code).toBe("invalid_model");
  expect(error.message).toContain("not-a-real-arch");
});

test("a chatglm GGUF without its tensors is invalid_model", async () => {
  const path = scratchPath("no-tensors.gguf");
  new GgufWriter()
    .string("general.architecture", "chatglm")
    .u32("chatglm.block_count", 1)
    .write(path);
  const error = await openError(path);
  expect(error.code).toBe("invalid_model");
});
