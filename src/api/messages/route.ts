import { Elysia } from "elysia";
import type { CompletionRecord, RequestLog } from "../../request-log.ts";
import { startCompletionRun } from "../completion-run.ts";
import { collectBlocks } from "../reply-blocks.ts";
import type { ServerState } from "../server-state.ts";
import { skippedToolLog } from "../skipped-tools.ts";
import { messageBody, messageEvents } from "./encode.ts";
import { CountTokensRequest, MessagesRequest } from "./schemas.ts";
import { conversationOf, toCompletionRequest } from "./to-conversation.ts";

/** POST /v1/messages (Anthropic Messages, streamed or not) and /v1/messages/count_tokens. */
export function messagesRoutes(
  state: ServerState,
  onCompletion: (record: CompletionRecord) => void,
  log: RequestLog,
) {
  const skipTool = skippedToolLog(log);
  return new Elysia()
    .post(
      "/v1/messages",
      async ({ body, request }) => {
        const service = state.ready();
        const prepared = service.prepare(toCompletionRequest(body, skipTool));
        const run = await startCompletionRun(state, service, prepared, request, {
          idPrefix: "msg_",
          stream: body.stream === true,
          onCompletion,
        });
        if (!body.stream) {
          return run.answer(async () => {
            const { blocks, finish } = await collectBlocks(run.events);
            run.report(finish);
            return messageBody(run.identity, blocks, finish);
          });
        }
        const events = messageEvents(
          run.identity,
          prepared.tokens.length,
          run.events,
          run.report,
          () => request.signal.aborted,
        );
        return run.stream(events, { heartbeat: { event: "ping", data: { type: "ping" } } });
      },
      {
        body: MessagesRequest,
        parse: "json",
        detail: { summary: "Create a message (Anthropic Messages API)", tags: ["messages"] },
      },
    )
    .post(
      "/v1/messages/count_tokens",
      ({ body }) => {
        const service = state.ready();
        const input = conversationOf(body, skipTool);
        return { input_tokens: service.countTokens(input) };
      },
      {
        body: CountTokensRequest,
        parse: "json",
        detail: { summary: "Count a message's input tokens (Anthropic)", tags: ["messages"] },
      },
    );
}
