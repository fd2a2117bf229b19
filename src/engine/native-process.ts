import { EngineError } from "./errors.ts";
import { loadNativeLibrary } from "./load-library.ts";

/**
 * Ends the process at once. After a fatal native error a thread is parked for good, and the
 * usual exit handlers could wait on it.
 */
export async function exitWithoutCleanup(code: number): Promise<never> {
  const lib = await loadNativeLibrary();
  return lib.exitNow(code);
}

export interface RpcWorkerOptions {
  host: string;
  port: number;
  /** CPU threads; 0 for every core. */
  threads: number;
  /** Folder where the worker caches tensors it was sent, so a restart loads faster; "" for none. */
  cacheDir: string;
}

/**
 * Serves this machine's devices (its GPUs, else its CPU) to llama.cpp RPC clients, one at a
 * time, for good. Throws only if it cannot listen.
 */
export async function serveRpcWorker(options: RpcWorkerOptions): Promise<never> {
  const lib = await loadNativeLibrary();
  const status = lib.rpcServe(options.host, options.port, options.threads, options.cacheDir);
  throw new EngineError("internal", `${lib.lastError()} (status ${status})`);
}
