import { Glm45ReplyParser } from "./glm45-reply-parser.ts";
import { parseJsonObject } from "./json-object.ts";
import { withMarkers } from "./marker-parts.ts";
import { toPythonJson } from "./python-json.ts";
import { GLM45_MARKERS } from "./reply-markers.ts";
import type {
  ChatFormat,
  ChatMessage,
  PromptPart,
  RenderOptions,
  ToolDefinition,
} from "./types.ts";

const TOOLS_INTRO =
  "\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
  "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n";

const TOOLS_OUTRO =
  "</tools>\n\nFor each function call, output the function name and arguments within the " +
  "following XML format:\n<tool_call>{function-name}\n<arg_key>{arg-key-1}</arg_key>\n" +
  "<arg_value>{arg-value-1}</arg_value>\n<arg_key>{arg-key-2}</arg_key>\n" +
  "<arg_value>{arg-value-2}</arg_value>\n...\n</tool_call>";

/** GLM-4.5 / 4.6 (glm4moe) prompt format, with <think> reasoning and XML tool calls. */
export function createGlm45Format(): ChatFormat {
  return {
    family: "glm45",
    render: renderGlm45Prompt,
    // The official guide lists <|assistant|> too: a model that starts a new turn has finished.
    stopTokens: ["<|endoftext|>", "<|user|>", "<|observation|>", "<|assistant|>"],
    thinksByDefault: true,
    createReplyParser: (options) => new Glm45ReplyParser(options),
  };
}

export function renderGlm45Prompt(messages: ChatMessage[], options: RenderOptions): PromptPart[] {
  const parts: PromptPart[] = [{ special: "[gMASK]" }, { special: "<sop>" }];
  const tools = options.tools ?? [];
  if (tools.length > 0) parts.push({ special: "<|system|>" }, ...renderToolList(tools));
  const lastUser = messages.findLastIndex((message) => message.role === "user");
  messages.forEach((message, index) => {
    const previous = messages[index - 1];
    if (message.role === "assistant") parts.push(...renderAssistant(message, index > lastUser));
    else parts.push(...renderMessage(message, previous, options));
  });
  parts.push({ special: "<|assistant|>" });
  // The template's enable_thinking=false: an empty think block tells the model to skip it.
  if (!options.reasoning) parts.push({ text: "\n" }, THINK, END_THINK);
  return parts;
}

const THINK: PromptPart = { special: "<think>" };
const END_THINK: PromptPart = { special: "</think>" };

function renderToolList(tools: ToolDefinition[]): PromptPart[] {
  // Like the template's `tool | tojson`: the whole tool object, one per line.
  // The client's tool JSON stays text; only the template's own words carry markup tokens.
  const lines = tools.map((tool) => `${toPythonJson(tool)}\n`).join("");
  return [
    ...withMarkers(TOOLS_INTRO, GLM45_MARKERS),
    { text: lines },
    ...withMarkers(TOOLS_OUTRO, GLM45_MARKERS),
  ];
}

function renderMessage(
  message: ChatMessage,
  previous: ChatMessage | undefined,
  options: RenderOptions,
): PromptPart[] {
  const content = message.content ?? "";
  if (message.role === "user")
    return [{ special: "<|user|>" }, { text: userText(content, options) }];
  if (message.role !== "tool") {
    return [{ special: `<|${message.role}|>` }, { text: `\n${content}` }];
  }
  const response: PromptPart[] = [
    { text: "\n" },
    { special: "<tool_response>" },
    { text: `\n${content}\n` },
    { special: "</tool_response>" },
  ];
  // Consecutive tool results share one observation turn.
  if (previous?.role === "tool") return response;
  return [{ special: "<|observation|>" }, ...response];
}

/** The template's enable_thinking=false also appends the "/nothink" soft switch to user turns. */
function userText(content: string, options: RenderOptions): string {
  if (options.reasoning || content.endsWith("/nothink")) return `\n${content}`;
  return `\n${content}/nothink`;
}

/** Reasoning is kept only for turns after the last user message (an in-progress tool loop). */
function renderAssistant(message: ChatMessage, keepReasoning: boolean): PromptPart[] {
  const split = splitReasoning(message.content ?? "");
  // The template prefers an explicit reasoning_content over <think> inside the content.
  const reasoning = message.reasoning_content ?? split.reasoning;
  const content = split.content;
  const kept = keepReasoning && reasoning ? [{ text: reasoning.trim() }] : [];
  const parts: PromptPart[] = [
    { special: "<|assistant|>" },
    { text: "\n" },
    THINK,
    ...kept,
    END_THINK,
  ];
  if (content.trim()) parts.push({ text: `\n${content.trim()}` });
  for (const call of message.tool_calls ?? []) parts.push(...encodeToolCall(call.function));
  return parts;
}

/** Splits "<think>r</think>c" the way the template does; no </think> means no reasoning. */
function splitReasoning(content: string): { reasoning: string; content: string } {
  const close = content.indexOf("</think>");
  if (close < 0) return { reasoning: "", content };
  const before = content.slice(0, close).replace(/\n+$/, "");
  const open = before.lastIndexOf("<think>");
  const reasoning = before.slice(open < 0 ? 0 : open + "<think>".length).replace(/^\n+/, "");
  const after = content.slice(content.lastIndexOf("</think>") + "</think>".length);
  return { reasoning, content: after.replace(/^\n+/, "") };
}

function encodeToolCall(call: { name: string; arguments: string }): PromptPart[] {
  const args = parseJsonObject(call.arguments);
  // The format writes one key/value pair per argument, so there must be keys to write.
  if (!args) throw new Error(`the arguments of the call to ${call.name} are not a JSON object`);
  const parts: PromptPart[] = [
    { text: "\n" },
    { special: "<tool_call>" },
    { text: `${call.name}\n` },
  ];
  for (const [key, value] of Object.entries(args)) {
    const encoded = typeof value === "string" ? value : toPythonJson(value);
    parts.push({ special: "<arg_key>" }, { text: key }, { special: "</arg_key>" }, { text: "\n" });
    parts.push({ special: "<arg_value>" }, { text: encoded }, { special: "</arg_value>" });
    parts.push({ text: "\n" });
  }
  parts.push({ special: "</tool_call>" });
  return parts;
}
