import { ContentReplyParser } from "../chat/content-reply-parser.ts";
import { joinTextParts, promptToText } from "../chat/prompt-text.ts";
import { StopStringMatcher } from "../chat/stop-strings.ts";
import { endsInsideThinking } from "../chat/thinking-open.ts";
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
import type { CompletionConversation, CompletionRequest } from "./completion-request.ts";
import { samplingOf, stopStringsOf } from "./sampling.ts";
import type { TextCompletionRequest, TokenLogprobEntry } from "./schemas.ts";

/** OpenAI's default for /v1/completions. */
const TEXT_DEFAULT_MAX_TOKENS = 16;

/** No token spans more characters than this, so a longer prompt cannot fit and is not tokenized. */
const MAX_CHARS_PER_TOKEN = 256;

export type FinishReason = "stop" | "length" | "tool_calls";

export interface CompletionUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** Generated tokens that went to reasoning rather than the answer. */
  reasoningTokens: number;
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
  /** The stop string that ended the reply, when one did. */
  stopSequence?: string;
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
  /** Only the first tool call is returned. */
  singleToolCall?: boolean;
}

/** Turns neutral completion requests into engine generations, and model text into reply events. */
export class CompletionService {
  constructor(
    readonly engine: Engine,
    readonly format: ChatFormat,
    readonly queue: Semaphore,
    private readonly reasoning: "on" | "off" | "auto",
    private readonly keepTranscripts = false,
  ) {}

  /** Validates, renders and tokenizes; every problem is a 400 before any slot is taken. */
  prepare(request: CompletionRequest): PreparedCompletion {
    const { parts, render: options } = this.promptOf(request);
    const render = endsInsideThinking(parts) ? { ...options, thinkingOpen: true } : options;
    const tokens = this.tokenize(parts);
    const room = this.roomFor(tokens, request.conversationParam);
    const maxTokens = Math.min(request.maxTokens ?? room, room);
    const stopTokens = this.format.stopTokens.flatMap((text) => this.specialId(text) ?? []);
    return {
      tokens,
      params: {
        ...request.sampling,
        maxTokens,
        stopTokens,
        ...(request.grammar !== undefined ? { grammar: request.grammar } : {}),
        ...(request.logprobs !== undefined ? { logprobs: request.logprobs } : {}),
      },
      stops: request.stops,
      render,
      ...(request.parallelToolCalls === false ? { singleToolCall: true } : {}),
      ...(this.keepTranscripts ? { promptText: promptToText(parts) } : {}),
    };
  }

  /** The prompt's length in tokens, as `prepare` would submit it (count_tokens routes). */
  countTokens(request: CompletionConversation): number {
    return this.tokenize(this.promptOf(request).parts).length;
  }

  /** The rendered prompt and the options it was rendered with (and the reply is parsed with). */
  private promptOf(request: CompletionConversation): {
    parts: PromptPart[];
    render: RenderOptions;
  } {
    refuseUnknownToolChoice(request);
    const render: RenderOptions = {
      tools: applyToolChoice(request.tools, request.toolChoice),
      reasoning: request.reasoning ?? this.thinksByDefault(),
      ...(request.reasoningEffort ? { reasoningEffort: request.reasoningEffort } : {}),
    };
    const parts = this.render(request.messages, render, request.conversationParam);
    this.refuseHugePrompt(parts, request.conversationParam);
    return { parts, render };
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
      stops: stopStringsOf(body.stop),
      render: {},
      ...(this.keepTranscripts ? { promptText: prompt } : {}),
    };
  }

  /** New tokens that fit after the prompt in one slot; a prompt that leaves none is a 400. */
  private roomFor(tokens: number[], param: string): number {
    const room = this.engine.info.nCtxSlot - tokens.length;
    if (room >= 1) return room;
    // Anthropic's wording, which clients match; it reads well in every protocol.
    throw new ApiError(
      400,
      `prompt is too long: ${tokens.length} tokens > ${this.engine.info.nCtxSlot - 1} maximum (a slot's context is ${this.engine.info.nCtxSlot} tokens: --ctx-size divided by --parallel; raise --ctx-size or lower --parallel)`,
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
    // parallel_tool_calls: false keeps the first call only.
    const limit = (events: ReplyEvent[]) =>
      prepared.singleToolCall ? events.filter((event) => !isLaterToolCall(event)) : events;
    const parser = prepared.raw
      ? new ContentReplyParser()
      : this.format.createReplyParser(prepared.render);
    let finish: FinishReason = "stop";
    let stopSequence: string | undefined;
    let completionTokens = 0;
    let reasoningTokens = 0;
    let cachedTokens = 0;
    let usage: CompletionUsage | undefined;
    let reply = "";
    for await (const event of generation) {
      if (event.kind === "done") {
        finish = event.finishReason;
        usage = {
          promptTokens: event.promptTokens,
          completionTokens: event.completionTokens,
          cachedTokens: event.cachedTokens,
          reasoningTokens,
        };
        break;
      }
      completionTokens++;
      cachedTokens = event.cachedTokens;
      if (firstTokenMs < 0) firstTokenMs = performance.now() - started;
      if (this.keepTranscripts) reply += event.text;
      const match = stops.push(event.text);
      const replyEvents = limit(parser.push(match.text));
      if (replyEvents.some((reply) => reply.kind === "reasoning")) reasoningTokens++;
      yield* replyEvents;
      if (event.logprob !== undefined)
        yield { kind: "logprobs", entries: [this.logprobEntry(event)] };
      if (match.stopped) {
        stopSequence = match.matched;
        break; // leaving the loop cancels the rest natively
      }
    }
    yield* limit(parser.push(stops.flush()));
    yield* limit(parser.end());
    // A reply cut by max_tokens says so, even when a call had started.
    const toolCall = parser.sawToolCall && finish !== "length";
    yield {
      kind: "finish",
      finishReason: toolCall ? "tool_calls" : finish,
      ...(stopSequence !== undefined && !toolCall ? { stopSequence } : {}),
      usage: usage ?? {
        promptTokens: prepared.tokens.length,
        completionTokens,
        cachedTokens,
        reasoningTokens,
      },
      firstTokenMs: Math.max(firstTokenMs, 0),
      ...(this.keepTranscripts ? { transcript: { prompt: prepared.promptText ?? "", reply } } : {}),
    };
  }

  /** Tokenizing blocks the event loop; deeply nested tool schemas render to hundreds of MB. */
  private refuseHugePrompt(parts: PromptPart[], param: string): void {
    const limit = this.engine.info.nCtxSlot * MAX_CHARS_PER_TOKEN;
    let chars = 0;
    for (const part of parts) {
      chars +=
        "special" in part ? 1 : "templated" in part ? part.templated.length : part.text.length;
    }
    if (chars <= limit) return;
    throw new ApiError(
      400,
      `prompt is too long: ${chars} characters, far more than a slot's ${this.engine.info.nCtxSlot} tokens hold; shorten the conversation or the tools, or raise --ctx-size`,
      "invalid_request_error",
      "context_length_exceeded",
      param,
    );
  }

  /** A chat template may refuse a conversation (e.g. roles that do not alternate): a 400. */
  private render(messages: ChatMessage[], options: RenderOptions, param: string): PromptPart[] {
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
        param,
      );
    }
  }

  /** --reasoning: on, off, or auto (what the template does when nothing switches it). */
  private thinksByDefault(): boolean {
    if (this.reasoning === "auto") return this.format.thinksByDefault;
    return this.reasoning === "on";
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
    return joinTextParts(parts).flatMap((part) => {
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

/** A tool_choice that names a tool the request does not offer is a 400. */
function refuseUnknownToolChoice(request: CompletionConversation): void {
  const choice = request.toolChoice;
  if (typeof choice !== "object") return;
  if (request.tools.some((tool) => tool.function.name === choice.function.name)) return;
  throw new ApiError(
    400,
    `tool_choice names '${choice.function.name}', which is not in tools`,
    "invalid_request_error",
    "invalid_value",
    "tool_choice",
  );
}

function isLaterToolCall(event: ReplyEvent): boolean {
  return (
    (event.kind === "tool_call_start" || event.kind === "tool_call_arguments") && event.index > 0
  );
}

const encoder = new TextEncoder();
