import { FirstLineGate } from "./first-line-gate.ts";
import { JsonPairStream, type PairsRead } from "./json-pair-stream.ts";
import { OptionalPrefixTrimmer } from "./optional-prefix-trimmer.ts";
import { contentEvents } from "./reply-events.ts";
import { argumentEvents, StreamedArguments } from "./streamed-arguments.ts";
import { newToolCallId } from "./tool-call-id.ts";
import { toolNames } from "./tool-names.ts";
import type { ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

/** gating: is line one a tool name? opening: does line two open an object? done: it closed. */
type Phase = "gating" | "opening" | "content" | "arguments" | "done";

/**
 * GLM-4 replies are either content or `{name}\n{json}` (the model then stops at
 * <|observation|>). The call starts once a tool's name line is followed by `{`, as GLM-4's
 * server decides; its arguments then stream member by member as compact JSON, so the deltas
 * always concatenate to one valid object, closed even when the reply is cut short.
 */
export class Glm4ReplyParser implements ReplyParser {
  private phase: Phase = "gating";
  // GLM-4 replies begin with a newline the template does not show; trim it.
  private readonly lead = new OptionalPrefixTrimmer(["\n"]);
  private readonly gate: FirstLineGate;
  private readonly members = new JsonPairStream();
  private readonly json = new StreamedArguments();
  private toolName = "";
  private held = "";
  private called = false;

  constructor(tools: ToolDefinition[]) {
    this.gate = new FirstLineGate(toolNames(tools));
  }

  get sawToolCall(): boolean {
    return this.called;
  }

  push(text: string): ReplyEvent[] {
    const rest = this.lead.trim(text);
    if (rest.length === 0) return [];
    if (this.phase === "content") return [{ kind: "content", text: rest }];
    // Whatever follows the object is not part of the reply.
    if (this.phase === "done") return [];
    if (this.phase === "arguments") return this.argumentEvents(this.members.push(rest));
    if (this.phase === "opening") return this.pushOpening(rest);
    return this.pushGated(rest);
  }

  end(): ReplyEvent[] {
    if (this.phase === "gating") return contentEvents(this.gate.end());
    if (this.phase === "opening") return contentEvents(`${this.toolName}\n${this.held}`);
    if (this.phase !== "arguments") return [];
    const last = this.members.end();
    return this.argumentEvents({ pairs: last ? [last] : [], closed: true });
  }

  private pushGated(text: string): ReplyEvent[] {
    const decision = this.gate.push(text);
    if (decision.kind === "pending") return [];
    if (decision.kind === "content") {
      this.phase = "content";
      return contentEvents(decision.text);
    }
    this.phase = "opening";
    this.toolName = decision.name;
    return this.pushOpening(decision.rest);
  }

  /** Waits for line two's first character: `{` starts the call, anything else is content. */
  private pushOpening(text: string): ReplyEvent[] {
    this.held += text;
    const start = this.held.length - this.held.trimStart().length;
    if (start === this.held.length) return [];
    if (this.held[start] !== "{") {
      this.phase = "content";
      return contentEvents(`${this.toolName}\n${this.held}`);
    }
    this.phase = "arguments";
    this.called = true;
    const opened: ReplyEvent = {
      kind: "tool_call_start",
      index: 0,
      id: newToolCallId(),
      name: this.toolName,
    };
    return [opened, ...this.argumentEvents(this.members.push(this.held.slice(start + 1)))];
  }

  private argumentEvents(read: PairsRead): ReplyEvent[] {
    if (read.closed) this.phase = "done";
    return argumentEvents(this.json, 0, read.pairs, read.closed);
  }
}
