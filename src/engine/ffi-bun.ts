import { type CString, dlopen, FFIType, JSCallback, type Pointer } from "bun:ffi";
import type { NativeHandle, NativeLibrary, WakeCallback } from "./native-library.ts";

const { ptr, i32, f32, void: none, cstring } = FFIType;

/** libglm's symbols, mirroring native/glm.h. */
const symbols = {
  glm_last_error: { args: [], returns: cstring },
  glm_set_verbose: { args: [i32], returns: none },
  glm_model_open: { args: [ptr, i32, i32, i32, i32, ptr, ptr, i32, ptr], returns: ptr },
  glm_model_status: { args: [ptr], returns: i32 },
  glm_model_progress: { args: [ptr], returns: f32 },
  glm_model_free: { args: [ptr], returns: none },
  glm_model_info_json: { args: [ptr, ptr, i32], returns: i32 },
  glm_model_set_visible_tokens: { args: [ptr, ptr, i32], returns: i32 },
  glm_model_set_draft: { args: [ptr, ptr], returns: i32 },
  glm_model_set_mtp_drafting: { args: [ptr, i32], returns: i32 },
  glm_fatal_error: { args: [], returns: cstring },
  glm_exit_now: { args: [i32], returns: none },
  glm_rpc_serve: { args: [ptr, i32, i32, ptr], returns: i32 },
  glm_tokenize: { args: [ptr, ptr, i32, i32, ptr, i32], returns: i32 },
  glm_detokenize: { args: [ptr, ptr, i32, ptr, i32], returns: i32 },
  glm_engine_open: {
    args: [ptr, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, ptr],
    returns: ptr,
  },
  glm_engine_stop: { args: [ptr], returns: i32 },
  glm_engine_free: { args: [ptr], returns: none },
  glm_engine_slot_context: { args: [ptr], returns: i32 },
  glm_engine_submit: {
    args: [ptr, ptr, i32, ptr, i32, ptr, i32, ptr],
    returns: i32,
  },
  glm_engine_poll: { args: [ptr, i32, ptr, i32, ptr, i32, ptr, i32, ptr], returns: i32 },
  glm_engine_cancel: { args: [ptr, i32], returns: i32 },
  glm_engine_wake_ack: { args: [ptr], returns: none },
  glm_engine_slots_json: { args: [ptr, ptr, i32], returns: i32 },
  glm_engine_stats_json: { args: [ptr, ptr, i32], returns: i32 },
} as const;

const encoder = new TextEncoder();

function cString(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

function asPointer(handle: NativeHandle): Pointer {
  return handle as unknown as Pointer;
}

function asHandle(pointer: Pointer | bigint | null): NativeHandle | null {
  return pointer === null ? null : (pointer as unknown as NativeHandle);
}

/** Opens libglm with bun:ffi. */
export function openBunLibrary(path: string): NativeLibrary {
  const { symbols: lib } = dlopen(path, symbols);
  return {
    lastError: () => String(lib.glm_last_error() as CString | string),
    setVerbose: (on) => lib.glm_set_verbose(on ? 1 : 0),
    createWakeCallback(onWake): WakeCallback {
      const callback = new JSCallback(onWake, { args: [], returns: "void", threadsafe: true });
      return { pointer: callback.ptr, close: () => callback.close() };
    },
    modelOpen: (path, gpuLayers, load, hugePages, loadMtp, placement, wake) =>
      asHandle(
        lib.glm_model_open(
          cString(path),
          gpuLayers,
          load,
          hugePages ? 1 : 0,
          loadMtp ? 1 : 0,
          cString(placement.rpc),
          placement.tensorSplit.length > 0 ? placement.tensorSplit : null,
          placement.tensorSplit.length,
          wake.pointer as Pointer,
        ),
      ),
    modelStatus: (model) => lib.glm_model_status(asPointer(model)),
    modelProgress: (model) => lib.glm_model_progress(asPointer(model)),
    modelFree: (model) => lib.glm_model_free(asPointer(model)),
    modelInfoJson: (model, buf) => lib.glm_model_info_json(asPointer(model), buf, buf.length),
    setVisibleTokens: (model, tokens) =>
      lib.glm_model_set_visible_tokens(asPointer(model), tokens, tokens.length),
    setDraftModel: (target, draft) => lib.glm_model_set_draft(asPointer(target), asPointer(draft)),
    setMtpDrafting: (model, on) => lib.glm_model_set_mtp_drafting(asPointer(model), on ? 1 : 0),
    fatalError: () => String(lib.glm_fatal_error() as CString | string),
    exitNow: (code) => {
      lib.glm_exit_now(code);
      throw new Error("unreachable: glm_exit_now returned");
    },
    rpcServe: (host, port, threads, cacheDir) =>
      lib.glm_rpc_serve(cString(host), port, threads, cString(cacheDir)),
    tokenize: (model, text, parseSpecial, out) =>
      lib.glm_tokenize(asPointer(model), text, text.length, parseSpecial ? 1 : 0, out, out.length),
    detokenize: (model, tokens, out) =>
      lib.glm_detokenize(asPointer(model), tokens, tokens.length, out, out.length),
    engineOpen: (model, nCtx, nThreads, nSlots, nBatch, padding, gatherMs, tuning, wake) =>
      asHandle(
        lib.glm_engine_open(
          asPointer(model),
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
          wake.pointer as Pointer,
        ),
      ),
    engineStop: (engine) => lib.glm_engine_stop(asPointer(engine)),
    engineFree: (engine) => lib.glm_engine_free(asPointer(engine)),
    engineSlotContext: (engine) => lib.glm_engine_slot_context(asPointer(engine)),
    engineSubmit: (engine, tokens, s) =>
      lib.glm_engine_submit(
        asPointer(engine),
        tokens,
        tokens.length,
        s.params,
        s.params.length,
        s.stopTokens.length > 0 ? s.stopTokens : null,
        s.stopTokens.length,
        s.grammar,
      ),
    enginePoll: (engine, id, text, pieces, logprobs, result) =>
      lib.glm_engine_poll(
        asPointer(engine),
        id,
        text,
        text.length,
        pieces,
        pieces.length / 2,
        logprobs,
        logprobs.length,
        result,
      ),
    engineCancel: (engine, id) => lib.glm_engine_cancel(asPointer(engine), id),
    engineWakeAck: (engine) => lib.glm_engine_wake_ack(asPointer(engine)),
    engineSlotsJson: (engine, buf) => lib.glm_engine_slots_json(asPointer(engine), buf, buf.length),
    engineStatsJson: (engine, buf) => lib.glm_engine_stats_json(asPointer(engine), buf, buf.length),
  };
}
