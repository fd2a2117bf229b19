/** ggml tensor types this writer produces, numbered as in ggml.h. */
export const TensorType = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 } as const;
export type TensorType = (typeof TensorType)[keyof typeof TensorType];

/** Quantized types pack 32 values per block: an f16 scale, then the quants. */
export const BLOCK_VALUES = 32;
const bytesPerBlock = { 2: 18, 8: 34 } as const;

export function tensorByteSize(type: TensorType, dims: number[]): number {
  const count = dims.reduce((product, dim) => product * dim, 1);
  if (type === TensorType.F32) return count * 4;
  if (type === TensorType.F16) return count * 2;
  const rowLength = dims[0] ?? 1;
  if (rowLength % BLOCK_VALUES !== 0) {
    throw new Error(`row length ${rowLength} is not a multiple of ${BLOCK_VALUES}`);
  }
  return (count / BLOCK_VALUES) * bytesPerBlock[type];
}
