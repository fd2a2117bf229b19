import { Glm4ReplyParser } from "./glm4-reply-parser.ts";
import type {
  ChatFormat,
  ChatMessage,
  PromptPart,
  RenderOptions,
  ToolDefinition,
} from "./types.ts";

const TOOLS_HEADING = "\n\n# 可用工具";

/** GLM-4's built-in system preamble, used when the model's template does not carry one. */
export const GLM4_DEFAULT_PREAMBLE =
  "你是一个名为 ChatGLM 的人工智能助手。你是基于智谱AI训练的语言模型 GLM-4 模型开发的，你的任务是针对用户的问题和要求提供适当的答复和支持。";

const CALL_HINT = "\n在调用上述函数时，请使用 Json 格式表示调用的参数。";

/** GLM-4 (glm-4-9b-chat style) prompt format and `{name}\n{json}` tool calls. */
export function createGlm4Format(chatTemplate: string | null): ChatFormat {
  const preamble = preambleFromTemplate(chatTemplate) ?? GLM4_DEFAULT_PREAMBLE;
  return {
    family: "glm4",
    render: (messages, options) => renderGlm4Prompt(messages, options, preamble),
    stopTokens: ["<|endoftext|>", "<|user|>", "<|observation|>"],
    thinksByDefault: false,
    createReplyParser: (options) => new Glm4ReplyParser(options.tools ?? []),
  };
}

/** The model's own preamble text, so a fine-tune's wording wins over our copy. */
export function preambleFromTemplate(chatTemplate: string | null): string | undefined {
  if (!chatTemplate) return undefined;
  const heading = chatTemplate.indexOf(TOOLS_HEADING);
  if (heading < 0) return undefined;
  const systemTag = "<|system|>\n";
  const start = chatTemplate.lastIndexOf(systemTag, heading);
  if (start < 0) return undefined;
  const preamble = chatTemplate.slice(start + systemTag.length, heading);
  // Template syntax inside means the preamble is computed, which we cannot reproduce.
  if (preamble.includes("{{") || preamble.includes("{%")) return undefined;
  return preamble;
}

export function renderGlm4Prompt(
  messages: ChatMessage[],
  options: RenderOptions,
  preamble: string = GLM4_DEFAULT_PREAMBLE,
): PromptPart[] {
  const parts: PromptPart[] = [{ special: "[gMASK]" }, { special: "<sop>" }];
  const tools = options.tools ?? [];
  if (tools.length > 0) {
    parts.push({ special: "<|system|>" }, { text: `\n${preamble}${renderToolList(tools)}` });
  }
  for (const message of messages) parts.push(...renderMessage(message));
  parts.push({ special: "<|assistant|>" });
  return parts;
}

function renderToolList(tools: ToolDefinition[]): string {
  let text = TOOLS_HEADING;
  for (const tool of tools) {
    const json = JSON.stringify(tool.function, null, 4);
    // The template writes "\n\n## " right after `{% if %}`, whose first newline trim_blocks
    // eats, so transformers, vLLM and llama-server all render one.
    text += `\n## ${tool.function.name}\n\n${json}${CALL_HINT}`;
  }
  return text;
}

function renderMessage(message: ChatMessage): PromptPart[] {
  const parts: PromptPart[] = [];
  // Like the template's `if item['content']`: empty turns vanish.
  if (message.content) {
    parts.push({ special: roleToken(message.role) }, { text: `\n${message.content}` });
  }
  for (const call of message.tool_calls ?? []) {
    const { name, arguments: args } = call.function;
    parts.push({ special: "<|assistant|>" }, { text: `${name}\n${args}` });
  }
  return parts;
}

function roleToken(role: ChatMessage["role"]): string {
  if (role === "tool") return "<|observation|>";
  return `<|${role}|>`;
}
