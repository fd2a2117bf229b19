import { availableParallelism } from "node:os";
import { EngineError, errorFromStatus } from "./errors.ts";
import { loadNativeLibrary } from "./load-library.ts";
import {
  Finish,
  FlashAttn,
  KvType,
  LoadMode,
  type NativeHandle,
  type NativeLibrary,
  Padding,
  PREFILL_BUDGET_AUTO,
  Result,
  Status,
  type WakeCallback,
} from "./native-library.ts";
import { RequestStream } from "./request-stream.ts";
import { submitParamBlock } from "./submit-params.ts";
import type {
  BufferMemory,
  EngineOptions,
  EngineStats,
  FinishReason,
  GenerationEvent,
  GenerationParams,
  ModelInfo,
  SlotState,
  TokenLogprob,
} from "./types.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A safety net in case a native wake is lost; wakes normally arrive at once. */
const FALLBACK_POLL_MS = 50;
/** How often an engine with an onFatal callback looks for a fatal native error while idle. */
const FATAL_POLL_MS = 500;
/** How often to look for the end of a model load (the loader does not wake at the end). */
const LOAD_POLL_MS = 20;
const DEFAULT_SEED = 0xffffffff;
const DEFAULT_GATHER_MS = 2;
/** llama-server's --cache-ram default. */
const DEFAULT_CACHE_RAM_MIB = 8192;
/** GLM_MAX_LOGPROBS in native/glm.h. */
export const MAX_LOGPROBS = 20;

const finishReasons: Record<number, FinishReason> = {
  [Finish.stop]: "stop",
  [Finish.length]: "length",
};

/** A loaded model with its inference thread: the only way the rest of the code reaches native. */
export class Engine {
  private readonly active = new Map<number, RequestStream>();
  private readonly textBuffer = new Uint8Array(1 << 16);
  private readonly pieceBuffer = new Int32Array(2 * 1024);
  private readonly logprobBuffer = new Float32Array(1024 * (1 + 2 * MAX_LOGPROBS));
  /** Alternatives each active request records per token (-1: no log-probabilities). */
  private readonly logprobCounts = new Map<number, number>();
  private readonly resultBuffer = new Int32Array(Result.count);
  private failed = false;
  private fatalTimer: ReturnType<typeof setInterval> | undefined;
  private fallbackTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  private constructor(
    private readonly lib: NativeLibrary,
    private readonly model: NativeHandle,
    private readonly modelWake: WakeCallback,
    private readonly handle: NativeHandle,
    private readonly engineWake: WakeCallback,
    readonly info: ModelInfo,
    private readonly draftMax: number,
    private readonly draftModel: LoadedModel | undefined,
    private readonly onFatal: ((message: string) => void) | undefined,
  ) {}

  /** Loads a GGUF off the JS thread, reporting progress in [0, 1], and starts the engine. */
  static async open(
    path: string,
    options: EngineOptions = {},
    onProgress?: (progress: number) => void,
  ): Promise<Engine> {
    const lib = await loadNativeLibrary();
    const { model, wake } = await loadModel(lib, path, options, onProgress);
    const slots = options.slots ?? 1;
    let ctxSize: number;
    let draftModel: LoadedModel | undefined;
    const freeModels = () => {
      lib.modelFree(model);
      wake.close();
      if (draftModel) freeModel(lib, draftModel);
    };
    try {
      ctxSize = prepareModel(lib, model, options);
      if (options.draftModel !== undefined) {
        // The draft model stays on this machine.
        const local = { ...options, mtp: false, rpc: [], tensorSplit: [] };
        draftModel = await loadModel(lib, options.draftModel, local);
        pairDraftModel(lib, model, draftModel, options.draftModel);
      }
      if (options.mtp) {
        const status = lib.setMtpDrafting(model, true);
        if (status < 0) {
          throw new EngineError("invalid_model", `cannot draft with MTP: ${lib.lastError()}`);
        }
      }
    } catch (error) {
      freeModels();
      throw error;
    }
    let engine: Engine | undefined;
    const engineWake = lib.createWakeCallback(() => engine?.drain());
    const handle = lib.engineOpen(
      model,
      ctxSize,
      options.threads ?? availableParallelism(),
      slots,
      options.batchSize ?? 512,
      Padding[options.padding ?? "auto"],
      options.gatherMs ?? DEFAULT_GATHER_MS,
      {
        typeK: KvType[options.cacheTypeK ?? "f16"],
        typeV: KvType[options.cacheTypeV ?? "f16"],
        flashAttn: FlashAttn[options.flashAttn ?? "auto"],
        prefillBudget:
          options.prefillBudget === undefined || options.prefillBudget === "auto"
            ? PREFILL_BUDGET_AUTO
            : options.prefillBudget,
        cacheRamMib: options.cacheRamMib ?? DEFAULT_CACHE_RAM_MIB,
      },
      engineWake,
    );
    if (!handle) {
      const error = new EngineError("internal", lib.lastError());
      engineWake.close();
      freeModels();
      throw error;
    }
    const info = readInfo(lib, model, lib.engineSlotContext(handle), slots);
    engine = new Engine(
      lib,
      model,
      wake,
      handle,
      engineWake,
      info,
      options.draftMax ?? 0,
      draftModel,
      options.onFatal,
    );
    if (options.onFatal) engine.watchForFatal();
    return engine;
  }

  /** Text to token ids; parseSpecial turns special-token text like `<|user|>` into its id. */
  tokenize(text: string, parseSpecial = false): number[] {
    this.assertOpen();
    if (text.length === 0) return [];
    const bytes = encoder.encode(text);
    let out = new Int32Array(bytes.length + 8);
    let n = this.lib.tokenize(this.model, bytes, parseSpecial, out);
    if (-n > out.length) {
      out = new Int32Array(-n);
      n = this.lib.tokenize(this.model, bytes, parseSpecial, out);
    }
    if (n < 0) throw new EngineError("invalid_request", "cannot tokenize text");
    return Array.from(out.subarray(0, n));
  }

  /** Token ids to text, special tokens included. */
  detokenize(tokens: readonly number[]): string {
    this.assertOpen();
    if (tokens.length === 0) return "";
    const ids = Int32Array.from(tokens);
    let out = new Uint8Array(tokens.length * 8 + 16);
    let n = this.lib.detokenize(this.model, ids, out);
    if (-n > out.length) {
      out = new Uint8Array(-n);
      n = this.lib.detokenize(this.model, ids, out);
    }
    if (n < 0) throw errorFromStatus(Status.invalid, this.lib.lastError());
    return decoder.decode(out.subarray(0, n));
  }

  /**
   * Streams generated pieces, then one `done` event. Aborting the signal, or leaving the
   * loop early, cancels the request natively and frees its slot at the next step.
   */
  async *generate(
    tokens: readonly number[],
    params: GenerationParams,
    signal?: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    yield* this.start(tokens, params, signal);
  }

  /**
   * Like `generate`, but submits at once, so a refused request throws here rather than at the
   * first read. `onEnd` runs once when the request leaves the engine (finished, failed or
   * cancelled), whether or not anyone reads the rest.
   */
  start(
    tokens: readonly number[],
    params: GenerationParams,
    signal?: AbortSignal,
    onEnd?: () => void,
  ): AsyncGenerator<GenerationEvent> {
    this.assertOpen();
    signal?.throwIfAborted();
    const id = this.submit(tokens, params);
    const stream = new RequestStream(onEnd);
    this.active.set(id, stream);
    this.startFallbackPoll();
    const onAbort = () => this.cancel(id, stream, signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    return this.read(id, stream, () => signal?.removeEventListener("abort", onAbort));
  }

  private async *read(
    id: number,
    stream: RequestStream,
    cleanUp: () => void,
  ): AsyncGenerator<GenerationEvent> {
    try {
      yield* stream.read();
    } finally {
      cleanUp();
      if (!stream.finished) this.cancel(id, stream);
    }
  }

  /** Counters since the engine opened; `peakBatchSequences` shows continuous batching at work. */
  stats(): EngineStats {
    this.assertOpen();
    const raw = readJson(this.lib, (buf) => this.lib.engineStatsJson(this.handle, buf)) as {
      decode_calls: number;
      decoded_tokens: number;
      peak_batch_sequences: number;
      filler_tokens: number;
      peak_prefill_while_decoding: number;
      padded_remainders: number[];
      rows_ms: number[] | null;
      host_cache: {
        entries: number;
        bytes: number;
        budget_bytes: number;
        hits: number;
        saves: number;
        evictions: number;
      };
      speculation: { drafted: number; accepted: number };
      memory: BufferMemory[];
    };
    const host = raw.host_cache;
    return {
      decodeCalls: raw.decode_calls,
      decodedTokens: raw.decoded_tokens,
      peakBatchSequences: raw.peak_batch_sequences,
      fillerTokens: raw.filler_tokens,
      peakPrefillWhileDecoding: raw.peak_prefill_while_decoding,
      paddedRemainders: raw.padded_remainders,
      rowsMs: raw.rows_ms,
      hostCache: {
        entries: host.entries,
        bytes: host.bytes,
        budgetBytes: host.budget_bytes < 0 ? null : host.budget_bytes,
        hits: host.hits,
        saves: host.saves,
        evictions: host.evictions,
      },
      speculation: { ...raw.speculation },
      memory: raw.memory.map((entry) => ({ ...entry })),
    };
  }

  /** The engine's slots: which are busy and how many tokens each keeps cached. */
  slots(): SlotState[] {
    this.assertOpen();
    const raw = readJson(this.lib, (buf) => this.lib.engineSlotsJson(this.handle, buf)) as Array<{
      id: number;
      busy: boolean;
      request: number;
      cached_tokens: number;
      kv_tokens: number;
    }>;
    return raw.map((s) => ({
      id: s.id,
      busy: s.busy,
      requestId: s.request,
      cachedTokens: s.cached_tokens,
      kvTokens: s.kv_tokens,
    }));
  }

  /**
   * Stops the inference thread, ends running requests and frees the model. Waits without
   * blocking, since a native thread may be waiting for JS to run its wake callback.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFallbackPoll();
    clearInterval(this.fatalTimer);
    while (this.lib.engineStop(this.handle) !== Status.ok) await sleep(2);
    this.lib.engineFree(this.handle);
    for (const stream of this.active.values()) {
      stream.fail(new EngineError("closed", "engine closed"));
    }
    this.active.clear();
    this.lib.modelFree(this.model);
    if (this.draftModel) freeModel(this.lib, this.draftModel);
    this.engineWake.close();
    this.modelWake.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private submit(tokens: readonly number[], params: GenerationParams): number {
    const id = this.lib.engineSubmit(this.handle, Int32Array.from(tokens), {
      params: submitParamBlock({
        maxTokens: params.maxTokens,
        temperature: params.temperature ?? 0,
        topP: params.topP ?? 1,
        topK: params.topK ?? 0,
        minP: params.minP ?? 0,
        repeatPenalty: params.repeatPenalty ?? 1,
        presencePenalty: params.presencePenalty ?? 0,
        frequencyPenalty: params.frequencyPenalty ?? 0,
        seed: params.seed === undefined ? DEFAULT_SEED : params.seed >>> 0,
        ignoreEos: params.ignoreEos ?? false,
        logprobs: params.logprobs ?? -1,
        draftMax: params.draftMax ?? this.draftMax,
      }),
      stopTokens: Int32Array.from(params.stopTokens ?? []),
      grammar: params.grammar ? encoder.encode(`${params.grammar}\0`) : null,
    });
    if (id < 0) throw errorFromStatus(id, this.lib.lastError());
    this.logprobCounts.set(id, params.logprobs ?? -1);
    return id;
  }

  private cancel(id: number, stream: RequestStream, reason?: unknown): void {
    this.logprobCounts.delete(id);
    if (!this.active.delete(id)) return;
    if (!this.closed) this.lib.engineCancel(this.handle, id);
    stream.fail(reason instanceof Error ? reason : new EngineError("closed", "request cancelled"));
    if (this.active.size === 0) this.stopFallbackPoll();
  }

  /**
   * ggml's error that it could not return (a lost RPC worker), or undefined. Once it is set,
   * the engine serves nothing more: every request in it has failed.
   */
  fatalError(): string | undefined {
    return this.lib.fatalError() || undefined;
  }

  /** Moves every active request's new output into its stream; runs on each native wake. */
  private drain(): void {
    if (this.failIfFatal()) return;
    this.lib.engineWakeAck(this.handle);
    for (const [id, stream] of this.active) this.drainRequest(id, stream);
    if (this.active.size === 0) this.stopFallbackPoll();
  }

  private drainRequest(id: number, stream: RequestStream): void {
    const result = this.resultBuffer;
    for (;;) {
      const n = this.lib.enginePoll(
        this.handle,
        id,
        this.textBuffer,
        this.pieceBuffer,
        this.logprobBuffer,
        result,
      );
      if (n < 0) {
        this.active.delete(id);
        this.logprobCounts.delete(id);
        stream.fail(errorFromStatus(n, this.lib.lastError()));
        return;
      }
      this.pushPieces(stream, n, this.logprobCounts.get(id) ?? -1);
      const finish = result[Result.finish] ?? Finish.none;
      if (finish !== Finish.none) {
        this.finishRequest(id, stream, finish);
        return;
      }
      if (n < this.pieceBuffer.length / 2) return;
    }
  }

  private pushPieces(stream: RequestStream, count: number, alternatives: number): void {
    let offset = 0;
    const stride = 1 + 2 * alternatives;
    const cachedTokens = this.resultBuffer[Result.cachedTokens] ?? 0;
    for (let i = 0; i < count; i++) {
      const tokenId = this.pieceBuffer[2 * i] ?? 0;
      const length = this.pieceBuffer[2 * i + 1] ?? 0;
      const text =
        length > 0 ? decoder.decode(this.textBuffer.subarray(offset, offset + length)) : "";
      offset += length;
      if (alternatives < 0) {
        stream.push({ kind: "piece", text, tokenId, cachedTokens });
        continue;
      }
      const entry = this.logprobBuffer.subarray(i * stride, (i + 1) * stride);
      const top: TokenLogprob[] = [];
      for (let j = 0; j < alternatives; j++) {
        top.push({ tokenId: entry[1 + 2 * j] ?? 0, logprob: entry[2 + 2 * j] ?? 0 });
      }
      stream.push({
        kind: "piece",
        text,
        tokenId,
        cachedTokens,
        logprob: entry[0] ?? 0,
        topLogprobs: top,
      });
    }
  }

  private finishRequest(id: number, stream: RequestStream, finish: number): void {
    this.active.delete(id);
    this.logprobCounts.delete(id);
    const reason = finishReasons[finish];
    if (!reason) {
      stream.fail(new EngineError("internal", "generation failed in the native engine"));
      return;
    }
    const result = this.resultBuffer;
    stream.push({
      kind: "done",
      finishReason: reason,
      promptTokens: result[Result.promptTokens] ?? 0,
      completionTokens: result[Result.completionTokens] ?? 0,
      cachedTokens: result[Result.cachedTokens] ?? 0,
    });
  }

  /**
   * Looks for a fatal native error even while no request runs (the fallback poll covers busy
   * times), so that a thread parked at start or between requests is noticed too.
   */
  private watchForFatal(): void {
    this.fatalTimer = setInterval(() => this.failIfFatal(), FATAL_POLL_MS);
    this.fatalTimer.unref?.();
  }

  /** True when the engine is closed or failed, failing it first if ggml has hit a fatal error. */
  private failIfFatal(): boolean {
    if (this.closed || this.failed) return true;
    const fatal = this.fatalError();
    if (fatal === undefined) return false;
    this.fail(fatal);
    return true;
  }

  /** Fails every active request: the native thread serving them is parked for good. */
  private fail(message: string): void {
    this.failed = true;
    this.stopFallbackPoll();
    for (const stream of this.active.values()) {
      stream.fail(new EngineError("internal", `the inference engine failed: ${message}`));
    }
    this.active.clear();
    this.logprobCounts.clear();
    this.onFatal?.(message);
  }

  private startFallbackPoll(): void {
    this.fallbackTimer ??= setInterval(() => this.drain(), FALLBACK_POLL_MS);
  }

  private stopFallbackPoll(): void {
    clearInterval(this.fallbackTimer);
    this.fallbackTimer = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new EngineError("closed", "engine is closed");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A loaded model and the wake callback its loader reported through. */
interface LoadedModel {
  model: NativeHandle;
  wake: WakeCallback;
}

function freeModel(lib: NativeLibrary, loaded: LoadedModel): void {
  lib.modelFree(loaded.model);
  loaded.wake.close();
}

/** Makes `draft` draft for `target`; a vocabulary that differs is the draft model's fault. */
function pairDraftModel(
  lib: NativeLibrary,
  target: NativeHandle,
  draft: LoadedModel,
  path: string,
): void {
  const status = lib.setDraftModel(target, draft.model);
  if (status < 0) {
    throw new EngineError("invalid_model", `draft model ${path} cannot draft: ${lib.lastError()}`);
  }
}

/** Waits for the native loader thread: its wakes report progress, a timer sees it end. */
function loadModel(
  lib: NativeLibrary,
  path: string,
  options: EngineOptions,
  onProgress?: (progress: number) => void,
): Promise<LoadedModel> {
  return new Promise((resolve, reject) => {
    let model: NativeHandle | null = null;
    let settled = false;
    const check = () => {
      if (!model || settled) return;
      // ggml parks a loader thread that hits an error it cannot return (a worker lost mid-load).
      const fatal = lib.fatalError();
      if (fatal) {
        settled = true;
        clearInterval(timer);
        reject(new EngineError("invalid_model", `loading failed: ${fatal}`));
        return;
      }
      const status = lib.modelStatus(model);
      onProgress?.(lib.modelProgress(model));
      if (status === Status.loading) return;
      settled = true;
      clearInterval(timer);
      if (status === Status.ok) {
        resolve({ model, wake });
        return;
      }
      const error = errorFromStatus(status, lib.lastError());
      lib.modelFree(model);
      setTimeout(() => wake.close(), 0);
      reject(error);
    };
    const wake = lib.createWakeCallback(check);
    const timer = setInterval(check, LOAD_POLL_MS);
    model = lib.modelOpen(
      path,
      options.gpuLayers ?? -1,
      LoadMode[options.load ?? "auto"],
      options.hugePages ?? true,
      options.mtp ?? false,
      {
        rpc: (options.rpc ?? []).join(","),
        tensorSplit: Float32Array.from(options.tensorSplit ?? []),
      },
      wake,
    );
    if (!model) {
      settled = true;
      clearInterval(timer);
      wake.close();
      reject(new EngineError("internal", lib.lastError()));
    }
  });
}

function readJson(lib: NativeLibrary, call: (buf: Uint8Array) => number): unknown {
  let buf = new Uint8Array(1 << 16);
  let n = call(buf);
  if (-n > buf.length) {
    buf = new Uint8Array(-n);
    n = call(buf);
  }
  if (n < 0) throw errorFromStatus(n, lib.lastError());
  return JSON.parse(decoder.decode(buf.subarray(0, n)));
}

/** What the model's shape decides before the engine opens: its context, its visible tokens. */
function prepareModel(lib: NativeLibrary, model: NativeHandle, options: EngineOptions): number {
  const shape = readModelInfo(lib, model);
  const ctxSize =
    typeof options.ctxSize === "function" ? options.ctxSize(shape) : (options.ctxSize ?? 4096);
  if (options.visibleTokens) {
    const ids = options.visibleTokens(shape).flatMap((text) => shape.specialTokens[text] ?? []);
    const status = lib.setVisibleTokens(model, Int32Array.from(ids));
    if (status < 0) throw errorFromStatus(status, lib.lastError());
  }
  return ctxSize;
}

function readModelInfo(lib: NativeLibrary, model: NativeHandle) {
  return readJson(lib, (buf) => lib.modelInfoJson(model, buf)) as Omit<
    ModelInfo,
    "nCtxSlot" | "nSlots"
  >;
}

function readInfo(lib: NativeLibrary, model: NativeHandle, nCtxSlot: number, nSlots: number) {
  return { ...readModelInfo(lib, model), nCtxSlot, nSlots } satisfies ModelInfo;
}
