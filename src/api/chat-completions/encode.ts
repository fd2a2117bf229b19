import type { CompletionIdentity } from "../completion-run.ts";
import type {
  CompletionEvent,
  CompletionFinish,
  CompletionUsage,
  FinishReason,
} from "../completion-service.ts";
import type { TokenLogprobEntry, Usage } from "../schemas.ts";
import type { ChatCompletion } from "./schemas.ts";

export function toUsage(usage: CompletionUsage): Usage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
  };
}

/** Folds reply events into one non-streamed chat.completion. */
export async function collectCompletion(
  identity: CompletionIdentity,
  events: AsyncIterable<CompletionEvent>,
): Promise<{ body: ChatCompletion; finish: CompletionFinish }> {
  let content = "";
  let reasoning = "";
  const calls: Array<{
    id: string;
    type: "function";
    function: { name: string; arguments: string };
  }> = [];
  let finish: CompletionFinish = {
    kind: "finish",
    finishReason: "stop",
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
    firstTokenMs: 0,
  };
  let logprobs: TokenLogprobEntry[] | undefined;
  for await (const event of events) {
    if (event.kind === "content") content += event.text;
    else if (event.kind === "logprobs") logprobs = [...(logprobs ?? []), ...event.entries];
    else if (event.kind === "reasoning") reasoning += event.text;
    else if (event.kind === "tool_call_start") {
      calls[event.index] = {
        id: event.id,
        type: "function",
        function: { name: event.name, arguments: "" },
      };
    } else if (event.kind === "tool_call_arguments") {
      const call = calls[event.index];
      if (call) call.function.arguments += event.text;
    } else {
      finish = event;
    }
  }
  const toolCalls = calls.filter(Boolean);
  const body: ChatCompletion = {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: toolCalls.length > 0 && content === "" ? null : content,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finish.finishReason,
        logprobs: logprobs ? { content: logprobs } : null,
      },
    ],
    usage: toUsage(finish.usage),
  };
  return { body, finish };
}

/** The `delta` of one streamed chunk for a reply event. */
export function deltaOf(
  event: Exclude<CompletionEvent, { kind: "finish" } | { kind: "logprobs" }>,
): Record<string, unknown> {
  switch (event.kind) {
    case "content":
      return { content: event.text };
    case "reasoning":
      return { reasoning_content: event.text };
    case "tool_call_start":
      return {
        tool_calls: [
          {
            index: event.index,
            id: event.id,
            type: "function",
            function: { name: event.name, arguments: "" },
          },
        ],
      };
    case "tool_call_arguments":
      return { tool_calls: [{ index: event.index, function: { arguments: event.text } }] };
  }
}

/** Streamed chunks: role first, one per event, the finish, then usage when asked for. */
export async function* completionChunks(
  identity: CompletionIdentity,
  events: AsyncIterable<CompletionEvent>,
  includeUsage: boolean,
  onFinish: (finish: CompletionFinish) => void,
): AsyncGenerator<Record<string, unknown>> {
  const chunk = (
    delta: Record<string, unknown>,
    finishReason: FinishReason | null = null,
    logprobs: TokenLogprobEntry[] | null = null,
  ) => ({
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        delta,
        logprobs: logprobs ? { content: logprobs } : null,
        finish_reason: finishReason,
      },
    ],
  });
  yield chunk({ role: "assistant", content: "" });
  for await (const event of events) {
    if (event.kind === "logprobs") {
      yield chunk({}, null, event.entries);
      continue;
    }
    if (event.kind !== "finish") {
      yield chunk(deltaOf(event));
      continue;
    }
    onFinish(event);
    yield chunk({}, event.finishReason);
    if (includeUsage) {
      yield {
        id: identity.id,
        object: "chat.completion.chunk",
        created: identity.created,
        model: identity.model,
        choices: [],
        usage: toUsage(event.usage),
      };
    }
  }
}
