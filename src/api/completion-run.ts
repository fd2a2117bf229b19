import { randomBytes } from "node:crypto";
import type { CompletionRecord } from "../request-log.ts";
import { admit } from "./admission.ts";
import type {
  CompletionEvent,
  CompletionFinish,
  CompletionService,
  PreparedCompletion,
} from "./completion-service.ts";
import type { ServerState } from "./server-state.ts";
import { type SseEvent, type SseOptions, sseResponse } from "./sse.ts";

/** Identity shared by every chunk of one completion. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

/** One admitted completion, whichever route: its identity, its events, and how it ends. */
export interface CompletionRun {
  identity: CompletionIdentity;
  events: AsyncGenerator<CompletionEvent>;
  /** Logs and counts the finished completion. */
  report(finish: CompletionFinish): void;
  /** A non-streamed answer built by `build`; the request is over when it returns. */
  answer<T>(build: () => Promise<T>): Promise<T>;
  /** An SSE response of `events`; the request is over when the stream ends. */
  stream(events: AsyncGenerator<SseEvent>, options?: SseOptions): Response;
}

/**
 * Waits for a queue slot and submits `prepared` (a refusal throws before any response starts).
 * The slot frees when the engine is done; the request is tracked until its response ends.
 */
export async function startCompletionRun(
  state: ServerState,
  service: CompletionService,
  prepared: PreparedCompletion,
  request: Request,
  options: { idPrefix: string; stream: boolean; onCompletion: (record: CompletionRecord) => void },
): Promise<CompletionRun> {
  const admission = await admit(state, service.queue, request);
  let events: AsyncGenerator<CompletionEvent>;
  try {
    events = service.start(prepared, admission.signal, admission.releaseSlot);
  } catch (error) {
    admission.finish();
    throw error;
  }
  const identity: CompletionIdentity = {
    id: `${options.idPrefix}${randomBytes(12).toString("base64url")}`,
    created: Math.floor(Date.now() / 1000),
    model: state.modelId,
  };
  const started = performance.now();
  return {
    identity,
    events,
    report: (finish) =>
      options.onCompletion({
        id: identity.id,
        status: 200,
        stream: options.stream,
        finish: finish.finishReason,
        usage: finish.usage,
        firstTokenMs: finish.firstTokenMs,
        totalMs: performance.now() - started,
        ...(finish.transcript ? { transcript: finish.transcript } : {}),
      }),
    async answer(build) {
      try {
        return await build();
      } finally {
        admission.finish();
      }
    },
    stream(sseEvents, sseOptions) {
      async function* untilEnd() {
        try {
          yield* sseEvents;
        } finally {
          admission.finish();
        }
      }
      return sseResponse(untilEnd(), admission.abort, sseOptions);
    },
  };
}
