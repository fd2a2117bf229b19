/** Options for opening a model; every field has a sensible default. */
export interface EngineOptions {
  /**
   * Total KV context, split evenly across slots; a function picks it once the model's shape is
   * known (its training context, its size). Default 4096.
   */
  ctxSize?: number | ((model: Omit<ModelInfo, "nCtxSlot" | "nSlots">) => number);
  threads?: number;
  gpuLayers?: number;
  /** Concurrent sequences decoded together in one batch. */
  slots?: number;
  /** Max tokens per llama_decode call (prefill chunk size). */
  batchSize?: number;
  /**
   * Round decode batches up to 4-row tiles with filler tokens: "auto" where a startup timing
   * shows 4 rows cost less than 2 or 3 (CPU kernels for repacked weights), "on", or "off".
   */
  padding?: BatchPadding;
  /**
   * When a request reaches an idle engine, wait while more keep arriving within this many ms of
   * each other (4x at most), so clients that start together share one prefill step; 0 admits at
   * once. Default 2, which covered the spread of 4 bench clients' requests (2-5 ms in all).
   */
  gatherMs?: number;
  /**
   * How weights come off disk: "read" into memory, "mmap", or "auto": read when no layer goes to
   * a GPU, since llama.cpp repacks most CPU weights into a copy and the mapping would stay
   * resident beside it; mmap otherwise.
   */
  load?: ModelLoad;
  /** Put weights that are read into memory on transparent huge pages (Linux); default true. */
  hugePages?: boolean;
  /** KV cache types (default f16); a quantized V cache needs flash attention. */
  cacheTypeK?: KvCacheType;
  cacheTypeV?: KvCacheType;
  /** Flash attention: "auto" (llama.cpp decides per device, the default), "on" or "off". */
  flashAttn?: FlashAttention;
  /**
   * Prompt tokens a step may carry while any slot generates, so running streams never stall
   * on a long prompt: "auto" (about five decode steps' time, measured; the default), 0 for no
   * cap (whole n_batch), or a token count.
   */
  prefillBudget?: number | "auto";
  /**
   * MiB of RAM for the host prompt cache, which keeps a slot's history when another prompt
   * takes the slot and restores it when that conversation returns: -1 for no limit, 0 for
   * none (default 8192, as llama-server's --cache-ram).
   */
  cacheRamMib?: number;
  /**
   * Speculation: each step, a generating request may draft up to this many tokens, and the
   * same batch checks them; drafts the model would not have sampled are dropped, so the output
   * is the same. They are copied from where its last few tokens occurred before in its prompt
   * or reply (prompt lookup), unless `draftModel` or `mtp` guesses them. 0 turns it off (the
   * default; requests may set their own).
   */
  draftMax?: number;
  /**
   * A smaller GGUF with the same vocabulary that drafts the `draftMax` tokens, greedily, in
   * place of prompt lookup; the target keeps exactly the drafts it would have sampled.
   */
  draftModel?: string;
  /**
   * Load the model's next-token (MTP) head, as GLM-4.5 and later ship one, and draft the
   * `draftMax` tokens with it in place of prompt lookup. A model without one is refused.
   */
  mtp?: boolean;
  /**
   * llama.cpp RPC workers ("host:port") whose devices take the offloaded layers (`gpuLayers`)
   * before this machine's GPUs; a worker that does not answer fails the open, naming it.
   */
  rpc?: string[];
  /** Each device's share of the offloaded layers, in that order (default: by free memory). */
  tensorSplit?: number[];
  /**
   * Called once if ggml hits an error it cannot return (a lost RPC worker): every running
   * request has then failed, and the engine serves nothing more; the caller should exit.
   */
  onFatal?: (message: string) => void;
  /**
   * Special tokens, by text, that generated text shows even where the GGUF types them CONTROL
   * (the reply markers a chat format parses); picked once the model is known.
   */
  visibleTokens?: (model: Omit<ModelInfo, "nCtxSlot" | "nSlots">) => string[];
}

export type ModelLoad = "auto" | "read" | "mmap";

/** KV cache element types, as llama-server's --cache-type-k/-v name them. */
export type KvCacheType = "f16" | "q8_0" | "q4_0";

export type FlashAttention = "auto" | "on" | "off";

export type BatchPadding = "auto" | "on" | "off";

export type VocabType = "spm" | "bpe" | "wpm" | "ugm" | "rwkv" | "plamo2" | "none";

/** What the engine knows about a loaded model, read from its GGUF metadata. */
export interface ModelInfo {
  /** `general.architecture`, e.g. "chatglm", "glm4", "glm4moe". */
  arch: string;
  /** `general.name`, or "" when absent. */
  name: string;
  /** `tokenizer.ggml.model`, e.g. "gpt2" or "llama". */
  tokenizerModel: string;
  vocabType: VocabType;
  nVocab: number;
  nCtxTrain: number;
  /** Next-token (MTP) prediction layers the GGUF carries; 0 for none. */
  nLayerNextn: number;
  /** Trunk layers. */
  nLayer: number;
  /** The devices the model's layers may go to: RPC workers' and GPUs, not the CPU. */
  devices: Array<{ name: string; description: string }>;
  /** Context available to one request (ctxSize / slots). */
  nCtxSlot: number;
  nSlots: number;
  chatTemplate: string | null;
  bos: number;
  eos: number;
  /** Every end-of-generation token id. */
  eogTokens: number[];
  /** Control and user-defined tokens by text, e.g. {"<|user|>": 151336}. */
  specialTokens: Record<string, number>;
  /** All string-valued GGUF metadata except the tokenizer arrays. */
  metadata: Record<string, string>;
}

export interface GenerationParams {
  /** New tokens to generate at most. */
  maxTokens: number;
  /** 0 means greedy. */
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repeatPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  /** Token ids that end generation (not emitted), in addition to the model's EOG tokens. */
  stopTokens?: number[];
  /** Keep generating through EOG tokens. */
  ignoreEos?: boolean;
  /** GBNF grammar (root rule `root`) every sampled token must follow. */
  grammar?: string;
  /** Record each token's log-probability and this many likeliest alternatives (0–20). */
  logprobs?: number;
  /** Tokens a step may draft (0–64); default the engine's `draftMax`. */
  draftMax?: number;
}

export type FinishReason = "stop" | "length";

/** One generated token; `text` may be "" while a multi-byte character is incomplete. */
export interface GenerationPiece {
  kind: "piece";
  text: string;
  tokenId: number;
  /** Prompt tokens reused from the cache, known from the first piece on (a caller that stops
   * reading early, at a stop string, never sees `done`). */
  cachedTokens: number;
  /** Natural log of the token's probability under the model; only with `logprobs`. */
  logprob?: number;
  /** The likeliest tokens at this step, likeliest first; only with `logprobs`. */
  topLogprobs?: TokenLogprob[];
}

export interface TokenLogprob {
  tokenId: number;
  logprob: number;
}

export interface GenerationDone {
  kind: "done";
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens reused from the slot's KV cache. */
  cachedTokens: number;
}

export type GenerationEvent = GenerationPiece | GenerationDone;

export interface SlotState {
  id: number;
  busy: boolean;
  requestId: number;
  /** Tokens of history this slot keeps for prompt-prefix reuse. */
  cachedTokens: number;
  /** Positions llama.cpp's KV cache holds for the slot; equals cachedTokens unless cells leak. */
  kvTokens: number;
}

export interface EngineStats {
  /** llama_decode calls made. */
  decodeCalls: number;
  /** Tokens those calls carried (prompt chunks and generated tokens). */
  decodedTokens: number;
  /** The most sequences one call carried. */
  peakBatchSequences: number;
  /** Filler tokens added to round batches up to 4-row tiles (not in decodedTokens). */
  fillerTokens: number;
  /** The most prompt tokens one step carried while slots were generating (the budget's cap). */
  peakPrefillWhileDecoding: number;
  /** The r in 1..3 for which a batch of 4k + r rows is rounded up. */
  paddedRemainders: number[];
  /** Startup timings of 1..4-row decodes in ms, when "auto" padding measured them. */
  rowsMs: number[] | null;
  hostCache: HostCacheStats;
  speculation: SpeculationStats;
  /** Where the weights (`model`), the KV cache (`context`) and scratch (`compute`) live. */
  memory: BufferMemory[];
}

/** Bytes one buffer type holds, such as "CPU" or "RPC0[host:port]". */
export interface BufferMemory {
  buffer: string;
  model: number;
  context: number;
  compute: number;
}

/** Speculation since the engine opened. */
export interface SpeculationStats {
  /** Tokens drafted and decoded for checking. */
  drafted: number;
  /** Drafted tokens the model sampled too, each a decode step saved. */
  accepted: number;
}

/** The host-memory prompt cache: saved slot histories in RAM. */
export interface HostCacheStats {
  entries: number;
  bytes: number;
  /** null when the cache has no limit; 0 when it is off. */
  budgetBytes: number | null;
  /** Requests that restored a saved history. */
  hits: number;
  saves: number;
  /** Entries dropped, least recently used first, to stay within the budget. */
  evictions: number;
}
