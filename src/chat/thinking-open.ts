import type { PromptPart } from "./types.ts";

/** True when the prompt ends inside an open `<think>`: the reply then starts with reasoning. */
export function endsInsideThinking(parts: PromptPart[]): boolean {
  const last = parts.at(-1);
  if (!last) return false;
  const text = "special" in last ? last.special : "templated" in last ? last.templated : last.text;
  return text.trimEnd().endsWith("<think>");
}
