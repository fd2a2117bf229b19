import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const ask = [{ role: "user" as const, content: "hi" }];

function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** OpenAI's error shape, exactly: one `error` object with four fields. */
function errorOf(body: unknown): { message: string; type: string; param: unknown; code: unknown } {
  expect(Object.keys(body as object)).toEqual(["error"]);
  const error = (
    body as { error: { message: string; type: string; param: unknown; code: unknown } }
  ).error;
  expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
  return error;
}

describe("errors from a running server", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      args: ["--ctx-size", "256", "--parallel", "1", "--max-body", "2048"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("invalid JSON is 400 invalid_json", async () => {
    const response = await rawRequest(server, "/v1/chat/completions", postJson("{"));
    expect(response.status).toBe(400);
    expect(errorOf(response.body)).toMatchObject({ code: "invalid_json", param: null });
  });

  test("a schema violation is a 400 the SDK reads, naming the field", async () => {
    const error = await server.client.chat.completions
      .create({ model: "x", messages: ask, temperature: 5 })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.param).toBe("temperature");
    expect(apiError.type).toBe("invalid_request_error");
    expect(apiError.message).toContain("temperature must be a number from 0 to 2");
  });

  test("an unknown role names messages.0.role", async () => {
    const response = await rawRequest(
      server,
      "/v1/chat/completions",
      postJson({ messages: [{ role: "robot", content: "x" }] }),
    );
    expect(response.status).toBe(400);
    expect(errorOf(response.body).param).toBe("messages.0.role");
  });

  test("n other than 1 is 400 naming n", async () => {
    const response = await rawRequest(
      server,
      "/v1/chat/completions",
      postJson({ messages: ask, n: 2 }),
    );
    expect(response.status).toBe(400);
    expect(errorOf(response.body)).toMatchObject({ param: "n", message: "only n=1 is supported" });
  });

  test("a tool message without content is 400", async () => {
    const response = await rawRequest(
      server,
      "/v1/chat/completions",
      postJson({ messages: [...ask, { role: "tool", tool_call_id: "c1" }] }),
    );
    expect(response.status).toBe(400);
    expect(errorOf(response.body).param).toBe("messages[1].content");
  });

  test("a prompt longer than a slot's context is 400 context_length_exceeded", async () => {
    const long = [{ role: "user" as const, content: "word ".repeat(300) }];
    const response = await rawRequest(server, "/v1/chat/completions", postJson({ messages: long }));
    expect(response.status).toBe(400);
    const error = errorOf(response.body);
    expect(error).toMatchObject({ code: "context_length_exceeded", param: "messages" });
    const match = /^prompt is too long: (\d+) tokens > 255 maximum/.exec(error.message);
    expect(Number(match?.[1])).toBeGreaterThan(256);
    expect(error.message).toContain("--ctx-size");
  });

  test("the context error reaches a streaming request as 400 before any chunk", async () => {
    const error = await server.client.chat.completions
      .create({
        model: "x",
        messages: [{ role: "user", content: "word ".repeat(300) }],
        stream: true,
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("context_length_exceeded");
  });

  test("max_tokens beyond the room left is clamped and ends with length", async () => {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 100_000,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.total_tokens).toBe(256);
    expect(completion.usage?.completion_tokens).toBe(256 - (completion.usage?.prompt_tokens ?? 0));
  });

  test("no max_tokens fills the room left and ends with length", async () => {
    const completion = await server.client.chat.completions.create({ model: "x", messages: ask });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.total_tokens).toBe(256);
  });

  test("a body over --max-body is 413 request_too_large", async () => {
    const content = "x".repeat(10_000);
    const response = await rawRequest(
      server,
      "/v1/chat/completions",
      postJson({ messages: [{ role: "user", content }] }),
    );
    expect(response.status).toBe(413);
    expect(errorOf(response.body).code).toBe("request_too_large");
  });

  test("a chunked body over --max-body is 413 as well", async () => {
    const bytes = new TextEncoder().encode(
      JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10_000) }] }),
    );
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1024)
          controller.enqueue(bytes.slice(at, at + 1024));
        controller.close();
      },
    });
    const response = await rawRequest(server, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(errorOf(response.body).code).toBe("request_too_large");
  });

  test("an unknown route is 404", async () => {
    const response = await rawRequest(server, "/v1/no-such-route", postJson({ prompt: "x" }));
    expect(response.status).toBe(404);
    expect(errorOf(response.body).code).toBe("not_found");
  });

  test("an unknown model id is 404 through the SDK", async () => {
    const error = await server.client.models.retrieve("gpt-4o").catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("model_not_found");
  });

  test("the served model id is found through the SDK", async () => {
    const [listed] = (await server.client.models.list()).data;
    const model = await server.client.models.retrieve(listed?.id ?? "");
    expect(model.id).toBe(listed?.id ?? "?");
  });

  test("GET /v1/chat/completions is 405 with Allow: POST", async () => {
    const response = await rawRequest(server, "/v1/chat/completions");
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(errorOf(response.body).code).toBe("method_not_allowed");
  });

  test("the server still answers after every error above", async () => {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 2,
    });
    expect(completion.choices[0]?.message.content).toBe(" ping pong");
  });
});
