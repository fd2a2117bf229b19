import type { Semaphore } from "../queue.ts";
import type { ServerState } from "./server-state.ts";

/**
 * A request that holds a queue slot: abort it to cancel natively. `releaseSlot` when the engine
 * is done with it (the client may still be reading); `finish` once the response is over.
 */
export interface Admission {
  signal: AbortSignal;
  abort(): void;
  releaseSlot(): void;
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
  // A client that left while its body was read never fires the listener.
  if (request.signal.aborted) abort();
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
  return { signal: controller.signal, abort, releaseSlot: () => release?.(), finish };
}
