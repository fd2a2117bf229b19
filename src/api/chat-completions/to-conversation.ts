import type { ChatMessage, ToolChoice, ToolDefinition } from "../../chat/types.ts";
import { ApiError } from "../api-error.ts";
import type { CompletionRequest } from "../completion-request.ts";
import { grammarOf, type OutputFormat, samplingOf, stopStringsOf } from "../sampling.ts";
import type { ChatCompletionRequest } from "./schemas.ts";

/** A Chat Completions request as the completion core takes it. */
export function toCompletionRequest(body: ChatCompletionRequest): CompletionRequest {
  const { tools, choice } = toolsOf(body);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const grammar = grammarOf(outputFormatOf(body), "response_format.json_schema.schema");
  const logprobs = logprobsOf(body);
  const reasoning = reasoningOf(body);
  return {
    messages: toChatMessages(body),
    tools,
    ...(choice !== undefined ? { toolChoice: choice } : {}),
    sampling: samplingOf(body),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    stops: stopStringsOf(body.stop),
    ...(grammar !== undefined ? { grammar } : {}),
    ...(logprobs !== undefined ? { logprobs } : {}),
    ...(reasoning !== undefined ? { reasoning } : {}),
    ...(body.reasoning_effort && body.reasoning_effort !== "none"
      ? { reasoningEffort: body.reasoning_effort }
      : {}),
    ...(body.parallel_tool_calls === false ? { parallelToolCalls: false } : {}),
    conversationParam: "messages",
  };
}

/** Messages as the chat layer takes them: text parts joined, `developer` read as `system`. */
function toChatMessages(body: ChatCompletionRequest): ChatMessage[] {
  return body.messages.map((message, index) => {
    const content = Array.isArray(message.content)
      ? message.content.map((part) => part.text).join("")
      : (message.content ?? null);
    if (message.role === "tool" && content === null) {
      throw new ApiError(
        400,
        `messages[${index}]: a tool message needs content`,
        undefined,
        null,
        `messages[${index}].content`,
      );
    }
    return {
      role: message.role === "developer" ? "system" : message.role,
      content,
      ...(message.name !== undefined ? { name: message.name } : {}),
      ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}),
      ...(message.tool_call_id !== undefined ? { tool_call_id: message.tool_call_id } : {}),
      ...(typeof message.reasoning_content === "string"
        ? { reasoning_content: message.reasoning_content }
        : {}),
    };
  });
}

function toolsOf(body: ChatCompletionRequest): { tools: ToolDefinition[]; choice?: ToolChoice } {
  const tools = (body.tools ?? []).map((tool) => ({
    type: tool.type,
    function: {
      name: tool.function.name,
      ...(tool.function.description !== undefined
        ? { description: tool.function.description }
        : {}),
      ...(tool.function.parameters !== undefined ? { parameters: tool.function.parameters } : {}),
    },
  }));
  const choice = body.tool_choice ?? undefined;
  return choice === undefined ? { tools } : { tools, choice };
}

function outputFormatOf(body: ChatCompletionRequest): OutputFormat | undefined {
  const format = body.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return format;
  return { type: "json_schema", schema: format.json_schema.schema };
}

/** How many alternatives to record per token, or undefined when logprobs are off. */
function logprobsOf(body: ChatCompletionRequest): number | undefined {
  if (!body.logprobs) {
    if (body.top_logprobs) {
      throw new ApiError(
        400,
        "top_logprobs needs logprobs: true",
        "invalid_request_error",
        "invalid_value",
        "top_logprobs",
      );
    }
    return undefined;
  }
  return body.top_logprobs ?? 0;
}

/** vLLM's `chat_template_kwargs.enable_thinking` and OpenAI's `reasoning_effort` ("none" = off). */
function reasoningOf(body: ChatCompletionRequest): boolean | undefined {
  const enable = body.chat_template_kwargs?.enable_thinking;
  if (typeof enable === "boolean") return enable;
  if (body.reasoning_effort === undefined || body.reasoning_effort === null) return undefined;
  return body.reasoning_effort !== "none";
}
