import { Template } from "@huggingface/jinja";
import { ContentReplyParser } from "./content-reply-parser.ts";
import { parseJsonObject } from "./json-object.ts";
import type {
  ChatFormat,
  ChatMessage,
  ChatModelInfo,
  PromptPart,
  RenderOptions,
  ToolCall,
} from "./types.ts";

/** Any other model: render its own GGUF chat template; replies are plain content. */
export function createJinjaFormat(model: ChatModelInfo & { chatTemplate: string }): ChatFormat {
  const render = templateRenderer(model);
  return {
    family: "jinja",
    render: (messages, options) => render(messages, options, {}),
    stopTokens: [],
    thinksByDefault: false,
    createReplyParser: () => new ContentReplyParser(),
  };
}

/**
 * Renders the model's template as transformers' apply_chat_template would, plus `extra`;
 * `shape` turns our messages into the turns the template reads.
 */
export function templateRenderer(
  model: ChatModelInfo & { chatTemplate: string },
  shape: (messages: ChatMessage[]) => Record<string, unknown>[] = (messages) =>
    messages.map(templateMessage),
) {
  const template = new Template(model.chatTemplate);
  return (
    messages: ChatMessage[],
    options: RenderOptions,
    extra: Record<string, unknown>,
  ): PromptPart[] => {
    const context: Record<string, unknown> = {
      messages: shape(messages),
      add_generation_prompt: true,
      bos_token: model.bosText ?? "",
      eos_token: model.eosText ?? "",
      ...extra,
    };
    const tools = options.tools ?? [];
    if (tools.length > 0) context.tools = tools;
    return [{ templated: template.render(context) }];
  };
}

/** Templates expect tool-call arguments as a mapping, as transformers passes them. */
export function templateMessage(message: ChatMessage): Record<string, unknown> {
  const shaped: Record<string, unknown> = { ...message, content: message.content ?? "" };
  if (message.tool_calls) shaped.tool_calls = message.tool_calls.map(templateToolCall);
  return shaped;
}

function templateToolCall(call: ToolCall): Record<string, unknown> {
  const args = parseJsonObject(call.function.arguments) ?? call.function.arguments;
  return { ...call, function: { name: call.function.name, arguments: args } };
}
