import { describe, expect, test } from "bun:test";
import { type AppConfig, createApp } from "../../src/api/app.ts";
import { ServerState } from "../../src/api/server-state.ts";
import { RequestLog } from "../../src/request-log.ts";

/** An app with no model loaded: every path that needs the engine answers 503. */
function loadingApp(config: Partial<AppConfig> = {}) {
  const lines: string[] = [];
  const app = createApp(
    new ServerState("m"),
    { apiKeys: [], corsOrigin: ["*"], maxBody: 1 << 20, timeout: 30, ...config },
    new RequestLog((line) => lines.push(line)),
  );
  return { app, lines };
}

async function call(
  app: ReturnType<typeof loadingApp>["app"],
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await app.handle(new Request(`http://localhost${path}`, init));
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : "" };
}

function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

interface ErrorFields {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** Checks OpenAI's error shape exactly and returns its fields. */
function errorOf(body: unknown): ErrorFields {
  expect(Object.keys(body as object)).toEqual(["error"]);
  const error = (body as { error: ErrorFields }).error;
  expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
  expect(typeof error.message).toBe("string");
  expect(typeof error.type).toBe("string");
  return error;
}

function expectOpenAiError(body: unknown, code: string): void {
  expect(errorOf(body).code).toBe(code);
}

const user = [{ role: "user", content: "hi" }];

describe("while the model loads", () => {
  test("/health answers 503 with Retry-After", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/health");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("2");
    expectOpenAiError(response.body, "model_loading");
  });

  test("/v1/chat/completions answers 503 in OpenAI's shape", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/chat/completions", postJson({ messages: user }));
    expect(response.status).toBe(503);
    expect(errorOf(response.body)).toEqual({
      message: "the model is loading (0%)",
      type: "unavailable_error",
      param: null,
      code: "model_loading",
    });
  });

  test("/slots answers 503", async () => {
    const { app } = loadingApp();
    expect((await call(app, "/slots")).status).toBe(503);
  });

  test("the load progress shows in the message", async () => {
    const state = new ServerState("m");
    state.loadProgress = 0.42;
    const app = createApp(
      state,
      { apiKeys: [], corsOrigin: ["*"], maxBody: 1 << 20, timeout: 30 },
      new RequestLog(() => {}),
    );
    const response = await call(app, "/health");
    expect((response.body as { error: { message: string } }).error.message).toContain("42%");
  });

  test("/v1/models needs no model and lists the one id", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/models");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ object: "list", data: [{ id: "m", object: "model" }] });
  });

  test("a draining server answers 503 shutting_down", async () => {
    const state = new ServerState("m");
    await state.drain(0);
    const app = createApp(
      state,
      { apiKeys: [], corsOrigin: ["*"], maxBody: 1 << 20, timeout: 30 },
      new RequestLog(() => {}),
    );
    const response = await call(app, "/health");
    expect(response.status).toBe(503);
    expectOpenAiError(response.body, "shutting_down");
  });
});

describe("routing errors", () => {
  test("an unknown route is 404 not_found", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/no-such-route", postJson({ input: "x" }));
    expect(response.status).toBe(404);
    expectOpenAiError(response.body, "not_found");
  });

  test("an unknown model id is 404 model_not_found naming the id", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/models/gpt-4o");
    expect(response.status).toBe(404);
    expectOpenAiError(response.body, "model_not_found");
    expect(response.body).toMatchObject({ error: { param: "id" } });
    expect((response.body as { error: { message: string } }).error.message).toContain("gpt-4o");
  });

  test("the served model id is found", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/models/m");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: "m", object: "model", owned_by: "glm-serve" });
  });

  const wrongMethods: Array<[string, string, string]> = [
    ["GET", "/v1/chat/completions", "POST"],
    ["PUT", "/v1/chat/completions", "POST"],
    ["DELETE", "/v1/models", "GET"],
    ["POST", "/v1/models/m", "GET"],
    ["POST", "/health", "GET"],
    ["POST", "/slots", "GET"],
  ];
  test.each(wrongMethods)("%s %s is 405 with Allow: %s", async (method, path, allow) => {
    const { app } = loadingApp();
    const response = await call(app, path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    expectOpenAiError(response.body, "method_not_allowed");
  });

  test("failures are logged as one JSON line with status and code", async () => {
    const { app, lines } = loadingApp();
    await call(app, "/nope");
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ event: "error", path: "/nope", status: 404, code: "not_found" }),
    ]);
  });
});

describe("CORS", () => {
  test("a preflight OPTIONS is 204 with the access-control headers", async () => {
    const { app } = loadingApp({ corsOrigin: ["https://app.example"] });
    const response = await app.handle(
      new Request("http://localhost/v1/chat/completions", {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      }),
    );
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(await response.text()).toBe("");
  });

  test("a preflight needs no API key", async () => {
    const { app } = loadingApp({ apiKeys: ["k1"] });
    const response = await call(app, "/v1/chat/completions", { method: "OPTIONS" });
    expect(response.status).toBe(204);
  });

  test("errors carry the CORS headers too", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/nope");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("body size", () => {
  test("a body over --max-body is 413 request_too_large naming both sizes", async () => {
    const { app } = loadingApp({ maxBody: 2048 });
    const body = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10_000) }] });
    const response = await call(
      app,
      "/v1/chat/completions",
      postJson(body, { "content-length": String(body.length) }),
    );
    expect(response.status).toBe(413);
    expectOpenAiError(response.body, "request_too_large");
    const message = (response.body as { error: { message: string } }).error.message;
    expect(message).toContain(String(body.length));
    expect(message).toContain("2048");
  });

  test("a body under --max-body passes the size check", async () => {
    const { app } = loadingApp({ maxBody: 2048 });
    const body = JSON.stringify({ messages: user });
    const response = await call(
      app,
      "/v1/chat/completions",
      postJson(body, { "content-length": String(body.length) }),
    );
    expect(response.status).toBe(503);
  });
});

describe("a body without Content-Length", () => {
  function streamed(text: string): RequestInit {
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1000)
          controller.enqueue(bytes.slice(at, at + 1000));
        controller.close();
      },
    });
    return { method: "POST", headers: { "content-type": "application/json" }, body };
  }

  test("over --max-body is 413 too", async () => {
    const { app } = loadingApp({ maxBody: 2048 });
    const body = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10_000) }] });
    const response = await call(app, "/v1/chat/completions", streamed(body));
    expect(response.status).toBe(413);
    expectOpenAiError(response.body, "request_too_large");
  });

  test("under --max-body is parsed and validated as usual", async () => {
    const { app } = loadingApp({ maxBody: 2048 });
    const response = await call(app, "/v1/chat/completions", streamed('{"messages":[]}'));
    expect(response.status).toBe(400);
    expect(errorOf(response.body).param).toBe("messages");
  });

  test("that is not JSON is 400 invalid_json", async () => {
    const { app } = loadingApp({ maxBody: 2048 });
    const response = await call(app, "/v1/chat/completions", streamed("{nope"));
    expect(response.status).toBe(400);
    expectOpenAiError(response.body, "invalid_json");
  });
});

describe("API keys", () => {
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const cases: Array<[string, Record<string, string>, number]> = [
    ["no header", {}, 401],
    ["a wrong key", bearer("nope"), 401],
    ["a key prefix", bearer("k"), 401],
    ["the key without Bearer", { authorization: "k1" }, 401],
    ["Basic auth", { authorization: "Basic azE6" }, 401],
    ["the first key", bearer("k1"), 200],
    ["the second key", bearer("k2"), 200],
    ["a lower-case scheme", { authorization: "bearer k2" }, 200],
  ];
  test.each(cases)("GET /v1/models with %s answers %d", async (_, headers, status) => {
    const { app } = loadingApp({ apiKeys: ["k1", "k2"] });
    const response = await call(app, "/v1/models", { headers });
    expect(response.status).toBe(status);
    if (status !== 401) return;
    expectOpenAiError(response.body, "invalid_api_key");
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="glm-serve"');
  });

  test("/health needs no key", async () => {
    const { app } = loadingApp({ apiKeys: ["k1"] });
    const response = await call(app, "/health");
    expect(response.status).toBe(503);
    expectOpenAiError(response.body, "model_loading");
  });

  test("an unknown route without a key is 401, not 404", async () => {
    const { app } = loadingApp({ apiKeys: ["k1"] });
    expect((await call(app, "/nope")).status).toBe(401);
  });

  test("the log never holds the key that was sent", async () => {
    const { app, lines } = loadingApp({ apiKeys: ["secret-key-1"] });
    await call(app, "/v1/models", { headers: bearer("secret-key-2") });
    await call(app, "/v1/models", { headers: bearer("secret-key-1") });
    expect(lines.join("\n")).not.toContain("secret-key");
  });
});

describe("request validation", () => {
  const chat = (extra: Record<string, unknown>) => ({ messages: user, ...extra });
  const cases: Array<[string, unknown, string | null, RegExp]> = [
    ["invalid JSON", "{bad", null, /not valid JSON/],
    ["no messages", {}, "messages", /messages/],
    ["empty messages", { messages: [] }, "messages", /non-empty/],
    [
      "an unknown role",
      { messages: [{ role: "bot", content: "x" }] },
      "messages.0.role",
      /role must be one of/,
    ],
    [
      "numeric content",
      { messages: [{ role: "user", content: 5 }] },
      "messages.0.content",
      /content must be/,
    ],
    ["temperature above 2", chat({ temperature: 2.5 }), "temperature", /temperature.*0 to 2/],
    ["temperature below 0", chat({ temperature: -0.1 }), "temperature", /temperature/],
    ["top_p above 1", chat({ top_p: 1.5 }), "top_p", /top_p.*0 to 1/],
    ["five stop strings", chat({ stop: ["a", "b", "c", "d", "e"] }), "stop", /up to 4/],
    ["an empty stop string in a list", chat({ stop: ["a", ""] }), "stop", /stop/],
    ["max_tokens 0", chat({ max_tokens: 0 }), "max_tokens", /max_tokens/],
    ["fractional max_tokens", chat({ max_tokens: 1.5 }), "max_tokens", /max_tokens/],
    ["n 0", chat({ n: 0 }), "n", /n must be/],
    ["a string stream flag", chat({ stream: "yes" }), "stream", /stream/],
  ];
  test.each(cases)("%s is 400 naming the field", async (_, body, param, message) => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/chat/completions", postJson(body));
    expect(response.status).toBe(400);
    const error = errorOf(response.body);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toEqual(param);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("\n");
  });

  test("validation answers before the loading check", async () => {
    const { app } = loadingApp();
    const response = await call(app, "/v1/chat/completions", postJson(chat({ top_p: 2 })));
    expect(response.status).toBe(400);
  });
});

describe("the one error mapper", () => {
  const guarded: Array<[string, Partial<AppConfig>, string, RequestInit, number]> = [
    ["a missing key", { apiKeys: ["k1"] }, "/v1/models", {}, 401],
    [
      "an oversized body",
      { maxBody: 1024 },
      "/v1/chat/completions",
      postJson("x".repeat(2000), { "content-length": "2000" }),
      413,
    ],
  ];
  test.each(guarded)("logs a request refused for %s", async (_, config, path, init, status) => {
    const { app, lines } = loadingApp(config);
    expect((await call(app, path, init)).status).toBe(status);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ event: "error", path, status }),
    ]);
  });
});
