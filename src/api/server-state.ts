import { ApiError } from "./api-error.ts";
import type { CompletionService } from "./completion-service.ts";

/** What the routes need to know about the server: loading, ready, or draining. */
export class ServerState {
  service: CompletionService | undefined;
  loadProgress = 0;
  draining = false;
  /** Why the engine stopped for good (a lost RPC worker), once it has. */
  failure: string | undefined;
  private readonly running = new Set<AbortController>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly modelId: string,
    readonly created = Math.floor(Date.now() / 1000),
  ) {}

  /** The service, or a 503 while the model loads or the server shuts down. */
  ready(): CompletionService {
    if (this.failure !== undefined) throw engineFailed(this.failure, 503);
    if (this.draining) throw shuttingDown();
    if (!this.service) {
      const percent = Math.floor(this.loadProgress * 100);
      throw new ApiError(
        503,
        `the model is loading (${percent}%)`,
        "unavailable_error",
        "model_loading",
        null,
        { "retry-after": "2" },
      );
    }
    return this.service;
  }

  /** Tracks one request's cancellation; call the result when the request is over. */
  track(controller: AbortController): () => void {
    this.running.add(controller);
    return () => {
      if (!this.running.delete(controller) || this.running.size > 0) return;
      for (const wake of this.idleWaiters.splice(0)) wake();
    };
  }

  get inFlight(): number {
    return this.running.size;
  }

  /**
   * The engine can serve nothing more: new requests and /health get 503, and every request
   * running or queued ends with its protocol's 500.
   */
  fail(reason: string): void {
    this.failure = reason;
    for (const controller of this.running) controller.abort(engineFailed(reason, 500));
  }

  /** Waits until no request runs, or `ms` passes; then cancels whatever still runs. */
  async drain(ms: number): Promise<void> {
    this.draining = true;
    if (this.running.size > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => setTimeout(resolve, ms)),
      ]);
    }
    // The reason reaches streams already started, which end with their protocol's 503 event.
    for (const controller of this.running) controller.abort(shuttingDown());
  }
}

function engineFailed(reason: string, status: 500 | 503): ApiError {
  const type = status === 500 ? "server_error" : "unavailable_error";
  return new ApiError(status, `the inference engine failed: ${reason}`, type, "engine_failed");
}

function shuttingDown(): ApiError {
  return new ApiError(503, "the server is shutting down", "unavailable_error", "shutting_down");
}
