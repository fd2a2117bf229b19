import type { Semaphore } from "../queue.ts";
import type { ServerState } from "./server-state.ts";

/** A request that holds a slot: abort it to cancel natively; `finish` once when it is over. */
export interface Admission {
  signal: AbortSignal;
  abort(): void;
  finish(): void;
}

/**
 * Waits for a queue slot (429 when the line is full). A client that disconnects, in the queue
 * or later, aborts the request; shutdown can abort it too.
 */
export async function admit(
  state: ServerState,
  queue: Semaphore,
  request: Request,
): Promise<Admission> {
  const controller = new AbortController();
  const abort = () => controller.abort(new Error("client disconnected"));
  request.signal.addEventListener("abort", abort, { once: true });
  const untrack = state.track(controller);
  let release: (() => void) | undefined;
  const finish = () => {
    request.signal.removeEventListener("abort", abort);
    release?.();
    untrack();
  };
  try {
    release = await queue.acquire(controller.signal);
  } catch (error) {
    finish();
    throw error;
  }
  return { signal: controller.signal, abort, finish };
}
