import { describe, expect, test } from "bun:test";
import { encodeTensor, toHalf } from "../../src/gguf/tensor-encoding.ts";
import { TensorType, tensorByteSize } from "../../src/gguf/tensor-types.ts";

function fromHalf(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

describe("toHalf", () => {
  test.each([
    [0, 0x0000, "zero"],
    [1, 0x3c00, "one"],
    [-2, 0xc000, "negative two"],
    [10, 0x4900, "ten, the scripted logit"],
    [65504, 0x7bff, "largest half"],
    [1e6, 0x7c00, "overflow becomes infinity"],
    [2 ** -24, 0x0001, "smallest subnormal"],
    [1 + 2 ** -11, 0x3c00, "a tie rounds to even"],
  ])("%p → %p (%s)", (value, bits) => {
    expect(toHalf(value)).toBe(bits);
  });
});

function decodeBlocks(type: TensorType, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const blockBytes = type === TensorType.Q8_0 ? 34 : 18;
  for (let b = 0; b < count / 32; b++) {
    const scale = fromHalf(view.getUint16(b * blockBytes, true));
    for (let i = 0; i < 32; i++) {
      const q =
        type === TensorType.Q8_0
          ? view.getInt8(b * blockBytes + 2 + i)
          : ((view.getUint8(b * blockBytes + 2 + (i % 16)) >> (i < 16 ? 0 : 4)) & 0xf) - 8;
      out[b * 32 + i] = scale * q;
    }
  }
  return out;
}

describe("quantized blocks decode back within their step", () => {
  const values = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7)));
  test.each([
    // Q4_0 has 8 steps below zero and 7 above, so the far end can be off by a whole step.
    [TensorType.Q8_0, 0.51 / 127],
    [TensorType.Q4_0, 1.01 / 8],
  ])("type %p", (type, tolerance) => {
    const bytes = encodeTensor(type, values);
    expect(bytes.length).toBe(tensorByteSize(type, [256]));
    const decoded = decodeBlocks(type, bytes, values.length);
    for (let b = 0; b < 8; b++) {
      const block = values.subarray(b * 32, b * 32 + 32);
      const max = Math.max(...Array.from(block, Math.abs));
      for (let i = 0; i < 32; i++) {
        const error = Math.abs((decoded[b * 32 + i] ?? 0) - (block[i] ?? 0));
        expect(error).toBeLessThanOrEqual(max * tolerance + 1e-3);
      }
    }
  });

  test("F16 and F32 sizes", () => {
    expect(encodeTensor(TensorType.F16, values).length).toBe(512);
    expect(encodeTensor(TensorType.F32, values).length).toBe(1024);
  });

  test("a quantized row that is not a whole number of blocks is refused", () => {
    expect(() => tensorByteSize(TensorType.Q4_0, [48, 2])).toThrow(/multiple of 32/);
  });
});
