import { Elysia } from "elysia";
import type { CompletionRecord, RequestLog } from "../../request-log.ts";
import { startCompletionRun } from "../completion-run.ts";
import { collectBlocks } from "../reply-blocks.ts";
import type { ServerState } from "../server-state.ts";
import { skippedToolLog } from "../skipped-tools.ts";
import { type ResponseSettings, responseBody, responseEvents } from "./encode.ts";
import { InputTokensRequest, ResponsesRequest } from "./schemas.ts";
import { conversationOf, toCompletionRequest } from "./to-conversation.ts";

/** POST /v1/responses (OpenAI Responses, streamed or not) and /v1/responses/input_tokens. */
export function responsesRoutes(
  state: ServerState,
  onCompletion: (record: CompletionRecord) => void,
  log: RequestLog,
) {
  const skipTool = skippedToolLog(log);
  return new Elysia()
    .post(
      "/v1/responses",
      async ({ body, request }) => {
        const service = state.ready();
        const prepared = service.prepare(toCompletionRequest(body, skipTool));
        const run = await startCompletionRun(state, service, prepared, request, {
          idPrefix: "resp_",
          stream: body.stream === true,
          onCompletion,
        });
        const settings = settingsOf(body);
        if (!body.stream) {
          return run.answer(async () => {
            const { blocks, finish } = await collectBlocks(run.events);
            run.report(finish);
            return responseBody(run.identity, settings, blocks, finish);
          });
        }
        const events = responseEvents(
          run.identity,
          settings,
          run.events,
          run.report,
          () => request.signal.aborted,
        );
        return run.stream(events);
      },
      {
        body: ResponsesRequest,
        parse: "json",
        detail: { summary: "Create a response (OpenAI Responses API)", tags: ["responses"] },
      },
    )
    .post(
      "/v1/responses/input_tokens",
      ({ body }) => {
        const service = state.ready();
        const input = conversationOf(body, skipTool);
        const count = service.countTokens(input);
        return { object: "response.input_tokens", input_tokens: count };
      },
      {
        body: InputTokensRequest,
        parse: "json",
        detail: { summary: "Count a response's input tokens", tags: ["responses"] },
      },
    );
}

function settingsOf(body: ResponsesRequest): ResponseSettings {
  return {
    instructions: body.instructions ?? null,
    maxOutputTokens: body.max_output_tokens ?? null,
    parallelToolCalls: body.parallel_tool_calls ?? true,
    temperature: body.temperature ?? null,
    topP: body.top_p ?? null,
    toolChoice: body.tool_choice ?? "auto",
    tools: (body.tools ?? []).filter((tool) => tool.type === "function"),
    reasoningEffort: body.reasoning?.effort ?? null,
    // Accepted and echoed; nothing is kept either way.
    store: body.store ?? false,
    textFormat: body.text?.format ?? { type: "text" },
  };
}
