import { Elysia } from "elysia";
import type { CompletionRecord } from "../request-log.ts";
import { toUsage } from "./chat-completions/encode.ts";
import { type CompletionIdentity, startCompletionRun } from "./completion-run.ts";
import type { CompletionUsage, FinishReason } from "./completion-service.ts";
import { TextCompletionRequest } from "./schemas.ts";
import type { ServerState } from "./server-state.ts";
import { dataEvents } from "./sse.ts";

function textChunk(identity: CompletionIdentity, text: string, finish: FinishReason | null) {
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
      const run = await startCompletionRun(state, service, prepared, request, {
        idPrefix: "cmpl-",
        stream: body.stream === true,
        onCompletion,
      });
      const { identity, events } = run;
      if (!body.stream) {
        return run.answer(async () => {
          let text = "";
          let finish: FinishReason = "stop";
          let usage: CompletionUsage = {
            promptTokens: 0,
            completionTokens: 0,
            cachedTokens: 0,
            reasoningTokens: 0,
          };
          for await (const event of events) {
            if (event.kind === "content") text += event.text;
            if (event.kind !== "finish") continue;
            finish = event.finishReason;
            usage = event.usage;
            run.report(event);
          }
          return { ...textChunk(identity, text, finish), usage: toUsage(usage) };
        });
      }
      const includeUsage = body.stream_options?.include_usage === true;
      async function* chunks() {
        for await (const event of events) {
          if (event.kind === "content") yield textChunk(identity, event.text, null);
          if (event.kind !== "finish") continue;
          run.report(event);
          yield textChunk(identity, "", event.finishReason);
          if (includeUsage) {
            yield { ...textChunk(identity, "", null), choices: [], usage: toUsage(event.usage) };
          }
        }
      }
      return run.stream(
        dataEvents(chunks(), () => request.signal.aborted),
        { doneMarker: true },
      );
    },
    {
      body: TextCompletionRequest,
      parse: "json",
      detail: { summary: "Create a text completion (OpenAI legacy)", tags: ["completions"] },
    },
  );
}
