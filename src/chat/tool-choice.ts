import type { ToolChoice, ToolDefinition } from "./types.ts";

/** Narrows the request's tools to what `tool_choice` allows the prompt to show. */
export function applyToolChoice(
  tools: ToolDefinition[] | undefined,
  toolChoice: ToolChoice | undefined,
): ToolDefinition[] {
  if (!tools || toolChoice === "none") return [];
  if (toolChoice === undefined || typeof toolChoice === "string") return tools;
  const wanted = toolChoice.function.name;
  return tools.filter((tool) => tool.function.name === wanted);
}
