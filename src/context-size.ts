import { freemem } from "node:os";
import type { ModelInfo } from "./engine/types.ts";

/** Agents (Claude Code, Codex) send 15-20k-token prompts before the user types; leave room. */
const AGENT_SLOT_TOKENS = 32768;
const MIN_SLOT_TOKENS = 4096;
/** The KV cache may take this share of the memory free once the weights are loaded. */
const KV_SHARE_OF_FREE = 0.5;

/**
 * The default --ctx-size: each slot gets the model's training context, up to 32k tokens,
 * halved (not below 4k) while the f16 KV cache would take more than half the free memory.
 */
export function defaultContextSize(
  model: Pick<ModelInfo, "arch" | "nCtxTrain" | "metadata">,
  slots: number,
  free = freemem(),
): number {
  const train = model.nCtxTrain > 0 ? model.nCtxTrain : MIN_SLOT_TOKENS;
  let perSlot = Math.min(train, AGENT_SLOT_TOKENS);
  const bytesPerToken = kvBytesPerToken(model);
  while (perSlot > MIN_SLOT_TOKENS && perSlot * slots * bytesPerToken > free * KV_SHARE_OF_FREE)
    perSlot = Math.max(MIN_SLOT_TOKENS, Math.floor(perSlot / 2));
  return Math.min(perSlot, train) * slots;
}

/** f16 K and V bytes per token, from the GGUF's shape (an over-estimate for MLA models). */
export function kvBytesPerToken(model: Pick<ModelInfo, "arch" | "metadata">): number {
  const read = (key: string) => Number(model.metadata[`${model.arch}.${key}`] ?? Number.NaN);
  const layers = read("block_count");
  const heads = read("attention.head_count");
  const kvHeads = Number.isFinite(read("attention.head_count_kv"))
    ? read("attention.head_count_kv")
    : heads;
  const headDim = read("embedding_length") / heads;
  const keyLength = Number.isFinite(read("attention.key_length"))
    ? read("attention.key_length")
    : headDim;
  const valueLength = Number.isFinite(read("attention.value_length"))
    ? read("attention.value_length")
    : headDim;
  const bytes = layers * kvHeads * (keyLength + valueLength) * 2;
  return Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
}
