import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomModelPath } from "../support/test-models.ts";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const post = (server: ServerProcess, body: unknown) =>
  rawRequest(server, "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...(body as object) }),
  });

describe("requests the engine refuses get a 4xx before any stream starts", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ args: ["--model", randomModelPath()] });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test.each([[false], [true]])(
    "a grammar llama.cpp cannot build is a 400 (stream: %p)",
    async (stream) => {
      const { status, body } = await post(server, {
        stream,
        response_format: {
          type: "json_schema",
          json_schema: { name: "x", schema: { type: "string", minLength: 3000 } },
        },
      });
      expect(status).toBe(400);
      expect((body as { error: { code: string } }).error.code).toBe("invalid_request");
    },
  );

  test("repeat_penalty 0 is refused by the schema", async () => {
    const { status } = await post(server, { stream: true, repeat_penalty: 0 });
    expect(status).toBe(400);
  });

  test("ignore_eos with a grammar ends where the grammar ends, and the server lives on", async () => {
    const { status, body } = await post(server, {
      ignore_eos: true,
      temperature: 0,
      max_tokens: 200,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "x",
          schema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
        },
      },
    });
    expect(status).toBe(200);
    const choice = (
      body as { choices: Array<{ message: { content: string }; finish_reason: string }> }
    ).choices[0];
    expect(choice?.finish_reason).toBe("stop");
    expect(typeof JSON.parse(choice?.message.content ?? "").ok).toBe("boolean");
    expect((await rawRequest(server, "/health")).status).toBe(200);
  });
});

test("a chat template that raises is a 400 naming the template, not a 500", async () => {
  const template =
    "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}{% for m in messages %}{{ m['content'] }}{% endfor %}";
  await using server = await startServer({
    model: { chain: ["\n", "ok"], chatTemplate: template },
    args: ["--chat-format", "jinja"],
  });
  const { status, body } = await rawRequest(server, "/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "assistant", content: "hello" }] }),
  });
  expect(status).toBe(400);
  expect((body as { error: { message: string } }).error.message).toContain(
    "first message must be from the user",
  );
});
