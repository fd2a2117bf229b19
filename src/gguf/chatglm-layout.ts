import type { GgufWriter } from "./gguf-writer.ts";
import { TensorType, tensorByteSize } from "./tensor-types.ts";
import type { Vocab } from "./vocab.ts";

/** Hyperparameters of an arch-`chatglm` model (ChatGLM3, GLM-4-9B). */
export interface ChatglmShape {
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  contextLength: number;
}

/** What a tensor is for, so a model maker can choose its values. */
export type TensorRole = "embedding" | "output" | "norm" | "bias" | "weight";

export interface TensorSlot {
  name: string;
  dims: number[];
  role: TensorRole;
}

/** The tensors llama.cpp's chatglm graph loads, in ggml dim order (row length first). */
export function chatglmTensors(shape: ChatglmShape, nVocab: number): TensorSlot[] {
  const headSize = shape.embedding / shape.heads;
  const qkv = shape.embedding + 2 * shape.kvHeads * headSize;
  const slots: TensorSlot[] = [
    { name: "token_embd.weight", dims: [shape.embedding, nVocab], role: "embedding" },
    { name: "output_norm.weight", dims: [shape.embedding], role: "norm" },
    { name: "output.weight", dims: [shape.embedding, nVocab], role: "output" },
  ];
  for (let layer = 0; layer < shape.layers; layer++) {
    const block = `blk.${layer}`;
    slots.push(
      { name: `${block}.attn_norm.weight`, dims: [shape.embedding], role: "norm" },
      { name: `${block}.attn_qkv.weight`, dims: [shape.embedding, qkv], role: "weight" },
      { name: `${block}.attn_qkv.bias`, dims: [qkv], role: "bias" },
      {
        name: `${block}.attn_output.weight`,
        dims: [shape.embedding, shape.embedding],
        role: "weight",
      },
      { name: `${block}.ffn_norm.weight`, dims: [shape.embedding], role: "norm" },
      // Gate and up projections are fused, hence twice the width.
      {
        name: `${block}.ffn_up.weight`,
        dims: [shape.embedding, shape.feedForward * 2],
        role: "weight",
      },
      {
        name: `${block}.ffn_down.weight`,
        dims: [shape.feedForward, shape.embedding],
        role: "weight",
      },
    );
  }
  return slots;
}

export interface TokenizerSettings {
  /** "gpt2" for GLM-4's BPE, "llama" for ChatGLM3's SentencePiece. */
  model: "gpt2" | "llama";
  eos: number;
  eot?: number;
  chatTemplate?: string;
}

/** Writes the metadata a converted GLM GGUF carries, so detection sees a real-looking model. */
export function writeChatglmMetadata(
  writer: GgufWriter,
  name: string,
  shape: ChatglmShape,
  vocab: Vocab,
  tokenizer: TokenizerSettings,
): void {
  writer
    .string("general.architecture", "chatglm")
    .string("general.name", name)
    .u32("general.alignment", 32)
    .u32("chatglm.context_length", shape.contextLength)
    .u32("chatglm.embedding_length", shape.embedding)
    .u32("chatglm.block_count", shape.layers)
    .u32("chatglm.feed_forward_length", shape.feedForward)
    .u32("chatglm.attention.head_count", shape.heads)
    .u32("chatglm.attention.head_count_kv", shape.kvHeads)
    .f32("chatglm.attention.layer_norm_rms_epsilon", 1e-5)
    // GLM applies rotary embeddings to half of each head.
    .u32("chatglm.rope.dimension_count", shape.embedding / shape.heads / 2)
    .string("tokenizer.ggml.model", tokenizer.model)
    .strings("tokenizer.ggml.tokens", vocab.tokens)
    .i32s("tokenizer.ggml.token_type", vocab.types)
    .u32("tokenizer.ggml.eos_token_id", tokenizer.eos)
    .u32("tokenizer.ggml.padding_token_id", tokenizer.eos)
    .bool("tokenizer.ggml.add_bos_token", false);
  if (tokenizer.model === "gpt2") {
    writer
      .string("tokenizer.ggml.pre", "chatglm-bpe")
      .strings("tokenizer.ggml.merges", vocab.merges);
  } else {
    writer
      .f32s("tokenizer.ggml.scores", vocab.scores)
      .bool("tokenizer.ggml.add_space_prefix", false);
  }
  if (tokenizer.eot !== undefined) writer.u32("tokenizer.ggml.eot_token_id", tokenizer.eot);
  if (tokenizer.chatTemplate) writer.string("tokenizer.chat_template", tokenizer.chatTemplate);
}

const ZERO_CHUNK = new Uint8Array(1 << 20);

/** Zero bytes for a whole tensor, streamed without allocating it. */
export function* zeroChunks(type: TensorType, dims: number[]): Generator<Uint8Array> {
  let remaining = tensorByteSize(type, dims);
  while (remaining > 0) {
    const size = Math.min(remaining, ZERO_CHUNK.length);
    yield ZERO_CHUNK.subarray(0, size);
    remaining -= size;
  }
}

export function* onesChunks(dims: number[]): Generator<Uint8Array> {
  const values = new Float32Array(dims.reduce((product, dim) => product * dim, 1)).fill(1);
  yield new Uint8Array(values.buffer);
}

export { TensorType };
