import type { ReplyEvent } from "./types.ts";

/**
 * A tool call's JSON arguments written one key/value pair at a time, so every delta is a
 * prefix of the final object and the deltas concatenate to it: `{"a":1`, `,"b":2`, then `}`.
 */
export class StreamedArguments {
  private readonly keys = new Set<string>();

  /** The delta for one more pair, or undefined for a repeated key (the first value stays). */
  add(key: string, value: unknown): string | undefined {
    if (this.keys.has(key)) return undefined;
    const pair = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    const delta = this.keys.size === 0 ? `{${pair}` : `,${pair}`;
    this.keys.add(key);
    return delta;
  }

  /** The delta that closes the object. */
  close(): string {
    return this.keys.size === 0 ? "{}" : "}";
  }
}

/** Call `index`'s argument events for pairs just read: one per new key, then the close. */
export function argumentEvents(
  json: StreamedArguments,
  index: number,
  pairs: Array<[string, unknown]>,
  closed: boolean,
): ReplyEvent[] {
  const events: ReplyEvent[] = [];
  for (const [key, value] of pairs) {
    const text = json.add(key, value);
    if (text) events.push({ kind: "tool_call_arguments", index, text });
  }
  if (closed) events.push({ kind: "tool_call_arguments", index, text: json.close() });
  return events;
}
