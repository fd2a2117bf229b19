import { describe, expect, test } from "bun:test";
import type { CompletionEvent } from "../../../src/api/completion-service.ts";
import { responseEvents } from "../../../src/api/responses/encode.ts";
import { EngineError } from "../../../src/engine/errors.ts";

const identity = { id: "resp_1", created: 0, model: "m" };
const settings = {
  instructions: null,
  maxOutputTokens: null,
  parallelToolCalls: true,
  temperature: null,
  topP: null,
  toolChoice: "auto",
  tools: [],
  reasoningEffort: null,
  store: false,
  textFormat: { type: "text" },
};

async function* failing(): AsyncGenerator<CompletionEvent> {
  yield { kind: "content", text: "Hel" };
  throw new EngineError("internal", "the engine failed");
}

describe("Responses encoder", () => {
  test("a failure mid-stream ends with response.failed, which Codex reads as an error", async () => {
    const events: Array<{ event?: string; data: unknown }> = [];
    for await (const event of responseEvents(
      identity,
      settings,
      failing(),
      () => {},
      () => false,
    ))
      events.push(event);
    const last = events.at(-1);
    expect(last?.event).toBe("response.failed");
    expect(last?.data).toMatchObject({
      type: "response.failed",
      sequence_number: events.length - 1,
      response: {
        id: "resp_1",
        status: "failed",
        error: { code: "internal", message: "the engine failed" },
      },
    });
  });
});
