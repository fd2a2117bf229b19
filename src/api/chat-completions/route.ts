import { Elysia } from "elysia";
import type { CompletionRecord } from "../../request-log.ts";
import { startCompletionRun } from "../completion-run.ts";
import type { ServerState } from "../server-state.ts";
import { dataEvents } from "../sse.ts";
import { collectCompletion, completionChunks } from "./encode.ts";
import { ChatCompletionRequest } from "./schemas.ts";
import { toCompletionRequest } from "./to-conversation.ts";

/** POST /v1/chat/completions, streamed (SSE) or not. */
export function chatCompletionsRoute(
  state: ServerState,
  onCompletion: (record: CompletionRecord) => void,
) {
  return new Elysia().post(
    "/v1/chat/completions",
    async ({ body, request }) => {
      const service = state.ready();
      const prepared = service.prepare(toCompletionRequest(body));
      const run = await startCompletionRun(state, service, prepared, request, {
        idPrefix: "chatcmpl-",
        stream: body.stream === true,
        onCompletion,
      });
      if (!body.stream) {
        return run.answer(async () => {
          const result = await collectCompletion(run.identity, run.events);
          run.report(result.finish);
          return result.body;
        });
      }
      const includeUsage = body.stream_options?.include_usage === true;
      const chunks = completionChunks(run.identity, run.events, includeUsage, run.report);
      return run.stream(
        dataEvents(chunks, () => request.signal.aborted),
        { doneMarker: true },
      );
    },
    {
      body: ChatCompletionRequest,
      // JSON whatever the Content-Type says, as llama-server does (curl -d sends form type).
      parse: "json",
      detail: { summary: "Create a chat completion (OpenAI-compatible)", tags: ["chat"] },
    },
  );
}
