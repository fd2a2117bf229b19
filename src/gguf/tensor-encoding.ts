import { BLOCK_VALUES, TensorType } from "./tensor-types.ts";

/** float32 → IEEE half bits, rounding to nearest even; enough for weights and block scales. */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const shifted = (mantissa | 0x800000) >>> (1 - exponent);
    return sign | ((shifted + 0x1000) >>> 13);
  }
  const half = sign | (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half;
}

/** Encodes a row-major float array as one tensor of the given type. */
export function encodeTensor(type: TensorType, values: Float32Array): Uint8Array {
  switch (type) {
    case TensorType.F32:
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    case TensorType.F16:
      return encodeF16(values);
    case TensorType.Q8_0:
      return quantizeQ8_0(values);
    case TensorType.Q4_0:
      return quantizeQ4_0(values);
  }
}

function encodeF16(values: Float32Array): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i] ?? 0);
  return new Uint8Array(out.buffer);
}

/** Q8_0 block: f16 scale d, then 32 int8 with value = d * q. */
function quantizeQ8_0(values: Float32Array): Uint8Array {
  const blocks = values.length / BLOCK_VALUES;
  const out = new Uint8Array(blocks * 34);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const start = b * BLOCK_VALUES;
    const absMax = maxAbs(values, start);
    const scale = absMax / 127;
    const inverse = scale === 0 ? 0 : 1 / scale;
    view.setUint16(b * 34, toHalf(scale), true);
    for (let i = 0; i < BLOCK_VALUES; i++) {
      view.setInt8(b * 34 + 2 + i, Math.round((values[start + i] ?? 0) * inverse));
    }
  }
  return out;
}

/** Q4_0 block: f16 scale d, then 16 bytes; value j is the low nibble of byte j, j+16 the high. */
function quantizeQ4_0(values: Float32Array): Uint8Array {
  const blocks = values.length / BLOCK_VALUES;
  const out = new Uint8Array(blocks * 18);
  const view = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const start = b * BLOCK_VALUES;
    const extreme = signedMaxAbs(values, start);
    const scale = extreme / -8;
    const inverse = scale === 0 ? 0 : 1 / scale;
    view.setUint16(b * 18, toHalf(scale), true);
    for (let j = 0; j < 16; j++) {
      const low = nibble((values[start + j] ?? 0) * inverse);
      const high = nibble((values[start + j + 16] ?? 0) * inverse);
      out[b * 18 + 2 + j] = low | (high << 4);
    }
  }
  return out;
}

function nibble(scaled: number): number {
  return Math.min(15, Math.max(0, Math.round(scaled + 8)));
}

function maxAbs(values: Float32Array, start: number): number {
  let max = 0;
  for (let i = start; i < start + BLOCK_VALUES; i++) max = Math.max(max, Math.abs(values[i] ?? 0));
  return max;
}

function signedMaxAbs(values: Float32Array, start: number): number {
  let extreme = 0;
  for (let i = start; i < start + BLOCK_VALUES; i++) {
    const value = values[i] ?? 0;
    if (Math.abs(value) > Math.abs(extreme)) extreme = value;
  }
  return extreme;
}
