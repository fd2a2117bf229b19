/** Writes JSON values back as Python literals, for ChatGLM3 `tool_call(...)` history. */
export function toPythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(toPythonRepr).join(", ")}]`;
  if (typeof value === "object") return pythonDictRepr(value as Record<string, unknown>);
  return pythonStringRepr(String(value));
}

function pythonDictRepr(dict: Record<string, unknown>): string {
  const items = Object.entries(dict).map(
    ([key, item]) => `${pythonStringRepr(key)}: ${toPythonRepr(item)}`,
  );
  return `{${items.join(", ")}}`;
}

/** Like Python's repr(): single quotes unless the text has a ' and no ". */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let body = "";
  for (const char of text) body += escapeChar(char, quote);
  return `${quote}${body}${quote}`;
}

function escapeChar(char: string, quote: string): string {
  if (char === quote || char === "\\") return `\\${char}`;
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  if (char === "\t") return "\\t";
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return char;
}
