import { bpeTokenText } from "./bpe-vocab.ts";
import {
  type ChatglmShape,
  chatglmTensors,
  onesChunks,
  type TensorSlot,
  writeChatglmMetadata,
} from "./chatglm-layout.ts";
import { GgufWriter } from "./gguf-writer.ts";
import { GLM4_VOCAB_SIZE } from "./glm-special-tokens.ts";
import { GLM4_CHAT_TEMPLATE } from "./glm-templates.ts";
import { createGlm4Vocab } from "./glm-vocab.ts";
import { randomTensorChunks } from "./random-weights.ts";
import { TensorType } from "./tensor-types.ts";

export interface RandomModelPreset {
  shape: ChatglmShape;
  /** Vocabulary size; the real GLM-4 size puts special tokens at their real ids. */
  vocabSize: number;
  /** Type of the big matrices; norms and biases stay F32. */
  weights: TensorType;
}

/** A tiny model for tests, and one shaped like a ~2B GLM-4 (151552 vocab) for benchmarks. */
export const RANDOM_PRESETS = {
  tiny: {
    shape: {
      embedding: 256,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      feedForward: 512,
      contextLength: 4096,
    },
    vocabSize: 1024,
    weights: TensorType.F16,
  },
  bench: {
    shape: {
      embedding: 2048,
      layers: 24,
      heads: 16,
      kvHeads: 2,
      feedForward: 6848,
      contextLength: 32768,
    },
    vocabSize: GLM4_VOCAB_SIZE,
    weights: TensorType.Q4_0,
  },
} satisfies Record<string, RandomModelPreset>;

/** Writes a GLM-4-shaped model with seeded random weights; its text is noise, its cost is real. */
export function writeRandomModel(path: string, preset: RandomModelPreset, seed = 1): void {
  const realIds = preset.vocabSize >= GLM4_VOCAB_SIZE;
  // Filler tokens decode to distinct visible text, so outputs can be compared and streamed.
  const filler = (id: number) => bpeTokenText(` w${id}`);
  const vocab = createGlm4Vocab(realIds, false, filler);
  vocab.padTo(preset.vocabSize, filler);
  const writer = new GgufWriter();
  writeChatglmMetadata(
    writer,
    `glm-serve random ${preset.shape.layers}x${preset.shape.embedding}`,
    preset.shape,
    vocab,
    {
      model: "gpt2",
      eos: vocab.id("<|endoftext|>") ?? 0,
      eot: vocab.id("<|user|>") ?? 0,
      chatTemplate: GLM4_CHAT_TEMPLATE,
    },
  );
  chatglmTensors(preset.shape, vocab.size).forEach((slot, index) => {
    writer.tensor(randomTensor(slot, preset.weights, seed * 7919 + index));
  });
  writer.write(path);
}

/** Ones for norms; seeded noise otherwise, in `weights` (biases stay F32). */
export function randomTensor(slot: TensorSlot, weights: TensorType, seed: number) {
  const { name, dims } = slot;
  if (slot.role === "norm")
    return { name, dims, type: TensorType.F32, chunks: () => onesChunks(dims) };
  const type = slot.role === "bias" ? TensorType.F32 : weights;
  // Unit-scale embeddings and small projections keep activations in range through the layers.
  const std = slot.role === "embedding" ? 1 : slot.role === "output" ? 0.1 : 0.05;
  return { name, dims, type, chunks: () => randomTensorChunks(type, dims, std, seed) };
}
