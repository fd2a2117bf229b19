import type { ChatMessage, ToolCall, ToolChoice, ToolDefinition } from "../../chat/types.ts";
import type { ApiError } from "../api-error.ts";
import type { CompletionRequest } from "../completion-request.ts";
import { invalidValue as invalid, requiredString, stringField } from "../request-checks.ts";
import { samplingOf, stopStringsOf } from "../sampling.ts";
import type { SkipTool } from "../skipped-tools.ts";
import type { ContentBlock, CountTokensRequest, MessagesRequest, MessagesTool } from "./schemas.ts";

/**
 * Claude Code opens its system prompt with this line, and its value changes on every request;
 * left in, no turn would ever reuse the cached history.
 */
const BILLING_HEADER = /^x-anthropic-billing-header:.*(\r?\n|$)/gm;

/** A Messages request as the completion core takes it. */
export function toCompletionRequest(body: MessagesRequest, skipTool: SkipTool): CompletionRequest {
  return {
    ...conversationOf(body, skipTool),
    sampling: samplingOf(body),
    maxTokens: body.max_tokens,
    stops: stopStringsOf(body.stop_sequences),
  };
}

/** The conversation, tools and thinking switch: all that count_tokens needs. */
export function conversationOf(
  body: CountTokensRequest,
  skipTool: SkipTool,
): Omit<CompletionRequest, "sampling" | "stops"> {
  const toolChoice = toolChoiceOf(body.tool_choice);
  const reasoning = body.thinking === undefined ? undefined : body.thinking.type !== "disabled";
  return {
    messages: [...systemOf(body.system), ...body.messages.flatMap(toChatMessages)],
    tools: toolsOf(body.tools ?? [], skipTool),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    ...(reasoning !== undefined ? { reasoning } : {}),
    ...(body.tool_choice?.disable_parallel_tool_use ? { parallelToolCalls: false } : {}),
    conversationParam: "messages",
  };
}

function systemOf(system: MessagesRequest["system"]): ChatMessage[] {
  if (system === undefined) return [];
  const text = typeof system === "string" ? system : system.map((block) => block.text).join("\n");
  const kept = text.replace(BILLING_HEADER, "");
  return kept === "" ? [] : [{ role: "system", content: kept }];
}

/** One Anthropic message: a user turn may carry tool results, which GLM keeps as tool turns. */
function toChatMessages(message: MessagesRequest["messages"][number], at: number): ChatMessage[] {
  if (typeof message.content === "string")
    return [{ role: message.role, content: message.content }];
  const blocks = message.content;
  const where = (index: number) => `messages.${at}.content.${index}`;
  if (message.role === "assistant") return [assistantMessage(blocks, where)];
  if (message.role === "system")
    return [
      { role: "system", content: blocks.map((block, i) => userText(block, where(i))).join("\n") },
    ];
  const results: ChatMessage[] = [];
  const texts: string[] = [];
  blocks.forEach((block, index) => {
    if (block.type === "tool_result") results.push(toolResult(block, where(index)));
    else texts.push(userText(block, where(index)));
  });
  return texts.length > 0 ? [...results, { role: "user", content: texts.join("\n") }] : results;
}

function assistantMessage(blocks: ContentBlock[], where: (index: number) => string): ChatMessage {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const calls: ToolCall[] = [];
  blocks.forEach((block, index) => {
    switch (block.type) {
      case "text":
        texts.push(stringField(block.text, `${where(index)}.text`));
        break;
      case "thinking":
        reasoning.push(stringField(block.thinking, `${where(index)}.thinking`));
        break;
      case "redacted_thinking":
        break; // opaque to every model but the one that wrote it
      case "tool_use":
        calls.push({
          id: requiredString(block.id, `${where(index)}.id`),
          type: "function",
          function: {
            name: requiredString(block.name, `${where(index)}.name`),
            arguments: JSON.stringify(block.input ?? {}),
          },
        });
        break;
      default:
        throw unsupportedBlock(block, where(index));
    }
  });
  return {
    role: "assistant",
    content: texts.length > 0 ? texts.join("") : null,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join("\n") } : {}),
  };
}

function userText(block: ContentBlock, param: string): string {
  if (block.type === "text") return stringField(block.text, `${param}.text`);
  throw unsupportedBlock(block, param);
}

function toolResult(block: ContentBlock, param: string): ChatMessage {
  const text = toolResultText(block.content, param);
  return {
    role: "tool",
    tool_call_id: requiredString(block.tool_use_id, `${param}.tool_use_id`),
    // GLM's observation turn has no error flag; say it in words the model reads.
    content: block.is_error ? `Error: ${text}` : text,
  };
}

/** A tool result's content: a string, or text blocks (anything else is refused). */
function toolResultText(content: unknown, param: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content))
    throw invalid(`${param}.content must be a string or an array of text blocks`, param);
  return content
    .map((part: unknown, index) => {
      const block = part as ContentBlock;
      if (block?.type === "text" && typeof block.text === "string") return block.text;
      throw unsupportedBlock(block, `${param}.content.${index}`);
    })
    .join("\n");
}

function toolsOf(tools: MessagesTool[], skipTool: SkipTool): ToolDefinition[] {
  return tools.flatMap((tool, index) => {
    // Server tools (web_search_…, bash_…) run at Anthropic, not here.
    if (tool.type !== undefined && tool.type !== "custom") {
      skipTool(tool.type, tool.name);
      return [];
    }
    if (tool.input_schema === undefined)
      throw invalid(
        `tools.${index}.input_schema is required for a client tool`,
        `tools.${index}.input_schema`,
      );
    return [
      {
        type: "function" as const,
        function: {
          name: tool.name,
          ...(tool.description !== undefined ? { description: tool.description } : {}),
          parameters: tool.input_schema,
        },
      },
    ];
  });
}

function toolChoiceOf(choice: MessagesRequest["tool_choice"]): ToolChoice | undefined {
  if (choice === undefined) return undefined;
  switch (choice.type) {
    case "auto":
      return "auto";
    case "none":
      return "none";
    case "any":
      return "required";
    case "tool":
      if (!choice.name) throw invalid("tool_choice of type tool needs a name", "tool_choice.name");
      return { type: "function", function: { name: choice.name } };
  }
}

function unsupportedBlock(block: ContentBlock | undefined, param: string): ApiError {
  const type = block?.type;
  if (type === "image" || type === "document")
    return invalid(`${param}: ${type} blocks are not supported; this model takes text only`, param);
  return invalid(`${param}: unsupported content block type '${String(type)}' here`, param);
}
