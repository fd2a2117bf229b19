import { argumentValue, calledTool } from "./glm45-tool-call.ts";
import { findFirstMarker, partialMarkerLength } from "./marker-search.ts";
import { StreamedArguments } from "./streamed-arguments.ts";
import { newToolCallId } from "./tool-call-id.ts";
import type { RenderOptions, ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const CALL_OPEN = "<tool_call>";
const CALL_CLOSE = "</tool_call>";
const KEY_OPEN = "<arg_key>";
/** One whole key/value pair at the start of the buffer (after layout whitespace). */
const PAIR = /^\s*<arg_key>([^<]*)<\/arg_key>\s*<arg_value>([\s\S]*?)<\/arg_value>/;

/** text, reasoning, a call's name, its arguments, or a block that names no tool (kept as content). */
type Mode = "text" | "think" | "name" | "args" | "unknown";

/** The call whose arguments are streaming: JSON grows key by key, `}` at `</tool_call>`. */
interface OpenCall {
  index: number;
  tool: ToolDefinition;
  json: StreamedArguments;
}

/**
 * GLM-4.5 replies mix `<think>…</think>` reasoning, plain content and
 * `<tool_call>…</tool_call>` blocks. The markers are special tokens whose text reaches us in
 * the stream, possibly split across pushes, so a possible partial marker is held back. A call
 * starts as soon as its name is known, and its arguments stream as JSON growing one key/value
 * pair at a time, so the deltas always concatenate to the whole call.
 */
export class Glm45ReplyParser implements ReplyParser {
  private mode: Mode = "text";
  private buffer = "";
  // Newlines that separate segments are layout, not content.
  private atSegmentStart = true;
  private nextIndex = 0;
  private call: OpenCall | undefined;
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
    // A name cut short may be a prefix of another tool's, so only an offered one counts.
    if (this.mode === "name" && this.startCall(rest.trim(), false, events)) this.mode = "args";
    // A call cut short keeps the pairs it completed; its JSON is closed.
    if (this.mode === "args") this.closeCall(events);
    else if (this.mode === "name" || this.mode === "unknown")
      this.emitText(`${CALL_OPEN}${rest}`, "content", events);
    else this.emitText(trimTrailingNewlines(rest), this.textKind(), events);
    return events;
  }

  /** Handles the buffer up to the next marker; true if a marker was consumed. */
  private step(events: ReplyEvent[]): boolean {
    if (this.mode === "name") return this.stepName(events);
    if (this.mode === "args") return this.stepArguments(events);
    if (this.mode === "unknown") return this.stepUnknownCall(events);
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

  /** The name ends at a newline, the first `<arg_key>` or `</tool_call>`. */
  private stepName(events: ReplyEvent[]): boolean {
    const end = findFirstMarker(this.buffer, ["\n", KEY_OPEN, CALL_CLOSE]);
    if (!end) return false;
    const name = this.buffer.slice(0, end.index).trim();
    if (!this.startCall(name, true, events)) {
      this.mode = "unknown";
      return true;
    }
    this.buffer = this.buffer.slice(end.marker === "\n" ? end.index + 1 : end.index);
    this.mode = "args";
    return true;
  }

  private startCall(name: string, complete: boolean, events: ReplyEvent[]): boolean {
    const tool = calledTool(name, this.tools, complete);
    if (!tool) return false;
    this.call = { index: this.nextIndex, tool, json: new StreamedArguments() };
    this.nextIndex += 1;
    events.push({ kind: "tool_call_start", index: this.call.index, id: newToolCallId(), name });
    return true;
  }

  /** Each whole key/value pair extends the JSON; `</tool_call>` closes it. */
  private stepArguments(events: ReplyEvent[]): boolean {
    const close = this.buffer.indexOf(CALL_CLOSE);
    const pair = PAIR.exec(this.buffer);
    if (pair && (close < 0 || pair[0].length <= close)) {
      this.buffer = this.buffer.slice(pair[0].length);
      this.addArgument((pair[1] ?? "").trim(), pair[2] ?? "", events);
      return true;
    }
    // Text before the next key (inside the call) is not an argument; skip to the key. Deciding
    // by what is already buffered would make the result depend on how the reply was split.
    const key = this.buffer.indexOf(KEY_OPEN, 1);
    if (key > 0 && (close < 0 || key < close)) {
      this.buffer = this.buffer.slice(key);
      return true;
    }
    if (close >= 0) {
      this.buffer = this.buffer.slice(close + CALL_CLOSE.length);
      this.closeCall(events);
      this.mode = "text";
      this.atSegmentStart = true;
      return true;
    }
    return false;
  }

  private addArgument(key: string, raw: string, events: ReplyEvent[]): void {
    const call = this.call;
    if (!call) return;
    // A repeated key keeps its first value, so what streamed stays true.
    const text = call.json.add(key, argumentValue(call.tool, key, raw));
    if (text) events.push({ kind: "tool_call_arguments", index: call.index, text });
  }

  private closeCall(events: ReplyEvent[]): void {
    const call = this.call;
    if (!call) return;
    events.push({ kind: "tool_call_arguments", index: call.index, text: call.json.close() });
    this.call = undefined;
  }

  /** A block that names no tool stays content, markup and all. */
  private stepUnknownCall(events: ReplyEvent[]): boolean {
    const close = this.buffer.indexOf(CALL_CLOSE);
    if (close < 0) return false;
    const block = this.buffer.slice(0, close);
    this.buffer = this.buffer.slice(close + CALL_CLOSE.length);
    this.mode = "text";
    this.atSegmentStart = true;
    this.emitText(`${CALL_OPEN}${block}${CALL_CLOSE}`, "content", events);
    this.atSegmentStart = true;
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
  if (marker === CALL_OPEN) return "name";
  return "text";
}

function trimTrailingNewlines(text: string): string {
  return text.replace(/\n+$/, "");
}
