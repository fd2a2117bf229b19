import type { ToolDefinition } from "./types.ts";

/** Names of the tools the request offered. */
export function toolNames(tools: ToolDefinition[] | undefined): string[] {
  return (tools ?? []).map((tool) => tool.function.name);
}
