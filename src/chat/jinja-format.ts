import { Template } from "@huggingface/jinja";
import { ContentReplyParser } from "./content-reply-parser.ts";
import { parseJsonObject } from "./json-object.ts";
import type { ChatFormat, ChatMessage, ChatModelInfo, ToolCall } from "./types.ts";

/** Any other model: render its own GGUF chat template; replies are plain content. */
export function createJinjaFormat(model: ChatModelInfo & { chatTemplate: string }): ChatFormat {
  const template = new Template(model.chatTemplate);
  return {
    family: "jinja",
    render(messages, options) {
      const context: Record<string, unknown> = {
        messages: messages.map(templateMessage),
        add_generation_prompt: true,
        bos_token: model.bosText ?? "",
        eos_token: model.eosText ?? "",
      };
      const tools = options.tools ?? [];
      if (tools.length > 0) context.tools = tools;
      return [{ templated: template.render(context) }];
    },
    stopTokens: [],
    createReplyParser: () => new ContentReplyParser(),
  };
}

/** Templates expect tool-call arguments as a mapping, as transformers passes them. */
function templateMessage(message: ChatMessage): Record<string, unknown> {
  const shaped: Record<string, unknown> = { ...message, content: message.content ?? "" };
  if (message.tool_calls) shaped.tool_calls = message.tool_calls.map(templateToolCall);
  return shaped;
}

function templateToolCall(call: ToolCall): Record<string, unknown> {
  const args = parseJsonObject(call.function.arguments) ?? call.function.arguments;
  return { ...call, function: { name: call.function.name, arguments: args } };
}
