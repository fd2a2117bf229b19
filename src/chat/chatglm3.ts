import { ChatGlm3ReplyParser } from "./chatglm3-reply-parser.ts";
import { parseJsonObject } from "./json-object.ts";
import { toPythonRepr } from "./python-repr.ts";
import type { ChatFormat, ChatMessage, PromptPart, RenderOptions, ToolCall } from "./types.ts";

const TOOLS_INTRO =
  "Answer the following questions as best as you can. You have access to the following tools:\n";

/** ChatGLM3-6B prompt format and ```python tool_call(...)``` tool calls. */
export function createChatGlm3Format(): ChatFormat {
  return {
    family: "chatglm3",
    render: renderChatGlm3Prompt,
    stopTokens: ["<|user|>", "<|observation|>"],
    thinksByDefault: false,
    createReplyParser: (options) => new ChatGlm3ReplyParser(options.tools ?? []),
  };
}

export function renderChatGlm3Prompt(
  messages: ChatMessage[],
  options: RenderOptions,
): PromptPart[] {
  const parts: PromptPart[] = [{ special: "[gMASK]" }, { special: "sop" }];
  const tools = options.tools ?? [];
  if (tools.length > 0) {
    // Bare function objects, as ChatGLM3's own README and tool demos define them ("keep the
    // format of the example for optimal performance"); chatglm.cpp's and ChatGLM3's OpenAI
    // servers dump the whole `{type, function}` wrapper, which the model never saw in its docs.
    const list = JSON.stringify(
      tools.map((tool) => tool.function),
      null,
      4,
    );
    parts.push(...turn("<|system|>", `${TOOLS_INTRO}${list}`));
  }
  for (const message of messages) parts.push(...renderMessage(message));
  parts.push({ special: "<|assistant|>" });
  return parts;
}

function renderMessage(message: ChatMessage): PromptPart[] {
  const calls = message.tool_calls ?? [];
  const parts: PromptPart[] = [];
  // A turn that only carries tool calls has no text of its own to show.
  if (message.content || calls.length === 0) {
    parts.push(...turn(roleToken(message.role), message.content ?? ""));
  }
  for (const call of calls) {
    parts.push({ special: "<|assistant|>" }, { text: encodeToolCall(call) });
  }
  return parts;
}

/** ChatGLM3 puts "\n " between the role token and the text. */
function turn(role: string, content: string): PromptPart[] {
  return [{ special: role }, { text: `\n ${content}` }];
}

/** The call as ChatGLM3 writes it: the tool name as metadata, then a python block. */
export function encodeToolCall(call: ToolCall): string {
  const args = parseJsonObject(call.function.arguments) ?? {};
  const keywords = Object.entries(args).map(([key, value]) => `${key}=${toPythonRepr(value)}`);
  return `${call.function.name}\n\`\`\`python\ntool_call(${keywords.join(", ")})\n\`\`\``;
}

function roleToken(role: ChatMessage["role"]): string {
  if (role === "tool") return "<|observation|>";
  return `<|${role}|>`;
}
