import { FirstLineGate } from "./first-line-gate.ts";
import { parseJsonObject } from "./json-object.ts";
import { OptionalPrefixTrimmer } from "./optional-prefix-trimmer.ts";
import { contentEvents, toolCallEvents } from "./reply-events.ts";
import { newToolCallId } from "./tool-call-id.ts";
import { toolNames } from "./tool-names.ts";
import type { ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

type Phase = "gating" | "content" | "tool";

/**
 * GLM-4 replies are either content or `{name}\n{json}` (the model then stops at
 * <|observation|>). Arguments are buffered to the end so bad JSON can fall back to content.
 */
export class Glm4ReplyParser implements ReplyParser {
  private phase: Phase = "gating";
  // GLM-4 replies begin with a newline the template does not show; trim it.
  private readonly lead = new OptionalPrefixTrimmer(["\n"]);
  private readonly gate: FirstLineGate;
  private toolName = "";
  private toolArguments = "";
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
    if (this.phase === "tool") {
      this.toolArguments += rest;
      return [];
    }
    return this.pushGated(rest);
  }

  end(): ReplyEvent[] {
    if (this.phase === "gating") return contentEvents(this.gate.end());
    if (this.phase === "content") return [];
    return this.finishToolCall();
  }

  private pushGated(text: string): ReplyEvent[] {
    const decision = this.gate.push(text);
    if (decision.kind === "pending") return [];
    if (decision.kind === "content") {
      this.phase = "content";
      return contentEvents(decision.text);
    }
    this.phase = "tool";
    this.toolName = decision.name;
    this.toolArguments = decision.rest;
    return [];
  }

  private finishToolCall(): ReplyEvent[] {
    const args = this.toolArguments.trim();
    if (!parseJsonObject(args)) return contentEvents(`${this.toolName}\n${this.toolArguments}`);
    this.called = true;
    return toolCallEvents(0, newToolCallId(), this.toolName, args);
  }
}
