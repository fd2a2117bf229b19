import { readFileSync } from "node:fs";
import type { ChatMessage, ToolDefinition } from "../../src/chat/types.ts";

/** A version's published chat template, from tests/fixtures/glm-templates. */
export function officialTemplate(version: string): string {
  return readFileSync(`${import.meta.dir}/../fixtures/glm-templates/${version}.jinja`, "utf8");
}

export const weather: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "天气",
    parameters: { type: "object", properties: { city: { type: "string" } } },
  },
};

export function weatherCall(id: string, args: Record<string, unknown>) {
  return {
    id,
    type: "function" as const,
    function: { name: "get_weather", arguments: JSON.stringify(args) },
  };
}

/** Messages as transformers hands them to a template: content a string, arguments a mapping. */
export function asTransformersPasses(messages: ChatMessage[]): Record<string, unknown>[] {
  return messages.map((message) => ({
    ...message,
    content: message.content ?? "",
    ...(message.tool_calls
      ? {
          tool_calls: message.tool_calls.map((tc) => ({
            ...tc,
            function: { name: tc.function.name, arguments: JSON.parse(tc.function.arguments) },
          })),
        }
      : {}),
  }));
}
