import type { ChatFamily } from "./types.ts";

/** The XML markup of GLM-4.5 and later: reasoning, tool calls and their arguments. */
export const GLM45_MARKERS = [
  "<think>",
  "</think>",
  "<tool_call>",
  "</tool_call>",
  "<arg_key>",
  "</arg_key>",
  "<arg_value>",
  "</arg_value>",
  "<tool_response>",
  "</tool_response>",
];

/**
 * The special tokens a family's reply parser must see as text. A GGUF may type them CONTROL
 * (from the model's `added_tokens` "special" flag), and control tokens print as nothing.
 */
export function replyMarkers(family: ChatFamily): string[] {
  if (family === "glm45" || family === "glm47") return GLM45_MARKERS;
  // GLM-Z1 thinks in <think>; ids a vocabulary lacks are skipped.
  if (family === "glm4-0414") return ["<think>", "</think>"];
  return [];
}
