import { randomBytes } from "node:crypto";
import type { CompletionIdentity } from "../completion-run.ts";
import type { CompletionEvent, CompletionFinish, CompletionUsage } from "../completion-service.ts";
import { toApiError } from "../error-mapper.ts";
import { type ReplyBlock, replyBlocks } from "../reply-blocks.ts";
import type { SseEvent } from "../sse.ts";

/** Echoed request settings that every response object carries. */
export interface ResponseSettings {
  instructions: string | null;
  maxOutputTokens: number | null;
  parallelToolCalls: boolean;
  temperature: number | null;
  topP: number | null;
  toolChoice: unknown;
  tools: unknown[];
  reasoningEffort: string | null;
  store: boolean;
  textFormat: unknown;
}

type Item = Record<string, unknown>;

const itemId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

function usageOf(usage: CompletionUsage) {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/** The `response` object, as every event and the non-streamed answer carry it. */
function responseObject(
  identity: CompletionIdentity,
  settings: ResponseSettings,
  output: Item[],
  finish?: CompletionFinish,
  error?: { code: string; message: string },
) {
  const cut = finish?.finishReason === "length";
  const status = error ? "failed" : !finish ? "in_progress" : cut ? "incomplete" : "completed";
  return {
    id: identity.id,
    object: "response",
    created_at: identity.created,
    status,
    error: error ?? null,
    incomplete_details: cut ? { reason: "max_output_tokens" } : null,
    instructions: settings.instructions,
    max_output_tokens: settings.maxOutputTokens,
    model: identity.model,
    output,
    parallel_tool_calls: settings.parallelToolCalls,
    reasoning: { effort: settings.reasoningEffort, summary: null },
    store: settings.store,
    temperature: settings.temperature,
    text: { format: settings.textFormat },
    tool_choice: settings.toolChoice,
    tools: settings.tools,
    top_p: settings.topP,
    truncation: "disabled",
    usage: finish ? usageOf(finish.usage) : null,
    metadata: {},
  };
}

/** An output item; `id` is the item's own, and a call also has the call_id clients answer to. */
function itemOf(block: ReplyBlock, id: string, done: boolean): Item {
  const status = done ? "completed" : "in_progress";
  switch (block.type) {
    case "text":
      return {
        type: "message",
        id,
        status,
        role: "assistant",
        content: done ? [textPart(block.text)] : [],
      };
    case "reasoning":
      return {
        type: "reasoning",
        id,
        summary: [],
        content: done ? [partOf("reasoning", block.text)] : [],
      };
    case "tool_call":
      return {
        type: "function_call",
        id,
        call_id: block.id,
        name: block.name,
        arguments: done ? block.arguments : "",
        status,
      };
  }
}

const textPart = (text: string) => ({ type: "output_text", text, annotations: [], logprobs: [] });

/** A message's or a reasoning item's one content part. */
function partOf(type: "text" | "reasoning", text: string) {
  return type === "text" ? textPart(text) : { type: "reasoning_text", text };
}

const ID_PREFIX: Record<ReplyBlock["type"], string> = {
  text: "msg",
  reasoning: "rs",
  tool_call: "fc",
};

/** A whole non-streamed `response`. */
export function responseBody(
  identity: CompletionIdentity,
  settings: ResponseSettings,
  blocks: ReplyBlock[],
  finish: CompletionFinish,
) {
  const output = blocks.map((block) => itemOf(block, itemId(ID_PREFIX[block.type]), true));
  return responseObject(identity, settings, output, finish);
}

/**
 * The Responses stream: created and in_progress, each output item added / its deltas / done,
 * then exactly one of completed, incomplete or failed (Codex treats any other end as an error).
 * Every event carries a sequence_number.
 */
export async function* responseEvents(
  identity: CompletionIdentity,
  settings: ResponseSettings,
  events: AsyncIterable<CompletionEvent>,
  onFinish: (finish: CompletionFinish) => void,
  aborted: () => boolean,
): AsyncGenerator<SseEvent> {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, sequence_number: sequence++, ...data },
  });
  const output: Item[] = [];
  yield event("response.created", { response: responseObject(identity, settings, []) });
  yield event("response.in_progress", { response: responseObject(identity, settings, []) });
  let id = "";
  try {
    for await (const next of replyBlocks(events)) {
      const output_index = next.kind === "finish" ? 0 : next.index;
      if (next.kind === "block_start") {
        id = itemId(ID_PREFIX[next.block.type]);
        yield event("response.output_item.added", {
          output_index,
          item: itemOf(next.block, id, false),
        });
        if (next.block.type !== "tool_call") {
          yield event("response.content_part.added", {
            item_id: id,
            output_index,
            content_index: 0,
            part: partOf(next.block.type, ""),
          });
        }
      } else if (next.kind === "block_delta") {
        yield deltaEvent(event, next.type, id, output_index, next.text);
      } else if (next.kind === "block_end") {
        yield* doneEvents(event, next.block, id, output_index);
        const item = itemOf(next.block, id, true);
        output.push(item);
        yield event("response.output_item.done", { output_index, item });
      } else {
        onFinish(next);
        const response = responseObject(identity, settings, output, next);
        const type =
          response.status === "incomplete" ? "response.incomplete" : "response.completed";
        yield event(type, { response });
      }
    }
  } catch (error) {
    if (aborted()) throw error;
    const apiError = toApiError("UNKNOWN", error);
    const failure = { code: apiError.code ?? "server_error", message: apiError.message };
    yield event("response.failed", {
      response: responseObject(identity, settings, output, undefined, failure),
    });
  }
}

type MakeEvent = (type: string, data: Record<string, unknown>) => SseEvent;

function deltaEvent(
  event: MakeEvent,
  type: ReplyBlock["type"],
  item_id: string,
  output_index: number,
  delta: string,
): SseEvent {
  if (type === "text")
    return event("response.output_text.delta", {
      item_id,
      output_index,
      content_index: 0,
      delta,
      logprobs: [],
    });
  if (type === "reasoning")
    return event("response.reasoning_text.delta", {
      item_id,
      output_index,
      content_index: 0,
      delta,
    });
  return event("response.function_call_arguments.delta", { item_id, output_index, delta });
}

function* doneEvents(
  event: MakeEvent,
  block: ReplyBlock,
  item_id: string,
  output_index: number,
): Generator<SseEvent> {
  if (block.type === "text") {
    const at = { item_id, output_index, content_index: 0 };
    yield event("response.output_text.done", { ...at, text: block.text, logprobs: [] });
    yield event("response.content_part.done", { ...at, part: textPart(block.text) });
  } else if (block.type === "reasoning") {
    const at = { item_id, output_index, content_index: 0 };
    yield event("response.reasoning_text.done", { ...at, text: block.text });
    yield event("response.content_part.done", { ...at, part: partOf("reasoning", block.text) });
  } else {
    yield event("response.function_call_arguments.done", {
      item_id,
      output_index,
      arguments: block.arguments,
    });
  }
}
