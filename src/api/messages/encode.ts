import { parseJsonObject } from "../../chat/json-object.ts";
import type { CompletionIdentity } from "../completion-run.ts";
import type { CompletionEvent, CompletionFinish, CompletionUsage } from "../completion-service.ts";
import { toApiError } from "../error-mapper.ts";
import { type ReplyBlock, replyBlocks } from "../reply-blocks.ts";
import type { SseEvent } from "../sse.ts";
import { anthropicErrorBody } from "./errors.ts";

type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";

/** Anthropic ids are `toolu_…`; our tool calls carry OpenAI's `call_…`. */
export function toolUseId(callId: string): string {
  return `toolu_${callId.replace(/^call_/, "")}`;
}

function stopOf(finish: CompletionFinish): {
  stop_reason: StopReason;
  stop_sequence: string | null;
} {
  if (finish.finishReason === "tool_calls") return { stop_reason: "tool_use", stop_sequence: null };
  if (finish.finishReason === "length") return { stop_reason: "max_tokens", stop_sequence: null };
  if (finish.stopSequence !== undefined)
    return { stop_reason: "stop_sequence", stop_sequence: finish.stopSequence };
  return { stop_reason: "end_turn", stop_sequence: null };
}

/** Anthropic counts cache reads apart from input_tokens. */
function usageOf(usage: CompletionUsage) {
  return {
    input_tokens: usage.promptTokens - usage.cachedTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: usage.cachedTokens,
    output_tokens: usage.completionTokens,
  };
}

function contentBlockOf(block: ReplyBlock): Record<string, unknown> {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "reasoning":
      return { type: "thinking", thinking: block.text, signature: "" };
    case "tool_call":
      return {
        type: "tool_use",
        id: toolUseId(block.id),
        name: block.name,
        input: parseJsonObject(block.arguments) ?? {},
      };
  }
}

/** A whole `message` object. */
export function messageBody(
  identity: CompletionIdentity,
  blocks: ReplyBlock[],
  finish: CompletionFinish,
) {
  return {
    id: identity.id,
    type: "message",
    role: "assistant",
    model: identity.model,
    content: blocks.map(contentBlockOf),
    ...stopOf(finish),
    usage: usageOf(finish.usage),
  };
}

/** The block as `content_block_start` announces it, before any delta. */
function startedBlock(block: ReplyBlock): Record<string, unknown> {
  if (block.type === "text") return { type: "text", text: "" };
  if (block.type === "reasoning") return { type: "thinking", thinking: "", signature: "" };
  return { type: "tool_use", id: toolUseId(block.id), name: block.name, input: {} };
}

function deltaOf(type: ReplyBlock["type"], text: string): Record<string, unknown> {
  if (type === "text") return { type: "text_delta", text };
  if (type === "reasoning") return { type: "thinking_delta", thinking: text };
  return { type: "input_json_delta", partial_json: text };
}

const named = (event: string, data: Record<string, unknown>): SseEvent => ({
  event,
  data: { type: event, ...data },
});

/**
 * The Messages stream: message_start, each block's start / deltas / stop, message_delta with
 * the stop reason and usage, message_stop. A failure mid-stream becomes an `error` event.
 */
export async function* messageEvents(
  identity: CompletionIdentity,
  promptTokens: number,
  events: AsyncIterable<CompletionEvent>,
  onFinish: (finish: CompletionFinish) => void,
  aborted: () => boolean,
): AsyncGenerator<SseEvent> {
  yield named("message_start", {
    message: {
      id: identity.id,
      type: "message",
      role: "assistant",
      model: identity.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: promptTokens, cache_read_input_tokens: 0, output_tokens: 0 },
    },
  });
  try {
    for await (const event of replyBlocks(events)) {
      if (event.kind === "block_start") {
        yield named("content_block_start", {
          index: event.index,
          content_block: startedBlock(event.block),
        });
      } else if (event.kind === "block_delta") {
        yield named("content_block_delta", {
          index: event.index,
          delta: deltaOf(event.type, event.text),
        });
      } else if (event.kind === "block_end") {
        if (event.block.type === "reasoning") {
          const delta = { type: "signature_delta", signature: "" };
          yield named("content_block_delta", { index: event.index, delta });
        }
        yield named("content_block_stop", { index: event.index });
      } else {
        onFinish(event);
        yield named("message_delta", { delta: stopOf(event), usage: usageOf(event.usage) });
        yield named("message_stop", {});
      }
    }
  } catch (error) {
    if (aborted()) throw error;
    yield { event: "error", data: anthropicErrorBody(toApiError("UNKNOWN", error)) };
  }
}
