import type { CompletionEvent, CompletionFinish } from "./completion-service.ts";

/** One block of a reply, in the order generated: text, reasoning, or one tool call. */
export type ReplyBlock =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "tool_call"; id: string; name: string; arguments: string };

/**
 * Reply events grouped into blocks, as the Messages and Responses APIs show them: a block
 * starts, grows by deltas and ends (with its whole text) before the next one starts.
 */
export type BlockEvent =
  | { kind: "block_start"; index: number; block: ReplyBlock }
  | { kind: "block_delta"; index: number; type: ReplyBlock["type"]; text: string }
  | { kind: "block_end"; index: number; block: ReplyBlock }
  | CompletionFinish;

/** Groups a completion's events into blocks; logprobs are dropped (neither protocol has them). */
export async function* replyBlocks(
  events: AsyncIterable<CompletionEvent>,
): AsyncGenerator<BlockEvent> {
  let open: ReplyBlock | undefined;
  let index = -1;
  let toolIndex = -1;
  const close = function* (): Generator<BlockEvent> {
    if (open) yield { kind: "block_end", index, block: open };
    open = undefined;
  };
  for await (const event of events) {
    switch (event.kind) {
      case "content":
      case "reasoning": {
        const type = event.kind === "content" ? "text" : "reasoning";
        if (open?.type === type) {
          open.text += event.text;
        } else {
          yield* close();
          open = { type, text: event.text };
          yield { kind: "block_start", index: ++index, block: { type, text: "" } };
        }
        yield { kind: "block_delta", index, type, text: event.text };
        break;
      }
      case "tool_call_start":
        yield* close();
        toolIndex = event.index;
        open = { type: "tool_call", id: event.id, name: event.name, arguments: "" };
        yield { kind: "block_start", index: ++index, block: { ...open } };
        break;
      case "tool_call_arguments":
        if (open?.type !== "tool_call" || event.index !== toolIndex) break;
        open.arguments += event.text;
        yield { kind: "block_delta", index, type: "tool_call", text: event.text };
        break;
      case "logprobs":
        break;
      case "finish":
        yield* close();
        yield event;
    }
  }
}

/** A whole reply's blocks and its finish, for non-streamed answers. */
export async function collectBlocks(
  events: AsyncIterable<CompletionEvent>,
): Promise<{ blocks: ReplyBlock[]; finish: CompletionFinish }> {
  const blocks: ReplyBlock[] = [];
  let finish: CompletionFinish | undefined;
  for await (const event of replyBlocks(events)) {
    if (event.kind === "block_end") blocks.push(event.block);
    else if (event.kind === "finish") finish = event;
  }
  if (!finish) throw new Error("the completion ended without a finish");
  return { blocks, finish };
}
