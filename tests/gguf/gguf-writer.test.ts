import { expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { GgufWriter } from "../../src/gguf/gguf-writer.ts";
import { TensorType } from "../../src/gguf/tensor-types.ts";
import { scratchPath } from "../support/test-models.ts";

test("header, metadata and aligned tensor data follow GGUF v3", () => {
  const path = scratchPath("layout.gguf");
  const data = Uint8Array.from({ length: 32 * 4 }, (_, i) => i & 0xff);
  new GgufWriter()
    .string("general.architecture", "chatglm")
    .u32("answer", 42)
    .tensor({ name: "a", dims: [32], type: TensorType.F32, chunks: () => [data] })
    .tensor({
      name: "b",
      dims: [32],
      type: TensorType.F32,
      chunks: () => [data.subarray(0, 64), data.subarray(64)],
    })
    .write(path);
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("GGUF");
  expect(view.getUint32(4, true)).toBe(3);
  expect(view.getBigUint64(8, true)).toBe(2n);
  expect(view.getBigUint64(16, true)).toBe(2n);
  // Two 128-byte tensors, each starting on a 32-byte boundary, end the file.
  const size = statSync(path).size;
  expect((size - 256) % 32).toBe(0);
  expect([...bytes.subarray(size - 128)]).toEqual([...data]);
  expect([...bytes.subarray(size - 256, size - 128)]).toEqual([...data]);
});

test("a tensor whose chunks do not add up to its size is an error", () => {
  const writer = new GgufWriter().tensor({
    name: "short",
    dims: [32],
    type: TensorType.F32,
    chunks: () => [new Uint8Array(100)],
  });
  expect(() => writer.write(scratchPath("short.gguf"))).toThrow(/wrote 100 bytes, expected 128/);
});
