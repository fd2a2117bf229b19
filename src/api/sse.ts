import { toApiError } from "./error-mapper.ts";

const encoder = new TextEncoder();

/** One Server-Sent Event: a JSON payload, with an `event:` name where the protocol uses them. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

export interface SseOptions {
  /** Send `data: [DONE]` after the last event (Chat Completions); other protocols end bare. */
  doneMarker?: boolean;
  /** Sent whenever no event came for `heartbeatMs` (long prefills), so proxies keep the stream. */
  heartbeat?: SseEvent | "comment";
  heartbeatMs?: number;
  headers?: Record<string, string>;
}

const HEARTBEAT_MS = 5000;

/**
 * A Server-Sent Events response fed by an async generator. A client that goes away cancels the
 * stream, which calls `onCancel`.
 */
export function sseResponse(
  events: AsyncGenerator<SseEvent>,
  onCancel: () => void,
  options: SseOptions = {},
): Response {
  const heartbeat = encoder.encode(
    options.heartbeat === undefined || options.heartbeat === "comment"
      ? ": ping\n\n"
      : encodeEvent(options.heartbeat),
  );
  const quietMs = options.heartbeatMs ?? HEARTBEAT_MS;
  let pending: Promise<IteratorResult<SseEvent>> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        pending ??= events.next();
        const next = await withinMs(pending, quietMs);
        if (next === undefined) {
          controller.enqueue(heartbeat);
          return;
        }
        pending = undefined;
        if (next.done) {
          if (options.doneMarker) controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(encodeEvent(next.value)));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      onCancel();
      await events.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...options.headers,
    },
  });
}

/**
 * Payloads as unnamed events (`data:` lines only), as the OpenAI protocols send them. A failure
 * after the stream started ends it with OpenAI's error body, as llama-server does, which the
 * OpenAI SDKs raise as an APIError; a client that left gets nothing more.
 */
export async function* dataEvents(
  payloads: AsyncIterable<unknown>,
  clientGone: () => boolean,
): AsyncGenerator<SseEvent> {
  try {
    for await (const data of payloads) yield { data };
  } catch (error) {
    if (clientGone()) throw error;
    yield { data: toApiError("UNKNOWN", error).body() };
  }
}

function encodeEvent(event: SseEvent): string {
  const name = event.event === undefined ? "" : `event: ${event.event}\n`;
  return `${name}data: ${JSON.stringify(event.data)}\n\n`;
}

/** The promise's value, or undefined if it takes longer than `ms`. */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
