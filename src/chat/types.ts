/** OpenAI chat message, after validation; content parts are already joined to text. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  /** An assistant turn's reasoning, where the format keeps it in history. */
  reasoning_content?: string;
}

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ToolDefinition {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/**
 * A prompt is text interleaved with special tokens, so user text can never smuggle one in.
 * `special` is exactly one special token by its text; `text` is tokenized with special parsing
 * off; `templated` (jinja family only) is tokenized with special parsing on, because the
 * template output embeds special tokens.
 */
export type PromptPart = { special: string } | { text: string } | { templated: string };

export type ChatFamily = "glm4" | "glm4-0414" | "chatglm3" | "glm45" | "glm47" | "jinja";

/** What a streamed reply turns into, in order. */
export type ReplyEvent =
  | { kind: "content"; text: string }
  | { kind: "reasoning"; text: string }
  | { kind: "tool_call_start"; index: number; id: string; name: string }
  | { kind: "tool_call_arguments"; index: number; text: string };

/** Incremental parser for one reply: feed model text, get events; `end()` flushes. */
export interface ReplyParser {
  push(text: string): ReplyEvent[];
  end(): ReplyEvent[];
  /** True once any tool call was emitted (finish_reason "tool_calls"). */
  readonly sawToolCall: boolean;
}

export interface RenderOptions {
  tools?: ToolDefinition[];
  /** Think, and return `<think>` reasoning as reasoning events (GLM-4.5 and later). */
  reasoning?: boolean;
  /** How hard to think, where the template reads it (GLM-5.2: high, max; 5.3-Flash: low too). */
  reasoningEffort?: string;
  /** The prompt ends inside an open `<think>`, so the reply starts with reasoning. */
  thinkingOpen?: boolean;
}

/** One model family's prompt format and reply parsing. */
export interface ChatFormat {
  family: ChatFamily;
  render(messages: ChatMessage[], options: RenderOptions): PromptPart[];
  /** Special token texts that end a reply, besides the model's EOG tokens. */
  stopTokens: string[];
  /** Whether the model thinks when nothing switches it (its template's default). */
  thinksByDefault: boolean;
  createReplyParser(options: RenderOptions): ReplyParser;
}

/** OpenAI `tool_choice`. */
export type ToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } };

/** What a format needs to know about the loaded model. */
export interface ChatModelInfo {
  chatTemplate: string | null;
  bosText?: string;
  eosText?: string;
}
