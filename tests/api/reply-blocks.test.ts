import { describe, expect, test } from "bun:test";
import type { CompletionEvent } from "../../src/api/completion-service.ts";
import { collectBlocks, replyBlocks } from "../../src/api/reply-blocks.ts";

const finish: CompletionEvent = {
  kind: "finish",
  finishReason: "tool_calls",
  usage: { promptTokens: 3, completionTokens: 4, cachedTokens: 0, reasoningTokens: 1 },
  firstTokenMs: 0,
};

async function* from(events: CompletionEvent[]): AsyncGenerator<CompletionEvent> {
  yield* events;
}

const reply: CompletionEvent[] = [
  { kind: "reasoning", text: "hm" },
  { kind: "reasoning", text: "m" },
  { kind: "content", text: "Let me " },
  { kind: "logprobs", entries: [] },
  { kind: "content", text: "look." },
  { kind: "tool_call_start", index: 0, id: "call_1", name: "f" },
  { kind: "tool_call_arguments", index: 0, text: '{"a":' },
  { kind: "tool_call_arguments", index: 0, text: "1}" },
  { kind: "tool_call_start", index: 1, id: "call_2", name: "g" },
  { kind: "tool_call_arguments", index: 1, text: "{}" },
  finish,
];

describe("replyBlocks", () => {
  test("groups events into blocks in order, each started, grown and ended", async () => {
    const kinds: string[] = [];
    for await (const event of replyBlocks(from(reply))) {
      kinds.push(event.kind === "finish" ? "finish" : `${event.kind}:${event.index}`);
    }
    expect(kinds).toEqual([
      "block_start:0",
      "block_delta:0",
      "block_delta:0",
      "block_end:0",
      "block_start:1",
      "block_delta:1",
      "block_delta:1",
      "block_end:1",
      "block_start:2",
      "block_delta:2",
      "block_delta:2",
      "block_end:2",
      "block_start:3",
      "block_delta:3",
      "block_end:3",
      "finish",
    ]);
  });

  test("the collected blocks hold each block's whole text", async () => {
    const { blocks, finish: end } = await collectBlocks(from(reply));
    expect(blocks).toEqual([
      { type: "reasoning", text: "hmm" },
      { type: "text", text: "Let me look." },
      { type: "tool_call", id: "call_1", name: "f", arguments: '{"a":1}' },
      { type: "tool_call", id: "call_2", name: "g", arguments: "{}" },
    ]);
    expect(end).toBe(finish);
  });
});
