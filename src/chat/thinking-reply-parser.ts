import { partialMarkerLength } from "./marker-search.ts";
import type { ReplyEvent, ReplyParser } from "./types.ts";

const THINK_CLOSE = "</think>";

/**
 * A reply that starts inside a `<think>` the prompt opened (GLM-Z1): reasoning until
 * `</think>`, then whatever `after` makes of the rest (content or a tool call). Reasoning is
 * dropped unless asked for, never leaked as content.
 */
export class ThinkingReplyParser implements ReplyParser {
  private thinking = true;
  private held = "";
  private atStart = true;
  // Newlines right after </think> are layout, in however many pushes they come.
  private afterClose = false;

  constructor(
    private readonly after: ReplyParser,
    private readonly keepReasoning: boolean,
  ) {}

  get sawToolCall(): boolean {
    return this.after.sawToolCall;
  }

  push(text: string): ReplyEvent[] {
    if (!this.thinking) return this.answer(text);
    const buffer = this.held + text;
    const close = buffer.indexOf(THINK_CLOSE);
    if (close >= 0) {
      this.thinking = false;
      this.held = "";
      const events = this.reasoning(buffer.slice(0, close).replace(/\n+$/, ""));
      this.afterClose = true;
      return [...events, ...this.answer(buffer.slice(close + THINK_CLOSE.length))];
    }
    // Hold what may begin the closing marker, and trailing newlines that may precede it.
    const keep = partialMarkerLength(buffer, [THINK_CLOSE]);
    const safe = buffer.slice(0, buffer.length - keep).replace(/\n+$/, "");
    this.held = buffer.slice(safe.length);
    return this.reasoning(safe);
  }

  end(): ReplyEvent[] {
    if (!this.thinking) return this.after.end();
    const rest = this.reasoning(this.held.replace(/\n+$/, ""));
    this.held = "";
    return [...rest, ...this.after.end()];
  }

  private answer(text: string): ReplyEvent[] {
    if (!this.afterClose) return this.after.push(text);
    const rest = text.replace(/^\n+/, "");
    if (rest.length === 0) return [];
    this.afterClose = false;
    return this.after.push(rest);
  }

  private reasoning(text: string): ReplyEvent[] {
    const trimmed = this.atStart ? text.replace(/^\n+/, "") : text;
    if (trimmed.length === 0) return [];
    this.atStart = false;
    return this.keepReasoning ? [{ kind: "reasoning", text: trimmed }] : [];
  }
}
