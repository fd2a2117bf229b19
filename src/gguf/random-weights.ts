import { encodeTensor, toHalf } from "./tensor-encoding.ts";
import { BLOCK_VALUES, TensorType, tensorByteSize } from "./tensor-types.ts";

/** Small, fast, seedable generator (xorshift32); weights need speed, not quality. */
export class RandomBits {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  fill(bytes: Uint8Array): void {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    for (let i = 0; i < words.length; i++) words[i] = this.next();
    for (let i = words.length * 4; i < bytes.length; i++) bytes[i] = this.next() & 0xff;
  }

  /** Roughly normal with the given standard deviation (sum of four uniforms). */
  normal(std: number): number {
    const sum = (this.next() + this.next() + this.next() + this.next()) / 0x100000000;
    return (sum - 2) * std * Math.sqrt(3);
  }
}

const CHUNK_BLOCKS = 1 << 16;
/** Standard deviation of a uniform random quant: int8 over [-128,127], nibble over [-8,7]. */
export const quantStd = { [TensorType.Q8_0]: 73.9, [TensorType.Q4_0]: 4.61 } as const;

/** Streams random weights of roughly the given standard deviation, written straight as blocks. */
export function* randomTensorChunks(
  type: TensorType,
  dims: number[],
  std: number,
  seed: number,
): Generator<Uint8Array> {
  const random = new RandomBits(seed);
  if (type === TensorType.F32 || type === TensorType.F16) {
    const count = dims.reduce((product, dim) => product * dim, 1);
    for (let start = 0; start < count; start += CHUNK_BLOCKS * BLOCK_VALUES) {
      const values = new Float32Array(Math.min(CHUNK_BLOCKS * BLOCK_VALUES, count - start));
      for (let i = 0; i < values.length; i++) values[i] = random.normal(std);
      yield encodeTensor(type, values);
    }
    return;
  }
  const blockBytes = type === TensorType.Q8_0 ? 34 : 18;
  const scale = toHalf(std / quantStd[type]);
  let remaining = tensorByteSize(type, dims) / blockBytes;
  while (remaining > 0) {
    const blocks = Math.min(CHUNK_BLOCKS, remaining);
    const chunk = new Uint8Array(blocks * blockBytes);
    random.fill(chunk);
    for (let b = 0; b < blocks; b++) {
      chunk[b * blockBytes] = scale & 0xff;
      chunk[b * blockBytes + 1] = scale >>> 8;
    }
    remaining -= blocks;
    yield chunk;
  }
}
