import { parsePythonLiteral } from "./python-literal.ts";
import type { ToolDefinition } from "./types.ts";

const ARGUMENT = /<arg_key>([\s\S]*?)<\/arg_key>\s*<arg_value>([\s\S]*?)<\/arg_value>/g;

/**
 * Reads the inside of one `<tool_call>…</tool_call>`: the name, then key/value pairs.
 * Returns undefined when the name is not a requested tool.
 */
export function parseGlm45ToolCall(
  block: string,
  tools: ToolDefinition[],
): { name: string; arguments: string } | undefined {
  const nameEnd = block.search(/\n|<arg_key>/);
  const name = (nameEnd < 0 ? block : block.slice(0, nameEnd)).trim();
  const tool = tools.find((candidate) => candidate.function.name === name);
  if (!tool) return undefined;
  const args: Record<string, unknown> = {};
  for (const match of block.matchAll(ARGUMENT)) {
    const key = (match[1] ?? "").trim();
    const value = match[2] ?? "";
    Object.defineProperty(args, key, {
      value: decodeValue(value, isStringParameter(tool, key)),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { name, arguments: JSON.stringify(args) };
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
