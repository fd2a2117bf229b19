import { randomBytes } from "node:crypto";
import { Elysia } from "elysia";
import type { CompletionRecord } from "../request-log.ts";
import { admit } from "./admission.ts";
import { toUsage } from "./completion-response.ts";
import type { CompletionEvent, CompletionUsage, FinishReason } from "./completion-service.ts";
import { TextCompletionRequest } from "./schemas.ts";
import type { ServerState } from "./server-state.ts";
import { sseResponse } from "./sse.ts";

interface Identity {
  id: string;
  created: number;
  model: string;
}

function textChunk(identity: Identity, text: string, finish: FinishReason | null) {
  return {
    id: identity.id,
    object: "text_completion",
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
  };
}

/** POST /v1/completions: OpenAI's legacy prompt-in, text-out endpoint. */
export function textCompletionsRoute(
  state: ServerState,
  onCompletion: (record: CompletionRecord) => void,
) {
  return new Elysia().post(
    "/v1/completions",
    async ({ body, request }) => {
      const service = state.ready();
      const prepared = service.prepareText(body);
      const admission = await admit(state, service.queue, request);
      const identity: Identity = {
        id: `cmpl-${randomBytes(12).toString("base64url")}`,
        created: Math.floor(Date.now() / 1000),
        model: state.modelId,
      };
      const started = performance.now();
      const report = (event: Extract<CompletionEvent, { kind: "finish" }>) =>
        onCompletion({
          id: identity.id,
          status: 200,
          stream: body.stream === true,
          finish: event.finishReason,
          usage: event.usage,
          firstTokenMs: event.firstTokenMs,
          totalMs: performance.now() - started,
          ...(event.transcript ? { transcript: event.transcript } : {}),
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
          let text = "";
          let finish: FinishReason = "stop";
          let usage: CompletionUsage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0 };
          for await (const event of events) {
            if (event.kind === "content") text += event.text;
            if (event.kind !== "finish") continue;
            finish = event.finishReason;
            usage = event.usage;
            report(event);
          }
          return { ...textChunk(identity, text, finish), usage: toUsage(usage) };
        } finally {
          admission.finish();
        }
      }
      const includeUsage = body.stream_options?.include_usage === true;
      async function* chunks() {
        try {
          for await (const event of events) {
            if (event.kind === "content") yield textChunk(identity, event.text, null);
            if (event.kind !== "finish") continue;
            report(event);
            yield textChunk(identity, "", event.finishReason);
            if (includeUsage)
              yield { ...textChunk(identity, "", null), choices: [], usage: toUsage(event.usage) };
          }
        } finally {
          admission.finish();
        }
      }
      return sseResponse(chunks(), admission.abort);
    },
    {
      body: TextCompletionRequest,
      parse: "json",
      detail: { summary: "Create a text completion (OpenAI legacy)", tags: ["completions"] },
    },
  );
}
