import type { ReplyEvent, ReplyParser } from "../../src/chat/types.ts";

/** What a client ends up with once a reply is over; ids are random so they are left out. */
export interface ReplySummary {
  content: string;
  reasoning?: string;
  calls: { name: string; arguments: string }[];
}

export function summarize(events: ReplyEvent[]): ReplySummary {
  let content = "";
  let reasoning = "";
  const calls: { name: string; arguments: string }[] = [];
  for (const event of events) {
    if (event.kind === "content") content += event.text;
    else if (event.kind === "reasoning") reasoning += event.text;
    else if (event.kind === "tool_call_start")
      calls[event.index] = { name: event.name, arguments: "" };
    else {
      const call = calls[event.index];
      if (!call) throw new Error(`arguments before start for call ${event.index}`);
      call.arguments += event.text;
    }
  }
  if (reasoning) return { content, reasoning, calls };
  return { content, calls };
}

export function feedEvents(parser: ReplyParser, pieces: string[]): ReplyEvent[] {
  const events: ReplyEvent[] = [];
  for (const piece of pieces) events.push(...parser.push(piece));
  events.push(...parser.end());
  return events;
}

export function feed(parser: ReplyParser, pieces: string[]): ReplySummary {
  return summarize(feedEvents(parser, pieces));
}

/** Every 2-way split, 3-way splits at a few points, and one character at a time. */
export function splitsOf(text: string): string[][] {
  const chars = Array.from(text);
  const at = (from: number, to?: number) => chars.slice(from, to).join("");
  const splits: string[][] = [];
  for (let i = 0; i <= chars.length; i += 1) splits.push([at(0, i), at(i)]);
  const points = [1, 2, 3, 5, 8, 13].filter((point) => point < chars.length);
  for (const i of points) {
    for (const j of points) if (j > i) splits.push([at(0, i), at(i, j), at(j)]);
  }
  const third = Math.floor(chars.length / 3);
  splits.push([at(0, third), at(third, 2 * third), at(2 * third)]);
  splits.push(chars);
  return splits;
}
