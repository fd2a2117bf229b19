import type { ChatMessage, ToolChoice, ToolDefinition } from "../../chat/types.ts";
import { ApiError } from "../api-error.ts";
import type { CompletionRequest } from "../completion-request.ts";
import { invalidValue as invalid, requiredString } from "../request-checks.ts";
import { grammarOf, type OutputFormat, samplingOf } from "../sampling.ts";
import type { SkipTool } from "../skipped-tools.ts";
import type {
  ContentPart,
  InputItem,
  InputTokensRequest,
  ResponsesRequest,
  ResponsesTool,
} from "./schemas.ts";

/** A Responses request as the completion core takes it. */
export function toCompletionRequest(body: ResponsesRequest, skipTool: SkipTool): CompletionRequest {
  const grammar = grammarOf(outputFormatOf(body), "text.format.schema");
  return {
    ...conversationOf(body, skipTool),
    sampling: samplingOf(body),
    ...(body.max_output_tokens ? { maxTokens: body.max_output_tokens } : {}),
    stops: [],
    ...(grammar !== undefined ? { grammar } : {}),
  };
}

/** The conversation, tools and thinking switch: all that input_tokens needs. */
export function conversationOf(
  body: InputTokensRequest,
  skipTool: SkipTool,
): Omit<CompletionRequest, "sampling" | "stops"> {
  if (body.previous_response_id) {
    throw new ApiError(
      400,
      "previous_response_id is not supported: this server keeps no responses; send the whole conversation in input",
      "invalid_request_error",
      "unsupported_parameter",
      "previous_response_id",
    );
  }
  const system: ChatMessage[] = body.instructions
    ? [{ role: "system", content: body.instructions }]
    : [];
  const items = typeof body.input === "string" ? [] : body.input;
  const messages =
    typeof body.input === "string"
      ? [{ role: "user" as const, content: body.input }]
      : toChatMessages(items);
  const toolChoice = toolChoiceOf(body.tool_choice);
  const effort = body.reasoning?.effort;
  return {
    messages: [...system, ...messages],
    tools: toolsOf(body.tools ?? [], skipTool),
    ...(toolChoice !== undefined ? { toolChoice } : {}),
    ...(typeof effort === "string" ? { reasoning: effort !== "none" } : {}),
    ...(typeof effort === "string" && effort !== "none" ? { reasoningEffort: effort } : {}),
    ...(body.parallel_tool_calls === false ? { parallelToolCalls: false } : {}),
    conversationParam: "input",
  };
}

/**
 * Input items in order. Function calls join the assistant turn before them, and a reasoning
 * item goes with the assistant turn that follows it.
 */
function toChatMessages(items: InputItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let reasoning: string | undefined;
  const assistantTurn = (): ChatMessage => {
    const last = messages.at(-1);
    if (last?.role === "assistant" && !(reasoning && last.tool_calls)) return last;
    const turn: ChatMessage = { role: "assistant", content: null };
    messages.push(turn);
    return turn;
  };
  const takeReasoning = (turn: ChatMessage) => {
    if (reasoning === undefined) return;
    turn.reasoning_content = turn.reasoning_content
      ? `${turn.reasoning_content}\n${reasoning}`
      : reasoning;
    reasoning = undefined;
  };
  items.forEach((item, index) => {
    const param = `input.${index}`;
    const type = item.type ?? "message";
    if (type === "reasoning") {
      const text = reasoningText(item);
      if (text !== undefined) reasoning = reasoning ? `${reasoning}\n${text}` : text;
    } else if (type === "function_call") {
      const turn = assistantTurn();
      takeReasoning(turn);
      turn.tool_calls = [
        ...(turn.tool_calls ?? []),
        {
          id: requiredString(item.call_id, `${param}.call_id`),
          type: "function",
          function: {
            name: requiredString(item.name, `${param}.name`),
            arguments: item.arguments ?? "{}",
          },
        },
      ];
    } else if (type === "function_call_output") {
      reasoning = undefined; // reasoning belongs to the assistant turn right after it
      messages.push({
        role: "tool",
        tool_call_id: requiredString(item.call_id, `${param}.call_id`),
        content: outputText(item.output, `${param}.output`),
      });
    } else if (type === "message") {
      const role = roleOf(item.role, `${param}.role`);
      const content = partsText(item.content, `${param}.content`);
      if (role === "assistant") {
        const turn: ChatMessage = { role, content };
        takeReasoning(turn);
        messages.push(turn);
      } else {
        reasoning = undefined;
        messages.push({ role, content });
      }
    } else {
      throw invalid(
        `${param}: input items of type '${type}' are not supported; send message, function_call, function_call_output or reasoning items`,
        `${param}.type`,
      );
    }
  });
  return messages;
}

function roleOf(role: string | undefined, param: string): ChatMessage["role"] {
  if (role === "user" || role === "assistant" || role === "system") return role;
  if (role === "developer") return "system";
  throw invalid(`${param} must be user, assistant, system or developer`, param);
}

const TEXT_PARTS = new Set(["input_text", "output_text", "text", "summary_text", "reasoning_text"]);

function partsText(content: InputItem["content"], param: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  return content.map((part, index) => partText(part, `${param}.${index}`)).join("");
}

function partText(part: ContentPart, param: string): string {
  if (TEXT_PARTS.has(part.type) && typeof part.text === "string") return part.text;
  if (part.type === "input_image" || part.type === "input_file" || part.type === "input_audio")
    throw invalid(`${param}: ${part.type} is not supported; this model takes text only`, param);
  throw invalid(`${param}: unsupported content part type '${part.type}'`, `${param}.type`);
}

function outputText(output: InputItem["output"], param: string): string {
  if (output === undefined) throw invalid(`${param} is required`, param);
  if (typeof output === "string") return output;
  return output.map((part, index) => partText(part, `${param}.${index}`)).join("");
}

/** A reasoning item's text: its reasoning_text content, else its summary. */
function reasoningText(item: InputItem): string | undefined {
  const parts =
    Array.isArray(item.content) && item.content.length > 0 ? item.content : item.summary;
  const text = (parts ?? [])
    .map((part) => part.text ?? "")
    .join("\n")
    .trim();
  return text === "" ? undefined : text;
}

function toolsOf(tools: ResponsesTool[], skipTool: SkipTool): ToolDefinition[] {
  return tools.flatMap((tool, index) => {
    // Codex always offers some tool types that only OpenAI runs (web_search, …); skip them.
    if (tool.type !== "function") {
      skipTool(tool.type, tool.name);
      return [];
    }
    const name = requiredString(tool.name, `tools.${index}.name`);
    return [
      {
        type: "function" as const,
        function: {
          name,
          ...(tool.description ? { description: tool.description } : {}),
          ...(tool.parameters ? { parameters: tool.parameters } : {}),
        },
      },
    ];
  });
}

function toolChoiceOf(choice: ResponsesRequest["tool_choice"]): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === "string") return choice;
  return { type: "function", function: { name: choice.name } };
}

function outputFormatOf(body: ResponsesRequest): OutputFormat | undefined {
  const format = body.text?.format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return format;
  return { type: "json_schema", schema: format.schema };
}
