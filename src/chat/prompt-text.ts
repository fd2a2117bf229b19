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
