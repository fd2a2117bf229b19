/**
 * JSON as Python's json.dumps writes it by default (", " and ": " separators, non-ASCII kept),
 * which is what `tojson` in the GLM-4.5 template produces and what the model was trained on.
 */
export function toPythonJson(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(toPythonJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const items = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${JSON.stringify(key)}: ${toPythonJson(item)}`);
    return `{${items.join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
