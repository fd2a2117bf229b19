/** An opaque native handle (glm_model* or glm_engine*); only the FFI module looks inside. */
export type NativeHandle = { readonly __native: unique symbol };

/** A thread-safe callback native code may call to wake the JS event loop. */
export interface WakeCallback {
  readonly pointer: unknown;
  close(): void;
}

/** libglm's C ABI (native/glm.h) as a runtime's FFI exposes it; buffers are caller-owned. */
export interface NativeLibrary {
  lastError(): string;
  setVerbose(on: boolean): void;
  createWakeCallback(onWake: () => void): WakeCallback;

  modelOpen(
    path: string,
    gpuLayers: number,
    load: number,
    hugePages: boolean,
    loadMtp: boolean,
    placement: { rpc: string; tensorSplit: Float32Array },
    wake: WakeCallback,
  ): NativeHandle | null;
  modelStatus(model: NativeHandle): number;
  modelProgress(model: NativeHandle): number;
  modelFree(model: NativeHandle): void;
  modelInfoJson(model: NativeHandle, buf: Uint8Array): number;
  setVisibleTokens(model: NativeHandle, tokens: Int32Array): number;
  /** Pairs a target with the model that drafts for it; before engineOpen. */
  setDraftModel(target: NativeHandle, draft: NativeHandle): number;
  /** Makes engines draft with the model's own MTP head; before engineOpen. */
  setMtpDrafting(model: NativeHandle, on: boolean): number;
  /** "" until ggml hits an error it cannot return; then what it said. */
  fatalError(): string;
  /** Ends the process at once, without exit handlers. */
  exitNow(code: number): never;
  /** Serves this machine's devices to RPC clients; blocks for good unless it cannot listen. */
  rpcServe(host: string, port: number, threads: number, cacheDir: string): number;
  tokenize(model: NativeHandle, text: Uint8Array, parseSpecial: boolean, out: Int32Array): number;
  detokenize(model: NativeHandle, tokens: Int32Array, out: Uint8Array): number;

  engineOpen(
    model: NativeHandle,
    nCtx: number,
    nThreads: number,
    nSlots: number,
    nBatch: number,
    padding: number,
    gatherMs: number,
    tuning: {
      typeK: number;
      typeV: number;
      flashAttn: number;
      prefillBudget: number;
      cacheRamMib: number;
    },
    wake: WakeCallback,
  ): NativeHandle | null;
  /** Non-blocking: Status.loading while the engine's threads still run, Status.ok once stopped. */
  engineStop(engine: NativeHandle): number;
  engineFree(engine: NativeHandle): void;
  engineSlotContext(engine: NativeHandle): number;
  engineSubmit(engine: NativeHandle, tokens: Int32Array, s: NativeSubmit): number;
  enginePoll(
    engine: NativeHandle,
    id: number,
    text: Uint8Array,
    pieces: Int32Array,
    logprobs: Float32Array,
    result: Int32Array,
  ): number;
  engineCancel(engine: NativeHandle, id: number): number;
  engineWakeAck(engine: NativeHandle): void;
  engineSlotsJson(engine: NativeHandle, buf: Uint8Array): number;
  engineStatsJson(engine: NativeHandle, buf: Uint8Array): number;
}

/** glm_engine_submit's arguments past the prompt. */
export interface NativeSubmit {
  /** The GLM_PARAM_* block, from submitParamBlock. */
  params: Uint32Array;
  stopTokens: Int32Array;
  /** NUL-terminated GBNF, or null for none. */
  grammar: Uint8Array | null;
}

/** Status codes from native/glm.h. */
export const Status = {
  ok: 0,
  loading: 1,
  invalid: -1,
  notFound: -2,
  badModel: -3,
  context: -4,
  buffer: -5,
  internal: -6,
  closed: -7,
} as const;

/** Finish reasons from native/glm.h. */
/** glm.h's GLM_LOAD_*, by the names EngineOptions.load uses. */
export const LoadMode = { auto: -1, read: 0, mmap: 1 } as const;

/** glm.h's GLM_PADDING_*, by the names EngineOptions.padding uses. */
export const Padding = { auto: -1, off: 0, on: 1 } as const;

/** glm.h's GLM_KV_* (ggml's type numbers) and GLM_FLASH_ATTN_*. */
export const KvType = { f16: 1, q4_0: 2, q8_0: 8 } as const;
export const FlashAttn = { auto: -1, off: 0, on: 1 } as const;
/** glm.h's GLM_PREFILL_BUDGET_AUTO; a token count otherwise (0: no cap). */
export const PREFILL_BUDGET_AUTO = -1;

export const Finish = { none: 0, stop: 1, length: 2, cancelled: 3, error: 4 } as const;

/** Indices into glm_engine_poll's result array. */
export const Result = {
  textBytes: 0,
  finish: 1,
  promptTokens: 2,
  completionTokens: 3,
  cachedTokens: 4,
  count: 5,
} as const;
