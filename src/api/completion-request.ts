import type { ChatMessage, ToolChoice, ToolDefinition } from "../chat/types.ts";
import type { GenerationParams } from "../engine/types.ts";

/** The prompt's half of a request: what count_tokens routes need. */
export interface CompletionConversation {
  messages: ChatMessage[];
  tools: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** Think before answering; undefined follows the server's --reasoning. */
  reasoning?: boolean;
  /** The request's effort word (low, medium, high, max), for templates that read it. */
  reasoningEffort?: string;
  /** The request field that holds the conversation, named in errors (`messages`, `input`). */
  conversationParam: string;
}

/**
 * What every protocol's request becomes: the neutral conversation, its tools, and how to
 * generate. Adapters build this; the completion core takes nothing else.
 */
export interface CompletionRequest extends CompletionConversation {
  sampling: Omit<GenerationParams, "maxTokens">;
  /** New tokens at most; undefined fills the slot's context. */
  maxTokens?: number;
  stops: string[];
  /** GBNF the reply must follow (structured output). */
  grammar?: string;
  /** Alternatives to record per token; undefined turns logprobs off. */
  logprobs?: number;
  /** false: only the first tool call is returned. */
  parallelToolCalls?: boolean;
}
