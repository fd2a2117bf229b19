import { ContentReplyParser } from "../chat/content-reply-parser.ts";
import { promptToText } from "../chat/prompt-text.ts";
import { StopStringMatcher } from "../chat/stop-strings.ts";
import { applyToolChoice } from "../chat/tool-choice.ts";
import type {
  ChatFormat,
  ChatMessage,
  PromptPart,
  RenderOptions,
  ReplyEvent,
} from "../chat/types.ts";
import type { Engine } from "../engine/engine.ts";
import type { GenerationEvent, GenerationParams, GenerationPiece } from "../engine/types.ts";
import type { Semaphore } from "../queue.ts";
import { ApiError } from "./api-error.ts";
import {
  grammarOf,
  logprobsOf,
  requestedMaxTokens,
  samplingOf,
  stopStringsOf,
  toChatMessages,
  toolsOf,
} from "./chat-request.ts";
import type { ChatCompletionRequest, TextCompletionRequest, TokenLogprobEntry } from "./schemas.ts";

/** OpenAI's default for /v1/completions. */
const TEXT_DEFAULT_MAX_TOKENS = 16;

/** No token spans more characters than this, so a longer prompt cannot fit and is not tokenized. */
const MAX_CHARS_PER_TOKEN = 256;

export type FinishReason = "stop" | "length" | "tool_calls";

export interface CompletionUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export type CompletionEvent = ReplyEvent | LogprobsEvent | CompletionFinish;

/** Log-probabilities of generated tokens, as they come (per raw token, before any parsing). */
export interface LogprobsEvent {
  kind: "logprobs";
  entries: TokenLogprobEntry[];
}

export interface CompletionFinish {
  kind: "finish";
  finishReason: FinishReason;
  usage: CompletionUsage;
  firstTokenMs: number;
  /** Prompt and raw reply text, only when the server runs with --log-prompts. */
  transcript?: { prompt: string; reply: string };
}

/** A validated request, tokenized and ready to run. */
export interface PreparedCompletion {
  tokens: number[];
  /** The prompt as text, kept only for --log-prompts. */
  promptText?: string;
  /** Raw text completion: no chat parsing, so the reply is content as the model wrote it. */
  raw?: boolean;
  params: GenerationParams;
  stops: string[];
  render: RenderOptions;
}

/** Turns OpenAI chat requests into engine generations and model text into reply events. */
export class CompletionService {
  constructor(
    readonly engine: Engine,
    readonly format: ChatFormat,
    readonly queue: Semaphore,
    private readonly reasoning: boolean,
    private readonly keepTranscripts = false,
  ) {}

  /** Validates, renders and tokenizes; every problem is a 400 before any slot is taken. */
  prepare(body: ChatCompletionRequest): PreparedCompletion {
    const messages = toChatMessages(body);
    const { tools, choice } = toolsOf(body);
    const render: RenderOptions = {
      tools: applyToolChoice(tools, choice),
      reasoning: this.reasoning,
    };
    const parts = this.render(messages, render);
    this.refuseHugePrompt(parts);
    const tokens = this.tokenize(parts);
    const room = this.roomFor(tokens, "messages");
    const maxTokens = Math.min(requestedMaxTokens(body) ?? room, room);
    const stopTokens = this.format.stopTokens.flatMap((text) => this.specialId(text) ?? []);
    return {
      tokens,
      params: {
        ...samplingOf(body),
        maxTokens,
        stopTokens,
        ...grammarParam(grammarOf(body)),
        ...logprobsParam(logprobsOf(body)),
      },
      stops: stopStringsOf(body),
      render,
      ...(this.keepTranscripts ? { promptText: promptToText(parts) } : {}),
    };
  }

  /** A legacy text completion: the prompt is tokenized as given, special tokens included. */
  prepareText(body: TextCompletionRequest): PreparedCompletion {
    const prompt = typeof body.prompt === "string" ? body.prompt : (body.prompt[0] ?? "");
    const tokens = this.engine.tokenize(prompt, true);
    if (tokens.length === 0)
      throw new ApiError(
        400,
        "prompt is empty",
        "invalid_request_error",
        "invalid_value",
        "prompt",
      );
    const maxTokens = Math.min(
      body.max_tokens ?? TEXT_DEFAULT_MAX_TOKENS,
      this.roomFor(tokens, "prompt"),
    );
    return {
      tokens,
      raw: true,
      params: { ...samplingOf(body), maxTokens },
      stops: stopStringsOf(body),
      render: {},
      ...(this.keepTranscripts ? { promptText: prompt } : {}),
    };
  }

  /** New tokens that fit after the prompt in one slot; a prompt that leaves none is a 400. */
  private roomFor(tokens: number[], param: string): number {
    const room = this.engine.info.nCtxSlot - tokens.length;
    if (room >= 1) return room;
    throw new ApiError(
      400,
      `the prompt is ${tokens.length} tokens, but a slot's context holds ${this.engine.info.nCtxSlot}; shorten the conversation or start the server with a larger --ctx-size`,
      "invalid_request_error",
      "context_length_exceeded",
      param,
    );
  }

  /**
   * Submits a prepared completion at once, so a refusal is an error before any response starts,
   * then streams its events. The caller holds a queue slot; `onEnd` runs once the engine is done
   * with the request, read or not. Aborting the signal cancels natively.
   */
  start(
    prepared: PreparedCompletion,
    signal: AbortSignal,
    onEnd?: () => void,
  ): AsyncGenerator<CompletionEvent> {
    const started = performance.now();
    const generation = this.engine.start(prepared.tokens, prepared.params, signal, onEnd);
    return this.events(prepared, generation, started);
  }

  private async *events(
    prepared: PreparedCompletion,
    generation: AsyncGenerator<GenerationEvent>,
    started: number,
  ): AsyncGenerator<CompletionEvent> {
    let firstTokenMs = -1;
    const stops = new StopStringMatcher(prepared.stops);
    const parser = prepared.raw
      ? new ContentReplyParser()
      : this.format.createReplyParser(prepared.render);
    let finish: FinishReason = "stop";
    let completionTokens = 0;
    let usage: CompletionUsage | undefined;
    let reply = "";
    for await (const event of generation) {
      if (event.kind === "done") {
        finish = event.finishReason;
        usage = {
          promptTokens: event.promptTokens,
          completionTokens: event.completionTokens,
          cachedTokens: event.cachedTokens,
        };
        break;
      }
      completionTokens++;
      if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
      if (this.keepTranscripts) reply += event.text;
      const match = stops.push(event.text);
      yield* parser.push(match.text);
      if (event.logprob !== undefined)
        yield { kind: "logprobs", entries: [this.logprobEntry(event)] };
      if (match.stopped) break; // leaving the loop cancels the rest natively
    }
    yield* parser.push(stops.flush());
    yield* parser.end();
    yield {
      kind: "finish",
      finishReason: parser.sawToolCall ? "tool_calls" : finish,
      usage: usage ?? { promptTokens: prepared.tokens.length, completionTokens, cachedTokens: 0 },
      firstTokenMs: Math.max(firstTokenMs, 0),
      ...(this.keepTranscripts ? { transcript: { prompt: prepared.promptText ?? "", reply } } : {}),
    };
  }

  /** Tokenizing blocks the event loop; deeply nested tool schemas render to hundreds of MB. */
  private refuseHugePrompt(parts: PromptPart[]): void {
    const limit = this.engine.info.nCtxSlot * MAX_CHARS_PER_TOKEN;
    let chars = 0;
    for (const part of parts) {
      chars +=
        "special" in part ? 1 : "templated" in part ? part.templated.length : part.text.length;
    }
    if (chars <= limit) return;
    throw new ApiError(
      400,
      `the prompt renders to ${chars} characters, far more than a slot's context of ${this.engine.info.nCtxSlot} tokens holds; shorten the conversation or the tools, or start the server with a larger --ctx-size`,
      "invalid_request_error",
      "context_length_exceeded",
      "messages",
    );
  }

  /** A chat template may refuse a conversation (e.g. roles that do not alternate): a 400. */
  private render(messages: ChatMessage[], options: RenderOptions): PromptPart[] {
    try {
      return this.format.render(messages, options);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError(
        400,
        `the chat template refused these messages: ${reason}`,
        "invalid_request_error",
        "invalid_messages",
        "messages",
      );
    }
  }

  private logprobEntry(piece: GenerationPiece): TokenLogprobEntry {
    const describe = (tokenId: number, logprob: number) => {
      const token = this.engine.detokenize([tokenId]);
      return { token, logprob, bytes: [...encoder.encode(token)] };
    };
    return {
      ...describe(piece.tokenId, piece.logprob ?? 0),
      top_logprobs: (piece.topLogprobs ?? []).map((top) => describe(top.tokenId, top.logprob)),
    };
  }

  private tokenize(parts: PromptPart[]): number[] {
    return parts.flatMap((part) => {
      if ("special" in part)
        return this.specialId(part.special) ?? this.engine.tokenize(part.special, true);
      if ("templated" in part) return this.engine.tokenize(part.templated, true);
      return this.engine.tokenize(part.text, false);
    });
  }

  private specialId(text: string): number | undefined {
    return this.engine.info.specialTokens[text];
  }
}

function grammarParam(grammar: string | undefined): { grammar?: string } {
  return grammar === undefined ? {} : { grammar };
}

function logprobsParam(alternatives: number | undefined): { logprobs?: number } {
  return alternatives === undefined ? {} : { logprobs: alternatives };
}

const encoder = new TextEncoder();
