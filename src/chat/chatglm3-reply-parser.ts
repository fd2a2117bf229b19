import { FirstLineGate } from "./first-line-gate.ts";
import type { PairsRead } from "./json-pair-stream.ts";
import { OptionalPrefixTrimmer } from "./optional-prefix-trimmer.ts";
import { PythonKwargStream } from "./python-kwarg-stream.ts";
import { contentEvents } from "./reply-events.ts";
import { argumentEvents, StreamedArguments } from "./streamed-arguments.ts";
import { newToolCallId } from "./tool-call-id.ts";
import { toolNames } from "./tool-names.ts";
import type { ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

/** ChatGLM3's code-interpreter metadata; we have no interpreter, so its code stays content. */
const INTERPRETER = "interpreter";

/** The code block's opening up to the call's `(`. */
const OPENING = /^\s*```(?:python)?[ \t]*\n\s*tool_call\s*\(/;
const FENCE = "```";

/** gating: is line one a tool name? opening: does a ```python tool_call( follow? */
type Phase = "gating" | "opening" | "content" | "arguments" | "done";

/**
 * ChatGLM3 replies start with a metadata line: empty for plain text ("\n " then content), a
 * tool name followed by a ```python tool_call(...)``` block, or "interpreter" plus code. A
 * call starts once its first keyword argument reads as a literal (before that the block may
 * still turn out to be content); the arguments then stream one by one as JSON, closed even
 * when the reply is cut short.
 */
export class ChatGlm3ReplyParser implements ReplyParser {
  private phase: Phase = "gating";
  // Plain replies begin "\n " (empty metadata line, then the template's space); trim both.
  private readonly lead = new OptionalPrefixTrimmer(["\n", " "]);
  private readonly gate: FirstLineGate;
  private readonly keywords = new PythonKwargStream();
  private readonly json = new StreamedArguments();
  private toolName = "";
  // The block so far, returned as content if it never becomes a call.
  private held = "";
  private called = false;

  constructor(tools: ToolDefinition[]) {
    this.gate = new FirstLineGate([...toolNames(tools), INTERPRETER]);
  }

  get sawToolCall(): boolean {
    return this.called;
  }

  push(text: string): ReplyEvent[] {
    if (this.phase === "content") return contentEvents(this.lead.trim(text));
    if (this.phase === "done") return [];
    if (this.phase === "opening") return this.pushOpening(text);
    if (this.phase === "arguments") {
      if (!this.called) this.held += text;
      return this.argumentEvents(this.keywords.push(text));
    }
    return this.pushGated(text);
  }

  end(): ReplyEvent[] {
    if (this.phase === "gating") return contentEvents(this.lead.trim(this.gate.end()));
    if (this.phase !== "opening" && this.phase !== "arguments") return [];
    const last = this.phase === "arguments" ? this.keywords.end() : undefined;
    const events = this.argumentEvents({ pairs: last ? [last] : [], closed: false });
    if (!this.called) return this.asContent();
    this.phase = "done";
    return [...events, { kind: "tool_call_arguments", index: 0, text: this.json.close() }];
  }

  private pushGated(text: string): ReplyEvent[] {
    const decision = this.gate.push(text);
    if (decision.kind === "pending") return [];
    this.phase = "content";
    if (decision.kind === "content") return contentEvents(this.lead.trim(decision.text));
    if (decision.name === INTERPRETER) return contentEvents(this.lead.trim(decision.rest));
    this.phase = "opening";
    this.toolName = decision.name;
    return this.pushOpening(decision.rest);
  }

  /** Holds the block until its `tool_call(` shows, or it cannot be one. */
  private pushOpening(text: string): ReplyEvent[] {
    this.held += text;
    const opening = OPENING.exec(this.held);
    if (opening) {
      this.phase = "arguments";
      return this.argumentEvents(this.keywords.push(this.held.slice(opening[0].length)));
    }
    const start = this.held.trimStart();
    const couldOpen = start.startsWith(FENCE) || FENCE.startsWith(start);
    // A fence that runs on past a short line without `tool_call(` is code, not a call.
    if (couldOpen && !this.held.includes("(") && this.held.length < 64) return [];
    return this.asContent();
  }

  /** The call starts with its first whole argument, or at `)` for a call without any. */
  private argumentEvents(read: PairsRead): ReplyEvent[] {
    const starts = !this.called && (read.pairs.length > 0 || read.closed);
    const events = starts ? [this.startCall()] : [];
    if (read.closed) this.phase = "done";
    return [...events, ...argumentEvents(this.json, 0, read.pairs, read.closed)];
  }

  private startCall(): ReplyEvent {
    this.called = true;
    return { kind: "tool_call_start", index: 0, id: newToolCallId(), name: this.toolName };
  }

  private asContent(): ReplyEvent[] {
    this.phase = "content";
    // Through the trimmer too, so later pushes are not trimmed as if they began the reply.
    return contentEvents(this.lead.trim(`${this.toolName}\n${this.held}`));
  }
}
