import { randomBytes } from "node:crypto";
import { Elysia } from "elysia";
import type { CompletionRecord } from "../request-log.ts";
import { admit } from "./admission.ts";
import {
  type CompletionIdentity,
  collectCompletion,
  completionChunks,
} from "./completion-response.ts";
import type { CompletionFinish } from "./completion-service.ts";
import { ChatCompletionRequest } from "./schemas.ts";
import type { ServerState } from "./server-state.ts";
import { sseResponse } from "./sse.ts";

function completionId(): string {
  return `chatcmpl-${randomBytes(12).toString("base64url")}`;
}

/** POST /v1/chat/completions, streamed (SSE) or not. */
export function chatCompletionsRoute(
  state: ServerState,
  onCompletion: (record: CompletionRecord) => void,
) {
  return new Elysia().post(
    "/v1/chat/completions",
    async ({ body, request }) => {
      const service = state.ready();
      const prepared = service.prepare(body);
      const admission = await admit(state, service.queue, request);
      const identity: CompletionIdentity = {
        id: completionId(),
        created: Math.floor(Date.now() / 1000),
        model: state.modelId,
      };
      const started = performance.now();
      const report = (finish: CompletionFinish) =>
        onCompletion({
          id: identity.id,
          status: 200,
          stream: body.stream === true,
          finish: finish.finishReason,
          usage: finish.usage,
          firstTokenMs: finish.firstTokenMs,
          totalMs: performance.now() - started,
          ...(finish.transcript ? { transcript: finish.transcript } : {}),
        });
      let events: ReturnType<typeof service.start>;
      try {
        events = service.start(prepared, admission.signal, admission.releaseSlot);
      } catch (error) {
        admission.finish();
        throw error;
      }
      if (!body.stream) {
        try {
          const result = await collectCompletion(identity, events);
          report(result.finish);
          return result.body;
        } finally {
          admission.finish();
        }
      }
      const includeUsage = body.stream_options?.include_usage === true;
      async function* chunks() {
        try {
          yield* completionChunks(identity, events, includeUsage, report);
        } finally {
          admission.finish();
        }
      }
      return sseResponse(chunks(), admission.abort);
    },
    {
      body: ChatCompletionRequest,
      // JSON whatever the Content-Type says, as llama-server does (curl -d sends form type).
      parse: "json",
      detail: { summary: "Create a chat completion (OpenAI-compatible)", tags: ["chat"] },
    },
  );
}
