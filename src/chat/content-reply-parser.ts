import { contentEvents } from "./reply-events.ts";
import type { ReplyEvent, ReplyParser } from "./types.ts";

/** Everything the model says is content; used where we know no tool-call syntax. */
export class ContentReplyParser implements ReplyParser {
  readonly sawToolCall = false;

  push(text: string): ReplyEvent[] {
    return contentEvents(text);
  }

  end(): ReplyEvent[] {
    return [];
  }
}
