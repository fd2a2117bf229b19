import type { PromptPart } from "./types.ts";

/** The prompt as one string, for tests and logging; loses which parts were special. */
export function promptToText(parts: PromptPart[]): string {
  let text = "";
  for (const part of parts) {
    if ("special" in part) text += part.special;
    else if ("text" in part) text += part.text;
    else text += part.templated;
  }
  return text;
}

/**
 * Adjacent text parts as one, since the tokenizer must see text between two special tokens
 * whole (BPE merges across where a renderer happened to split it).
 */
export function joinTextParts(parts: PromptPart[]): PromptPart[] {
  const joined: PromptPart[] = [];
  for (const part of parts) {
    const last = joined.at(-1);
    if ("text" in part && last && "text" in last)
      joined[joined.length - 1] = { text: last.text + part.text };
    else joined.push(part);
  }
  return joined;
}
