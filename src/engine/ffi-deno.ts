import type { NativeHandle, NativeLibrary, WakeCallback } from "./native-library.ts";

/** The slice of Deno's FFI API used here, so the file type-checks without Deno's types. */
interface DenoFfi {
  dlopen(path: string, symbols: object): { symbols: Record<SymbolName, DenoFn> };
  UnsafeCallback: {
    threadSafe(
      definition: { parameters: []; result: "void" },
      callback: () => void,
    ): { pointer: unknown; close(): void };
  };
  UnsafePointerView: { getCString(pointer: unknown): string };
}
type DenoFn = (...args: unknown[]) => unknown;
type SymbolName = keyof typeof symbols;
declare const Deno: DenoFfi;

/** libglm's symbols, mirroring native/glm.h. */
const symbols = {
  glm_last_error: { parameters: [], result: "pointer" },
  glm_set_verbose: { parameters: ["i32"], result: "void" },
  glm_model_open: {
    parameters: ["buffer", "i32", "i32", "i32", "i32", "buffer", "buffer", "i32", "function"],
    result: "pointer",
  },
  glm_model_status: { parameters: ["pointer"], result: "i32" },
  glm_model_progress: { parameters: ["pointer"], result: "f32" },
  glm_model_free: { parameters: ["pointer"], result: "void" },
  glm_model_info_json: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  glm_tokenize: {
    parameters: ["pointer", "buffer", "i32", "i32", "buffer", "i32"],
    result: "i32",
  },
  glm_detokenize: { parameters: ["pointer", "buffer", "i32", "buffer", "i32"], result: "i32" },
  glm_model_set_visible_tokens: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  glm_model_set_draft: { parameters: ["pointer", "pointer"], result: "i32" },
  glm_model_set_mtp_drafting: { parameters: ["pointer", "i32"], result: "i32" },
  glm_fatal_error: { parameters: [], result: "pointer" },
  glm_exit_now: { parameters: ["i32"], result: "void" },
  glm_rpc_serve: { parameters: ["buffer", "i32", "i32", "buffer"], result: "i32" },
  glm_engine_open: {
    // model, then n_ctx, n_threads, n_slots, n_batch, padding, gather_ms, type_k, type_v,
    // flash_attn, prefill_budget, cache_ram_mib, then wake.
    parameters: [
      "pointer",
      ...(["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const),
      "function",
    ],
    result: "pointer",
  },
  glm_engine_stop: { parameters: ["pointer"], result: "i32" },
  glm_engine_free: { parameters: ["pointer"], result: "void" },
  glm_engine_slot_context: { parameters: ["pointer"], result: "i32" },
  glm_engine_submit: {
    // engine, prompt and its length, GLM_PARAM_* block and its count, stop tokens, grammar.
    parameters: ["pointer", "buffer", "i32", "buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  glm_engine_poll: {
    parameters: ["pointer", "i32", "buffer", "i32", "buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  glm_engine_cancel: { parameters: ["pointer", "i32"], result: "i32" },
  glm_engine_wake_ack: { parameters: ["pointer"], result: "void" },
  glm_engine_slots_json: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
  glm_engine_stats_json: { parameters: ["pointer", "buffer", "i32"], result: "i32" },
} as const;

const encoder = new TextEncoder();

function cString(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

/** Opens libglm with Deno.dlopen. */
export function openDenoLibrary(path: string): NativeLibrary {
  const lib = Deno.dlopen(path, symbols).symbols;
  const call = <T>(name: SymbolName, ...args: unknown[]) => (lib[name] as DenoFn)(...args) as T;
  const handle = (pointer: unknown) => (pointer === null ? null : (pointer as NativeHandle));
  return {
    lastError: () => Deno.UnsafePointerView.getCString(call("glm_last_error")),
    setVerbose: (on) => call("glm_set_verbose", on ? 1 : 0),
    createWakeCallback(onWake): WakeCallback {
      const callback = Deno.UnsafeCallback.threadSafe({ parameters: [], result: "void" }, onWake);
      return { pointer: callback.pointer, close: () => callback.close() };
    },
    modelOpen: (path, gpuLayers, load, hugePages, loadMtp, placement, wake) =>
      handle(
        call(
          "glm_model_open",
          cString(path),
          gpuLayers,
          load,
          hugePages ? 1 : 0,
          loadMtp ? 1 : 0,
          cString(placement.rpc),
          placement.tensorSplit.length > 0 ? placement.tensorSplit : null,
          placement.tensorSplit.length,
          wake.pointer,
        ),
      ),
    modelStatus: (model) => call("glm_model_status", model),
    modelProgress: (model) => call("glm_model_progress", model),
    modelFree: (model) => call("glm_model_free", model),
    modelInfoJson: (model, buf) => call("glm_model_info_json", model, buf, buf.length),
    setVisibleTokens: (model, tokens) =>
      call("glm_model_set_visible_tokens", model, tokens, tokens.length),
    setDraftModel: (target, draft) => call("glm_model_set_draft", target, draft),
    setMtpDrafting: (model, on) => call("glm_model_set_mtp_drafting", model, on ? 1 : 0),
    fatalError: () => Deno.UnsafePointerView.getCString(call("glm_fatal_error")),
    exitNow: (code) => {
      call("glm_exit_now", code);
      throw new Error("unreachable: glm_exit_now returned");
    },
    rpcServe: (host, port, threads, cacheDir) =>
      call("glm_rpc_serve", cString(host), port, threads, cString(cacheDir)),
    tokenize: (model, text, parseSpecial, out) =>
      call("glm_tokenize", model, text, text.length, parseSpecial ? 1 : 0, out, out.length),
    detokenize: (model, tokens, out) =>
      call("glm_detokenize", model, tokens, tokens.length, out, out.length),
    engineOpen: (model, nCtx, nThreads, nSlots, nBatch, padding, gatherMs, tuning, wake) =>
      handle(
        call(
          "glm_engine_open",
          model,
          nCtx,
          nThreads,
          nSlots,
          nBatch,
          padding,
          gatherMs,
          tuning.typeK,
          tuning.typeV,
          tuning.flashAttn,
          tuning.prefillBudget,
          tuning.cacheRamMib,
          wake.pointer,
        ),
      ),
    engineStop: (engine) => call("glm_engine_stop", engine),
    engineFree: (engine) => call("glm_engine_free", engine),
    engineSlotContext: (engine) => call("glm_engine_slot_context", engine),
    engineSubmit: (engine, tokens, s) =>
      call(
        "glm_engine_submit",
        engine,
        tokens,
        tokens.length,
        s.params,
        s.params.length,
        s.stopTokens.length > 0 ? s.stopTokens : null,
        s.stopTokens.length,
        s.grammar,
      ),
    enginePoll: (engine, id, text, pieces, logprobs, result) =>
      call(
        "glm_engine_poll",
        engine,
        id,
        text,
        text.length,
        pieces,
        pieces.length / 2,
        logprobs,
        logprobs.length,
        result,
      ),
    engineCancel: (engine, id) => call("glm_engine_cancel", engine, id),
    engineWakeAck: (engine) => call("glm_engine_wake_ack", engine),
    engineSlotsJson: (engine, buf) => call("glm_engine_slots_json", engine, buf, buf.length),
    engineStatsJson: (engine, buf) => call("glm_engine_stats_json", engine, buf, buf.length),
  };
}
