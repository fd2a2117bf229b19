import { Glm45ReplyParser } from "./glm45-reply-parser.ts";
import { templateMessage, templateRenderer } from "./jinja-format.ts";
import { parseJsonObject } from "./json-object.ts";
import type { ChatFormat, ChatMessage, ChatModelInfo } from "./types.ts";

/**
 * GLM-4.7, 4.7-Flash and GLM-5.x: the GGUF's own template is rendered, since each version
 * changes it (reasoning effort, deferred tools, clear_thinking) and it is the truth. Replies
 * use GLM-4.5's markup without the newlines, and start inside `<think>` when thinking is on.
 */
export function createGlm47Format(model: ChatModelInfo & { chatTemplate: string }): ChatFormat {
  const render = templateRenderer(model, (messages) => messages.map(mappedArguments));
  return {
    family: "glm47",
    render: (messages, options) =>
      render(messages, options, {
        enable_thinking: options.reasoning ?? false,
        ...(options.reasoningEffort ? { reasoning_effort: options.reasoningEffort } : {}),
      }),
    stopTokens: ["<|endoftext|>", "<|user|>", "<|observation|>", "<|assistant|>"],
    thinksByDefault: true,
    createReplyParser: (options) => new Glm45ReplyParser(options),
  };
}

/** The template writes one key/value pair per argument, so history arguments must be an object. */
function mappedArguments(message: ChatMessage): Record<string, unknown> {
  for (const call of message.tool_calls ?? []) {
    if (!parseJsonObject(call.function.arguments))
      throw new Error(`the arguments of the call to ${call.function.name} are not a JSON object`);
  }
  return templateMessage(message);
}
