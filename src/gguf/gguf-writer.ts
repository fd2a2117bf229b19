import { closeSync, openSync, writeSync } from "node:fs";
import { type TensorType, tensorByteSize } from "./tensor-types.ts";

/** GGUF metadata value types, as numbered by the format. */
const ValueType = {
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
} as const;

const ALIGNMENT = 32;
const encoder = new TextEncoder();

/** A tensor to write: its bytes come from `chunks`, called once while writing. */
export interface TensorSpec {
  name: string;
  /** ggml order: the row length first, e.g. [n_embd, n_vocab] for token_embd. */
  dims: number[];
  type: TensorType;
  chunks: () => Iterable<Uint8Array>;
}

/** Builds a GGUF v3 file: metadata first, then tensors streamed to disk so big models fit. */
export class GgufWriter {
  private readonly metadata: Uint8Array[] = [];
  private metadataCount = 0;
  private readonly tensors: TensorSpec[] = [];

  string(key: string, value: string): this {
    return this.entry(key, ValueType.string, encodeString(value));
  }

  u32(key: string, value: number): this {
    return this.entry(
      key,
      ValueType.u32,
      scalar(4, (view) => view.setUint32(0, value, true)),
    );
  }

  i32(key: string, value: number): this {
    return this.entry(
      key,
      ValueType.i32,
      scalar(4, (view) => view.setInt32(0, value, true)),
    );
  }

  f32(key: string, value: number): this {
    return this.entry(
      key,
      ValueType.f32,
      scalar(4, (view) => view.setFloat32(0, value, true)),
    );
  }

  bool(key: string, value: boolean): this {
    return this.entry(key, ValueType.bool, Uint8Array.of(value ? 1 : 0));
  }

  strings(key: string, values: string[]): this {
    return this.entry(key, ValueType.array, arrayOf(ValueType.string, values.map(encodeString)));
  }

  i32s(key: string, values: ArrayLike<number>): this {
    const body = new Uint8Array(values.length * 4);
    const view = new DataView(body.buffer);
    for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i] ?? 0, true);
    return this.entry(key, ValueType.array, arrayOf(ValueType.i32, [body], values.length));
  }

  f32s(key: string, values: ArrayLike<number>): this {
    const body = new Uint8Array(values.length * 4);
    const view = new DataView(body.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
    return this.entry(key, ValueType.array, arrayOf(ValueType.f32, [body], values.length));
  }

  tensor(spec: TensorSpec): this {
    this.tensors.push(spec);
    return this;
  }

  /** Writes the whole file; a tensor whose chunks do not add up to its size is an error. */
  write(path: string): void {
    const fd = openSync(path, "w");
    try {
      this.writeTo(fd);
    } finally {
      closeSync(fd);
    }
  }

  private writeTo(fd: number): void {
    const header = new Uint8Array(24);
    const view = new DataView(header.buffer);
    header.set(encoder.encode("GGUF"), 0);
    view.setUint32(4, 3, true);
    view.setBigUint64(8, BigInt(this.tensors.length), true);
    view.setBigUint64(16, BigInt(this.metadataCount), true);
    let written = writeAll(fd, [header, ...this.metadata, ...this.tensorInfos()]);
    written += writePadding(fd, written);
    for (const tensor of this.tensors) {
      const expected = tensorByteSize(tensor.type, tensor.dims);
      let size = 0;
      for (const chunk of tensor.chunks()) size += writeAll(fd, [chunk]);
      if (size !== expected) {
        throw new Error(`tensor ${tensor.name}: wrote ${size} bytes, expected ${expected}`);
      }
      written += size + writePadding(fd, written + size);
    }
  }

  private tensorInfos(): Uint8Array[] {
    let offset = 0;
    return this.tensors.map((tensor) => {
      const name = encodeString(tensor.name);
      const info = new Uint8Array(name.length + 4 + tensor.dims.length * 8 + 4 + 8);
      const view = new DataView(info.buffer);
      info.set(name, 0);
      let at = name.length;
      view.setUint32(at, tensor.dims.length, true);
      at += 4;
      for (const dim of tensor.dims) {
        view.setBigUint64(at, BigInt(dim), true);
        at += 8;
      }
      view.setUint32(at, tensor.type, true);
      view.setBigUint64(at + 4, BigInt(offset), true);
      offset = alignUp(offset + tensorByteSize(tensor.type, tensor.dims));
      return info;
    });
  }

  private entry(key: string, type: number, value: Uint8Array): this {
    const typeBytes = scalar(4, (view) => view.setUint32(0, type, true));
    this.metadata.push(encodeString(key), typeBytes, value);
    this.metadataCount++;
    return this;
  }
}

function encodeString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(8 + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
  out.set(bytes, 8);
  return out;
}

function scalar(size: number, set: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(size);
  set(new DataView(out.buffer));
  return out;
}

function arrayOf(elementType: number, parts: Uint8Array[], count = parts.length): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 12);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, elementType, true);
  view.setBigUint64(4, BigInt(count), true);
  let at = 12;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function alignUp(offset: number): number {
  return Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
}

function writeAll(fd: number, parts: Uint8Array[]): number {
  let total = 0;
  for (const part of parts) {
    let done = 0;
    while (done < part.length) done += writeSync(fd, part, done, part.length - done);
    total += part.length;
  }
  return total;
}

function writePadding(fd: number, position: number): number {
  const padding = alignUp(position) - position;
  if (padding > 0) writeAll(fd, [new Uint8Array(padding)]);
  return padding;
}
