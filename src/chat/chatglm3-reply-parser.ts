import { FirstLineGate } from "./first-line-gate.ts";
import { OptionalPrefixTrimmer } from "./optional-prefix-trimmer.ts";
import { parsePythonKeywordCall } from "./python-literal.ts";
import { contentEvents, toolCallEvents } from "./reply-events.ts";
import { newToolCallId } from "./tool-call-id.ts";
import { toolNames } from "./tool-names.ts";
import type { ReplyEvent, ReplyParser, ToolDefinition } from "./types.ts";

/** ChatGLM3's code-interpreter metadata; we have no interpreter, so its code stays content. */
const INTERPRETER = "interpreter";

const CODE_BLOCK = /^```(?:python)?[ \t]*\n([\s\S]*?)\n?```$/;

type Phase = "gating" | "content" | "tool";

/**
 * ChatGLM3 replies start with a metadata line: empty for plain text ("\n " then content), a
 * tool name followed by a ```python tool_call(...)``` block, or "interpreter" plus code.
 */
export class ChatGlm3ReplyParser implements ReplyParser {
  private phase: Phase = "gating";
  // Plain replies begin "\n " (empty metadata line, then the template's space); trim both.
  private readonly lead = new OptionalPrefixTrimmer(["\n", " "]);
  private readonly gate: FirstLineGate;
  private toolName = "";
  private toolBody = "";
  private called = false;

  constructor(tools: ToolDefinition[]) {
    this.gate = new FirstLineGate([...toolNames(tools), INTERPRETER]);
  }

  get sawToolCall(): boolean {
    return this.called;
  }

  push(text: string): ReplyEvent[] {
    if (this.phase === "content") return contentEvents(this.lead.trim(text));
    if (this.phase === "tool") {
      this.toolBody += text;
      return [];
    }
    return this.pushGated(text);
  }

  end(): ReplyEvent[] {
    if (this.phase === "gating") return contentEvents(this.lead.trim(this.gate.end()));
    if (this.phase === "content") return [];
    return this.finishToolCall();
  }

  private pushGated(text: string): ReplyEvent[] {
    const decision = this.gate.push(text);
    if (decision.kind === "pending") return [];
    this.phase = "content";
    if (decision.kind === "content") return contentEvents(this.lead.trim(decision.text));
    if (decision.name === INTERPRETER) return contentEvents(this.lead.trim(decision.rest));
    this.phase = "tool";
    this.toolName = decision.name;
    this.toolBody = decision.rest;
    return [];
  }

  private finishToolCall(): ReplyEvent[] {
    const args = parseToolCallBlock(this.toolBody);
    if (!args) return contentEvents(`${this.toolName}\n${this.toolBody}`);
    this.called = true;
    return toolCallEvents(0, newToolCallId(), this.toolName, args);
  }
}

/** The JSON arguments of a ```python tool_call(...)``` block, or undefined if it is not one. */
export function parseToolCallBlock(body: string): string | undefined {
  const block = CODE_BLOCK.exec(body.trim());
  const code = block?.[1];
  if (code === undefined) return undefined;
  const call = parsePythonKeywordCall(code.trim(), "tool_call");
  if (!call.ok) return undefined;
  return JSON.stringify(call.value);
}
