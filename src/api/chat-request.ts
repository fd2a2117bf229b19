import {
  jsonObjectGrammar,
  jsonSchemaGrammar,
  UnsupportedSchemaError,
} from "../chat/json-grammar.ts";
import type { ChatMessage, ToolChoice, ToolDefinition } from "../chat/types.ts";
import type { GenerationParams } from "../engine/types.ts";
import { ApiError } from "./api-error.ts";
import type { ChatCompletionRequest, TextCompletionRequest } from "./schemas.ts";

/** The fields both completion kinds share. */
type SamplingFields = Omit<TextCompletionRequest, "prompt">;

/** llama-server's sampling defaults, which suit GLM chat models too. */
const SAMPLING_DEFAULTS = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05 };

/** Messages as the chat layer takes them: text parts joined, `developer` read as `system`. */
export function toChatMessages(body: ChatCompletionRequest): ChatMessage[] {
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
    };
  });
}

export function toolsOf(body: ChatCompletionRequest): {
  tools: ToolDefinition[];
  choice?: ToolChoice;
} {
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
  if (
    typeof choice === "object" &&
    !tools.some((tool) => tool.function.name === choice.function.name)
  ) {
    throw new ApiError(
      400,
      `tool_choice names '${choice.function.name}', which is not in tools`,
      undefined,
      null,
      "tool_choice",
    );
  }
  return choice === undefined ? { tools } : { tools, choice };
}

export function stopStringsOf(body: SamplingFields): string[] {
  if (body.stop === undefined || body.stop === null) return [];
  return (typeof body.stop === "string" ? [body.stop] : body.stop).filter((stop) => stop !== "");
}

/** Sampling parameters; `maxTokens` is filled in once the prompt length is known. */
export function samplingOf(body: SamplingFields): Omit<GenerationParams, "maxTokens"> {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw new ApiError(400, "only n=1 is supported", undefined, null, "n");
  }
  return {
    temperature: body.temperature ?? SAMPLING_DEFAULTS.temperature,
    topP: body.top_p ?? SAMPLING_DEFAULTS.topP,
    topK: body.top_k ?? SAMPLING_DEFAULTS.topK,
    minP: body.min_p ?? SAMPLING_DEFAULTS.minP,
    repeatPenalty: body.repeat_penalty ?? 1,
    presencePenalty: body.presence_penalty ?? 0,
    frequencyPenalty: body.frequency_penalty ?? 0,
    ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed >>> 0 } : {}),
    ignoreEos: body.ignore_eos ?? false,
  };
}

/** The GBNF that enforces `response_format`, or undefined for plain text. */
export function grammarOf(body: ChatCompletionRequest): string | undefined {
  const format = body.response_format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return jsonObjectGrammar();
  try {
    return jsonSchemaGrammar(format.json_schema.schema ?? {});
  } catch (error) {
    if (!(error instanceof UnsupportedSchemaError)) throw error;
    throw new ApiError(
      400,
      `response_format: ${error.message}`,
      "invalid_request_error",
      "invalid_value",
      "response_format.json_schema.schema",
    );
  }
}

/** How many alternatives to record per token, or undefined when logprobs are off. */
export function logprobsOf(body: ChatCompletionRequest): number | undefined {
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

export function requestedMaxTokens(body: ChatCompletionRequest): number | undefined {
  return body.max_completion_tokens ?? body.max_tokens ?? undefined;
}
