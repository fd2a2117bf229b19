import { describe, expect, test } from "bun:test";
import { ApiError } from "../../../src/api/api-error.ts";
import type { CompletionEvent } from "../../../src/api/completion-service.ts";
import { messageEvents } from "../../../src/api/messages/encode.ts";
import { anthropicErrorResponse } from "../../../src/api/messages/errors.ts";
import { EngineError } from "../../../src/engine/errors.ts";

const identity = { id: "msg_1", created: 0, model: "m" };

async function* failing(): AsyncGenerator<CompletionEvent> {
  yield { kind: "content", text: "Hel" };
  throw new EngineError("internal", "the engine failed");
}

describe("Messages encoder", () => {
  test("a failure mid-stream closes nothing silently: an Anthropic error event ends it", async () => {
    const names: string[] = [];
    let last: unknown;
    for await (const event of messageEvents(
      identity,
      3,
      failing(),
      () => {},
      () => false,
    )) {
      names.push(event.event ?? "");
      last = event.data;
    }
    expect(names).toEqual(["message_start", "content_block_start", "content_block_delta", "error"]);
    expect(last).toEqual({
      type: "error",
      error: { type: "api_error", message: "the engine failed" },
    });
  });
});

describe("Anthropic error shape", () => {
  const cases: Array<[number, number, string]> = [
    [400, 400, "invalid_request_error"],
    [401, 401, "authentication_error"],
    [404, 404, "not_found_error"],
    [405, 405, "invalid_request_error"],
    [413, 413, "request_too_large"],
    [429, 429, "rate_limit_error"],
    [500, 500, "api_error"],
    [503, 529, "overloaded_error"],
  ];
  test.each(cases)("our %i is Anthropic's %i %s", async (status, wire, type) => {
    const response = anthropicErrorResponse(new ApiError(status, "why", "x", "code"), {});
    expect(response.status).toBe(wire);
    expect(await response.json()).toEqual({ type: "error", error: { type, message: "why" } });
  });
});
