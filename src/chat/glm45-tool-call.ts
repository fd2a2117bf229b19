import { parsePythonLiteral } from "./python-literal.ts";
import type { ToolDefinition } from "./types.ts";

/** The requested tool a `<tool_call>` names, or undefined (its markup then stays content). */
export function requestedTool(name: string, tools: ToolDefinition[]): ToolDefinition | undefined {
  return tools.find((candidate) => candidate.function.name === name);
}

/** One `<arg_value>`'s value, decoded by the tool's schema for that key. */
export function argumentValue(tool: ToolDefinition, key: string, raw: string): unknown {
  return decodeValue(raw, isStringParameter(tool, key));
}

/**
 * Strings are written raw, everything else as JSON; the schema settles "42" vs 42. A value
 * that is not JSON may be a Python literal (`True`, `{'k': 1}`), as vLLM also reads it; past
 * that it stays the raw text.
 */
function decodeValue(raw: string, isString: boolean): unknown {
  if (isString) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    const python = parsePythonLiteral(raw.trim());
    return python.ok ? python.value : raw;
  }
}

function isStringParameter(tool: ToolDefinition, key: string): boolean {
  const properties = tool.function.parameters?.properties;
  if (typeof properties !== "object" || properties === null) return false;
  const schema = (properties as Record<string, unknown>)[key];
  if (typeof schema !== "object" || schema === null) return false;
  return (schema as { type?: unknown }).type === "string";
}
