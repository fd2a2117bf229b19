import { bpeTokenText } from "./bpe-vocab.ts";
import { chatglmTensors, onesChunks, writeChatglmMetadata, zeroChunks } from "./chatglm-layout.ts";
import { GgufWriter } from "./gguf-writer.ts";
import { GLM4_VOCAB_SIZE } from "./glm-special-tokens.ts";
import { GLM4_CHAT_TEMPLATE } from "./glm-templates.ts";
import { createGlm4Vocab } from "./glm-vocab.ts";
import type { RandomModelPreset } from "./random-model.ts";
import { quantStd, RandomBits } from "./random-weights.ts";
import { encodeTensor, toHalf } from "./tensor-encoding.ts";
import { BLOCK_VALUES, TensorType, tensorByteSize } from "./tensor-types.ts";
import { TokenType } from "./vocab.ts";

export interface ChainModelSpec {
  /** Shape, vocabulary size and weight type, e.g. the random bench model's. */
  preset: RandomModelPreset;
  /** [from, to]: greedy decoding after token `from` picks `to`. Each `from` has one `to`. */
  links: Array<[number, number]>;
  /**
   * Filler ids typed user-defined, so that the text `fillerText(id)` in a prompt tokenizes to
   * exactly that id (other fillers fall apart into bytes, as the random model's do).
   */
  wholeTokens: number[];
  name?: string;
}

/** What filler token `id` prints: " w<id>", as in the random models. */
export function fillerText(id: number): string {
  return ` w${id}`;
}

/**
 * Writes a model shaped and typed like `spec.preset` whose greedy reply follows `spec.links`,
 * to measure speculation at the real model's cost. Attention and MLP weights are zero (zero
 * Q4_0 blocks cost what any Q4_0 blocks cost), so the residual stream is the current token's
 * random embedding; each output row is the sum of its predecessors' embeddings, so after a
 * token the largest logit, by far, is its successor's.
 */
export function writeChainModel(path: string, spec: ChainModelSpec, seed = 1): void {
  const { preset } = spec;
  const whole = new Set(spec.wholeTokens);
  const filler = (id: number) => (whole.has(id) ? fillerText(id) : bpeTokenText(fillerText(id)));
  const vocab = createGlm4Vocab(preset.vocabSize >= GLM4_VOCAB_SIZE, false, filler);
  vocab.padTo(preset.vocabSize, filler);
  for (const id of whole) vocab.setType(id, TokenType.userDefined);
  const predecessors = new Map<number, number[]>();
  for (const [from, to] of spec.links)
    predecessors.set(to, [...(predecessors.get(to) ?? []), from]);
  const sources = new Set(spec.links.map(([from]) => from));
  const width = preset.shape.embedding;
  const embedding = (id: number) => embeddingRow(id, width, seed);
  const writer = new GgufWriter();
  writeChatglmMetadata(writer, spec.name ?? "glm-serve chain model", preset.shape, vocab, {
    model: "gpt2",
    eos: vocab.id("<|endoftext|>") ?? 0,
    eot: vocab.id("<|user|>") ?? 0,
    chatTemplate: GLM4_CHAT_TEMPLATE,
  });
  const type = preset.weights;
  for (const slot of chatglmTensors(preset.shape, vocab.size)) {
    const { name, dims } = slot;
    if (slot.role === "embedding") {
      const rows = (id: number) =>
        sources.has(id) ? encodeTensor(type, embedding(id)) : randomRow(type, width, seed, id);
      writer.tensor({ name, dims, type, chunks: () => rowChunks(vocab.size, rows) });
    } else if (slot.role === "output") {
      const rows = (id: number) => {
        const from = predecessors.get(id);
        if (!from) return new Uint8Array(tensorByteSize(type, [width]));
        const sum = new Float32Array(width);
        for (const source of from) {
          const row = embedding(source);
          for (let i = 0; i < width; i++) sum[i] = (sum[i] ?? 0) + (row[i] ?? 0);
        }
        return encodeTensor(type, sum);
      };
      writer.tensor({ name, dims, type, chunks: () => rowChunks(vocab.size, rows) });
    } else if (slot.role === "norm") {
      writer.tensor({ name, dims, type: TensorType.F32, chunks: () => onesChunks(dims) });
    } else {
      const zeroType = slot.role === "bias" ? TensorType.F32 : type;
      writer.tensor({ name, dims, type: zeroType, chunks: () => zeroChunks(zeroType, dims) });
    }
  }
  writer.write(path);
}

/** A token's embedding, unit-variance noise seeded by its id, so its successor can sum it. */
function embeddingRow(id: number, width: number, seed: number): Float32Array {
  const random = new RandomBits((seed * 7919 + id * 2654435761) >>> 0);
  const row = new Float32Array(width);
  for (let i = 0; i < width; i++) row[i] = random.normal(1);
  return row;
}

/** Unit-scale noise written straight as quant blocks, for rows nothing links from. */
function randomRow(type: TensorType, width: number, seed: number, id: number): Uint8Array {
  if (type !== TensorType.Q4_0) return encodeTensor(type, embeddingRow(id, width, seed));
  const row = new Uint8Array(tensorByteSize(type, [width]));
  new RandomBits((seed * 104729 + id) >>> 0).fill(row);
  const scale = toHalf(1 / quantStd[TensorType.Q4_0]);
  for (let b = 0; b < width / BLOCK_VALUES; b++) {
    row[b * 18] = scale & 0xff;
    row[b * 18 + 1] = scale >>> 8;
  }
  return row;
}

const ROWS_PER_CHUNK = 1024;

function* rowChunks(rows: number, rowOf: (id: number) => Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < rows; start += ROWS_PER_CHUNK) {
    const parts: Uint8Array[] = [];
    for (let id = start; id < Math.min(rows, start + ROWS_PER_CHUNK); id++) parts.push(rowOf(id));
    const chunk = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      chunk.set(part, at);
      at += part.length;
    }
    yield chunk;
  }
}
