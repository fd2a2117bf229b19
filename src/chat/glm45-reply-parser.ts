import { parseGlm45ToolCall } from "./glm45-tool-call.ts";
import { findFirstMarker, partialMarkerLength } from "./marker-search.ts";
import { toolCallEvents } from "./reply-events.ts";
import { newToolCallId } from "./tool-call-id.ts";
import type { RenderOptions, ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const CALL_OPEN = "<tool_call>";
const CALL_CLOSE = "</tool_call>";

type Mode = "text" | "think" | "tool";

/**
 * GLM-4.5 replies mix `<think>…</think>` reasoning, plain content and
 * `<tool_call>…</tool_call>` blocks. The markers are special tokens whose text reaches us in
 * the stream, possibly split across pushes, so a possible partial marker is held back.
 */
export class Glm45ReplyParser implements ReplyParser {
  private mode: Mode = "text";
  private buffer = "";
  // Newlines that separate segments are layout, not content.
  private atSegmentStart = true;
  private nextIndex = 0;
  private readonly tools: ToolDefinition[];
  private readonly reasoning: boolean;

  constructor(options: RenderOptions) {
    this.tools = options.tools ?? [];
    this.reasoning = options.reasoning ?? false;
    // A prompt that ends in `<think>` (GLM-4.7 and later with thinking on) opened the block.
    if (options.thinkingOpen) this.mode = "think";
  }

  get sawToolCall(): boolean {
    return this.nextIndex > 0;
  }

  push(text: string): ReplyEvent[] {
    this.buffer += text;
    const events: ReplyEvent[] = [];
    while (this.step(events)) {
      // Each step consumed a marker; look for the next one.
    }
    return events;
  }

  end(): ReplyEvent[] {
    const events: ReplyEvent[] = [];
    const rest = this.buffer;
    this.buffer = "";
    if (this.mode === "tool") this.emitText(`${CALL_OPEN}${rest}`, "content", events);
    else this.emitText(trimTrailingNewlines(rest), this.textKind(), events);
    return events;
  }

  /** Handles the buffer up to the next marker; true if a marker was consumed. */
  private step(events: ReplyEvent[]): boolean {
    if (this.mode === "tool") return this.stepToolCall(events);
    const markers = this.mode === "think" ? [THINK_CLOSE] : [THINK_OPEN, CALL_OPEN];
    const found = findFirstMarker(this.buffer, markers);
    if (!found) {
      this.emitSafePrefix(markers, events);
      return false;
    }
    const before = trimTrailingNewlines(this.buffer.slice(0, found.index));
    this.emitText(before, this.textKind(), events);
    this.buffer = this.buffer.slice(found.index + found.marker.length);
    this.mode = modeAfter(found.marker);
    this.atSegmentStart = true;
    return true;
  }

  /** Emits what cannot be part of a marker, holding trailing newlines that may precede one. */
  private emitSafePrefix(markers: string[], events: ReplyEvent[]): void {
    const held = partialMarkerLength(this.buffer, markers);
    const safe = trimTrailingNewlines(this.buffer.slice(0, this.buffer.length - held));
    this.emitText(safe, this.textKind(), events);
    this.buffer = this.buffer.slice(safe.length);
  }

  private stepToolCall(events: ReplyEvent[]): boolean {
    const close = this.buffer.indexOf(CALL_CLOSE);
    if (close < 0) return false;
    const block = this.buffer.slice(0, close);
    this.buffer = this.buffer.slice(close + CALL_CLOSE.length);
    this.mode = "text";
    this.atSegmentStart = true;
    const call = parseGlm45ToolCall(block, this.tools);
    if (!call) {
      this.emitText(`${CALL_OPEN}${block}${CALL_CLOSE}`, "content", events);
      this.atSegmentStart = true;
      return true;
    }
    events.push(...toolCallEvents(this.nextIndex, newToolCallId(), call.name, call.arguments));
    this.nextIndex += 1;
    return true;
  }

  private textKind(): "content" | "reasoning" {
    return this.mode === "think" ? "reasoning" : "content";
  }

  private emitText(text: string, kind: "content" | "reasoning", events: ReplyEvent[]): void {
    let rest = text;
    if (this.atSegmentStart) rest = rest.replace(/^\n+/, "");
    if (rest.length === 0) return;
    this.atSegmentStart = false;
    // Without reasoning requested the think block is dropped.
    if (kind === "reasoning" && !this.reasoning) return;
    events.push({ kind, text: rest });
  }
}

function modeAfter(marker: string): Mode {
  if (marker === THINK_OPEN) return "think";
  if (marker === CALL_OPEN) return "tool";
  return "text";
}

function trimTrailingNewlines(text: string): string {
  return text.replace(/\n+$/, "");
}
