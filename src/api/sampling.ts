import {
  jsonObjectGrammar,
  jsonSchemaGrammar,
  UnsupportedSchemaError,
} from "../chat/json-grammar.ts";
import type { GenerationParams } from "../engine/types.ts";
import { ApiError } from "./api-error.ts";

/** Sampling fields under the names that OpenAI, Anthropic and llama-server share. */
export interface SamplingFields {
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  repeat_penalty?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  n?: number | null;
  ignore_eos?: boolean;
}

/** llama-server's sampling defaults, which suit GLM chat models too. */
const SAMPLING_DEFAULTS = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05 };

export function stopStringsOf(stop: string | string[] | null | undefined): string[] {
  if (stop === undefined || stop === null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((text) => text !== "");
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

/** Structured output as every protocol asks for it: any JSON object, or one schema. */
export type OutputFormat = { type: "json_object" } | { type: "json_schema"; schema: unknown };

/** The GBNF that enforces `format`; a schema we cannot enforce is a 400 naming `param`. */
export function grammarOf(format: OutputFormat | undefined, param: string): string | undefined {
  if (format === undefined) return undefined;
  if (format.type === "json_object") return jsonObjectGrammar();
  try {
    return jsonSchemaGrammar(format.schema ?? {});
  } catch (error) {
    if (!(error instanceof UnsupportedSchemaError)) throw error;
    throw new ApiError(
      400,
      `${param}: ${error.message}`,
      "invalid_request_error",
      "invalid_value",
      param,
    );
  }
}
