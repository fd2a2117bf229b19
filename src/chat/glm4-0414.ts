import { Glm4ReplyParser } from "./glm4-reply-parser.ts";
import { templateRenderer } from "./jinja-format.ts";
import { ThinkingReplyParser } from "./thinking-reply-parser.ts";
import type { ChatFormat, ChatMessage, ChatModelInfo } from "./types.ts";

/**
 * GLM-4-0414 and GLM-Z1-0414 (arch glm4): their own templates, which read tools from the
 * `tools` argument and render only user, assistant and observation turns. So tool results
 * become observations and each call an assistant turn whose metadata is the tool's name, as
 * GLM's own server passes them. Calls come back as GLM-4's `name\n{json}`; Z1 thinks first.
 */
export function createGlm40414Format(model: ChatModelInfo & { chatTemplate: string }): ChatFormat {
  const render = templateRenderer(model, toTemplateTurns);
  return {
    family: "glm4-0414",
    render: (messages, options) => render(messages, options, {}),
    stopTokens: ["<|endoftext|>", "<|user|>", "<|observation|>"],
    // Z1's template always opens <think>; 0414's never does.
    thinksByDefault: /<think>\s*\{%-?\s*endif/.test(model.chatTemplate),
    createReplyParser: (options) => {
      const calls = new Glm4ReplyParser(options.tools ?? []);
      return options.thinkingOpen
        ? new ThinkingReplyParser(calls, options.reasoning ?? false)
        : calls;
    },
  };
}

function toTemplateTurns(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.flatMap((message): Record<string, unknown>[] => {
    if (message.role === "tool") return [{ role: "observation", content: message.content ?? "" }];
    if (message.role !== "assistant" || !message.tool_calls?.length)
      return [{ role: message.role, content: message.content ?? "" }];
    const said = message.content ? [{ role: "assistant", content: message.content }] : [];
    const calls = message.tool_calls.map((call) => ({
      role: "assistant",
      metadata: call.function.name,
      content: call.function.arguments,
    }));
    return [...said, ...calls];
  });
}
