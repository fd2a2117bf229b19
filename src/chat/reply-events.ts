import type { ReplyEvent } from "./types.ts";

/** A content event, or none for empty text (clients should never see empty deltas). */
export function contentEvents(text: string): ReplyEvent[] {
  if (text.length === 0) return [];
  return [{ kind: "content", text }];
}

/** The two events that make one complete tool call. */
export function toolCallEvents(
  index: number,
  id: string,
  name: string,
  args: string,
): ReplyEvent[] {
  return [
    { kind: "tool_call_start", index, id, name },
    { kind: "tool_call_arguments", index, text: args },
  ];
}
