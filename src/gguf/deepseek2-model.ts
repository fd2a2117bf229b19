import { bpeTokenText } from "./bpe-vocab.ts";
import { type TensorSlot, zeroChunks } from "./chatglm-layout.ts";
import { GgufWriter } from "./gguf-writer.ts";
import { createGlm4Vocab } from "./glm-vocab.ts";
import { randomTensor } from "./random-model.ts";
import { TensorType } from "./tensor-types.ts";

/**
 * A tiny random-weight model in arch `deepseek2`, laid out as the pinned converter writes
 * GLM-4.7-Flash (`Glm4MoeLiteForCausalLM`): MLA attention with split `attn_k_b`/`attn_v_b`,
 * one dense lead block, then sigmoid-gated experts with a shared expert. Its text is noise;
 * it proves the engine and the template detection run that arch. With `mtp`, one more block
 * follows the trunk as GLM-4.7-Flash's next-token (MTP) head: a full MoE block plus the
 * `nextn` projections, counted by `nextn_predict_layers`.
 */
const SHAPE = {
  embedding: 256,
  layers: 2,
  denseLead: 1,
  heads: 4,
  qLoraRank: 64,
  kvLoraRank: 64,
  qkNope: 32,
  qkRope: 16,
  vHead: 32,
  feedForward: 512,
  expertFeedForward: 128,
  experts: 4,
  expertsUsed: 2,
  sharedExperts: 1,
  contextLength: 4096,
  vocabSize: 1024,
};

const ARCH = "deepseek2";
/** llama.cpp's LLAMA_EXPERT_GATING_FUNC_TYPE_SIGMOID, which GLM-4.7-Flash uses. */
const SIGMOID_GATING = 2;

export interface Deepseek2Options {
  seed?: number;
  /** Append the next-token prediction block (default false). */
  mtp?: boolean;
  /**
   * Zero every block's attention output and MLP down projections, so each block passes its
   * input on: the trunk's next token then depends on the current token alone, and so does the
   * MTP head's, which this sets to read only its token, so that it guesses exactly what the
   * trunk will say after that token. For testing how the head is fed and chained.
   */
  passThrough?: boolean;
}

/** Tensors that passThrough zeroes: what each block adds to its input. */
const ADDED_TO_INPUT = /(attn_output|ffn_down|ffn_down_exps|ffn_down_shexp)\.weight$/;

export function writeDeepseek2Model(
  path: string,
  chatTemplate: string,
  options: Deepseek2Options = {},
): void {
  const seed = options.seed ?? 1;
  const nextn = options.mtp ? 1 : 0;
  const filler = (id: number) => bpeTokenText(` w${id}`);
  const vocab = createGlm4Vocab(false, false, filler);
  vocab.padTo(SHAPE.vocabSize, filler);
  const s = SHAPE;
  const writer = new GgufWriter()
    .string("general.architecture", ARCH)
    .string("general.name", "glm-serve random deepseek2 (GLM-4.7-Flash layout)")
    .u32("general.alignment", 32)
    .u32(`${ARCH}.context_length`, s.contextLength)
    .u32(`${ARCH}.embedding_length`, s.embedding)
    .u32(`${ARCH}.block_count`, s.layers + nextn)
    .u32(`${ARCH}.feed_forward_length`, s.feedForward)
    .u32(`${ARCH}.attention.head_count`, s.heads)
    .u32(`${ARCH}.attention.head_count_kv`, 1)
    .f32(`${ARCH}.attention.layer_norm_rms_epsilon`, 1e-5)
    .u32(`${ARCH}.leading_dense_block_count`, s.denseLead)
    .u32(`${ARCH}.vocab_size`, SHAPE.vocabSize)
    .u32(`${ARCH}.attention.q_lora_rank`, s.qLoraRank)
    .u32(`${ARCH}.attention.kv_lora_rank`, s.kvLoraRank)
    .u32(`${ARCH}.attention.key_length`, s.kvLoraRank + s.qkRope)
    .u32(`${ARCH}.attention.value_length`, s.kvLoraRank)
    .u32(`${ARCH}.attention.key_length_mla`, s.qkNope + s.qkRope)
    .u32(`${ARCH}.attention.value_length_mla`, s.vHead)
    .u32(`${ARCH}.expert_feed_forward_length`, s.expertFeedForward)
    .u32(`${ARCH}.expert_count`, s.experts)
    .u32(`${ARCH}.expert_used_count`, s.expertsUsed)
    .u32(`${ARCH}.expert_shared_count`, s.sharedExperts)
    .f32(`${ARCH}.expert_weights_scale`, 1.8)
    .bool(`${ARCH}.expert_weights_norm`, true)
    .u32(`${ARCH}.expert_gating_func`, SIGMOID_GATING)
    .u32(`${ARCH}.rope.dimension_count`, s.qkRope)
    .string("tokenizer.ggml.model", "gpt2")
    .string("tokenizer.ggml.pre", "chatglm-bpe")
    .strings("tokenizer.ggml.tokens", vocab.tokens)
    .i32s("tokenizer.ggml.token_type", vocab.types)
    .strings("tokenizer.ggml.merges", vocab.merges)
    .u32("tokenizer.ggml.eos_token_id", vocab.id("<|endoftext|>") ?? 0)
    .u32("tokenizer.ggml.padding_token_id", vocab.id("<|endoftext|>") ?? 0)
    .u32("tokenizer.ggml.eot_token_id", vocab.id("<|user|>") ?? 0)
    .bool("tokenizer.ggml.add_bos_token", false)
    .string("tokenizer.chat_template", chatTemplate);
  if (nextn > 0) writer.u32(`${ARCH}.nextn_predict_layers`, nextn);
  const through = options.passThrough;
  deepseek2Tensors(vocab.size, s.layers + nextn).forEach((slot, index) => {
    const { name, dims } = slot;
    if (through && ADDED_TO_INPUT.test(name)) {
      writer.tensor({
        name,
        dims,
        type: TensorType.F32,
        chunks: () => zeroChunks(TensorType.F32, dims),
      });
      return;
    }
    if (through && name.endsWith("nextn.eh_proj.weight")) {
      writer.tensor({
        name,
        dims,
        type: TensorType.F32,
        chunks: () => [tokenHalfIdentity(s.embedding)],
      });
      return;
    }
    // The router stays F32, as the converter keeps it.
    const router = name.endsWith("ffn_gate_inp.weight");
    writer.tensor(
      randomTensor(slot, router ? TensorType.F32 : TensorType.F16, seed * 7919 + index),
    );
  });
  writer.write(path);
}

/** eh_proj ([2n, n]) that keeps the token half of its [token | hidden] input as it is. */
function tokenHalfIdentity(n: number): Uint8Array {
  const values = new Float32Array(2 * n * n);
  for (let j = 0; j < n; j++) values[j * 2 * n + j] = 1;
  return new Uint8Array(values.buffer);
}

function deepseek2Tensors(nVocab: number, blocks: number): TensorSlot[] {
  const s = SHAPE;
  const n = s.embedding;
  const slots: TensorSlot[] = [
    { name: "token_embd.weight", dims: [n, nVocab], role: "embedding" },
    { name: "output_norm.weight", dims: [n], role: "norm" },
    { name: "output.weight", dims: [n, nVocab], role: "output" },
  ];
  for (let layer = 0; layer < blocks; layer++) {
    const block = `blk.${layer}`;
    const weight = (name: string, dims: number[]): TensorSlot => ({
      name: `${block}.${name}.weight`,
      dims,
      role: "weight",
    });
    const norm = (name: string, size: number): TensorSlot => ({
      name: `${block}.${name}.weight`,
      dims: [size],
      role: "norm",
    });
    slots.push(
      norm("attn_norm", n),
      norm("attn_q_a_norm", s.qLoraRank),
      norm("attn_kv_a_norm", s.kvLoraRank),
      weight("attn_q_a", [n, s.qLoraRank]),
      weight("attn_q_b", [s.qLoraRank, s.heads * (s.qkNope + s.qkRope)]),
      weight("attn_kv_a_mqa", [n, s.kvLoraRank + s.qkRope]),
      weight("attn_k_b", [s.qkNope, s.kvLoraRank, s.heads]),
      weight("attn_v_b", [s.kvLoraRank, s.vHead, s.heads]),
      weight("attn_output", [s.heads * s.vHead, n]),
      norm("ffn_norm", n),
    );
    if (layer < s.denseLead) {
      slots.push(
        weight("ffn_gate", [n, s.feedForward]),
        weight("ffn_up", [n, s.feedForward]),
        weight("ffn_down", [s.feedForward, n]),
      );
      continue;
    }
    if (layer >= s.layers) {
      // The MTP head: it mixes the token's embedding with the trunk's last hidden state.
      slots.push(
        weight("nextn.eh_proj", [2 * n, n]),
        norm("nextn.enorm", n),
        norm("nextn.hnorm", n),
        norm("nextn.shared_head_norm", n),
      );
    }
    const shared = s.expertFeedForward * s.sharedExperts;
    slots.push(
      weight("ffn_gate_inp", [n, s.experts]),
      { name: `${block}.exp_probs_b.bias`, dims: [s.experts], role: "bias" },
      weight("ffn_gate_exps", [n, s.expertFeedForward, s.experts]),
      weight("ffn_up_exps", [n, s.expertFeedForward, s.experts]),
      weight("ffn_down_exps", [s.expertFeedForward, n, s.experts]),
      weight("ffn_gate_shexp", [n, shared]),
      weight("ffn_up_shexp", [n, shared]),
      weight("ffn_down_shexp", [shared, n]),
    );
  }
  return slots;
}
