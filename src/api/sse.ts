const encoder = new TextEncoder();

/**
 * A Server-Sent Events response fed by an async generator of JSON payloads, ending with
 * `data: [DONE]`. A client that goes away cancels the stream, which aborts `onCancel`.
 */
export function sseResponse(
  events: AsyncGenerator<unknown>,
  onCancel: () => void,
  headers: Record<string, string> = {},
): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) {
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
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
      ...headers,
    },
  });
}
