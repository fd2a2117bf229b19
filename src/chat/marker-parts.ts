import type { PromptPart } from "./types.ts";

/**
 * A template's own text with its markup (`<think>`, `<tool_call>`, …) as special tokens, so
 * they are the model's tokens whether its GGUF types them user-defined or control. Only for
 * text the format writes itself: user content always stays text.
 */
export function withMarkers(text: string, markers: readonly string[]): PromptPart[] {
  const parts: PromptPart[] = [];
  let rest = text;
  for (;;) {
    let at = -1;
    let found = "";
    for (const marker of markers) {
      const index = rest.indexOf(marker);
      if (index >= 0 && (at < 0 || index < at)) {
        at = index;
        found = marker;
      }
    }
    if (at < 0) break;
    if (at > 0) parts.push({ text: rest.slice(0, at) });
    parts.push({ special: found });
    rest = rest.slice(at + found.length);
  }
  if (rest.length > 0) parts.push({ text: rest });
  return parts;
}
