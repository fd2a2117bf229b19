import { parsePythonLiteral } from "./python-literal.ts";
import type { ToolDefinition } from "./types.ts";

/** What a function name may be (OpenAI's rule, plus `.` and `:` for namespaced tools). */
const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * The tool a `<tool_call>` names. A whole name that was not offered is still a call, as vLLM
 * and llama-server return it, so an agent can answer "no such tool" and the model retry; the
 * XML markers leave no doubt that a call was meant. Without offered tools, or with a name that
 * is not one, there is no call (its markup then stays content).
 */
export function calledTool(
  name: string,
  tools: ToolDefinition[],
  complete: boolean,
): ToolDefinition | undefined {
  const offered = tools.find((candidate) => candidate.function.name === name);
  if (offered || !complete || tools.length === 0 || !TOOL_NAME.test(name)) return offered;
  return { type: "function", function: { name } };
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
