import { describe, expect, test } from "bun:test";
import { ApiError } from "../../src/api/api-error.ts";
import { toApiError } from "../../src/api/error-mapper.ts";
import { EngineError, type EngineErrorCode } from "../../src/engine/errors.ts";
import { QueueFullError } from "../../src/queue.ts";

describe("toApiError", () => {
  test("an ApiError passes through unchanged", () => {
    const error = new ApiError(418, "teapot");
    expect(toApiError("UNKNOWN", error)).toBe(error);
  });

  test("a full queue is 429 rate_limit_error with Retry-After", () => {
    const error = toApiError("UNKNOWN", new QueueFullError(3));
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_error");
    expect(error.code).toBe("queue_full");
    expect(error.headers["retry-after"]).toBe("1");
    expect(error.message).toContain("3 requests");
  });

  const engineCases: Array<[EngineErrorCode, number, string]> = [
    ["context_length_exceeded", 400, "context_length_exceeded"],
    ["invalid_request", 400, "invalid_request"],
    ["closed", 503, "shutting_down"],
    ["internal", 500, "internal"],
    ["invalid_model", 500, "invalid_model"],
  ];
  test.each(engineCases)("engine %s is %d %s", (code, status, apiCode) => {
    const error = toApiError("UNKNOWN", new EngineError(code, "native said no"));
    expect(error.status).toBe(status);
    expect(error.code).toBe(apiCode);
  });

  test("a failure after the client hung up is 499 client_closed", () => {
    const error = toApiError("UNKNOWN", new Error("client disconnected"), true);
    expect([error.status, error.code]).toEqual([499, "client_closed"]);
  });

  test("an ApiError stays itself even after the client hung up", () => {
    const error = new ApiError(400, "bad");
    expect(toApiError("UNKNOWN", error, true)).toBe(error);
  });

  test("a stack overflow from input nested too deeply is a 400, other RangeErrors a 500", () => {
    const deep = toApiError("UNKNOWN", new RangeError("Maximum call stack size exceeded."));
    expect([deep.status, deep.code]).toEqual([400, "invalid_value"]);
    expect(toApiError("UNKNOWN", new RangeError("Invalid array length")).status).toBe(500);
  });

  test("a parse failure is 400 invalid_json", () => {
    const error = toApiError("PARSE", new Error("Unexpected token"));
    expect([error.status, error.code]).toEqual([400, "invalid_json"]);
  });

  test("a validation failure without its own text names the path", () => {
    const error = toApiError("VALIDATION", {
      all: [{ path: "/messages/2/content", summary: "Expected string" }],
    });
    expect(error.status).toBe(400);
    expect(error.param).toBe("messages.2.content");
    expect(error.message).toBe("invalid 'messages.2.content': Expected string");
  });

  test("anything else is 500 server_error in OpenAI's shape", () => {
    const error = toApiError("UNKNOWN", new TypeError("boom"));
    expect(error.status).toBe(500);
    expect(error.body()).toEqual({
      error: {
        message: "internal error: boom",
        type: "server_error",
        param: null,
        code: "internal_error",
      },
    });
  });
});
