import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const ask = [{ role: "user" as const, content: "hi" }];
const keys = ["key-one-s3cret", "key-two-s3cret"];

describe("--api-key", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: ["\n", "Hi", "!"] },
      args: ["--api-key", keys[0] ?? "", "--api-key", keys[1] ?? ""],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  const client = (apiKey: string) =>
    new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });

  test.each(keys)("%s works with the SDK", async (key) => {
    const completion = await client(key).chat.completions.create({ model: "x", messages: ask });
    expect(completion.choices[0]?.message.content).toBe("Hi!");
  });

  test("a wrong key is 401 AuthenticationError", async () => {
    const error = await client("key-three")
      .chat.completions.create({ model: "x", messages: ask })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_api_key");
  });

  test("a missing key is 401 in OpenAI's shape", async () => {
    const response = await rawRequest(server, "/v1/models");
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: {
        message: expect.stringContaining("Bearer"),
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      },
    });
  });

  test("a streaming request with a wrong key is refused before any chunk", async () => {
    const error = await client("nope")
      .chat.completions.create({ model: "x", messages: ask, stream: true })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("/slots needs a key", async () => {
    expect((await rawRequest(server, "/slots")).status).toBe(401);
    const authorized = await rawRequest(server, "/slots", {
      headers: { authorization: `Bearer ${keys[1]}` },
    });
    expect(authorized.status).toBe(200);
  });

  test("/health stays open", async () => {
    const response = await rawRequest(server, "/health");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "ok" });
  });

  test("no key, right or wrong, ever appears in the logs", async () => {
    await rawRequest(server, "/v1/models", { headers: { authorization: "Bearer wrong-s3cret" } });
    await client(keys[0] ?? "").models.list();
    const logs = server.stderr();
    expect(logs).toContain('"status":401');
    expect(logs).not.toContain("s3cret");
  });
});

test("GLM_API_KEY in the environment turns auth on", async () => {
  await using server = await startServer({
    model: { chain: ["\n", "Hi"] },
    env: { GLM_API_KEY: "env-key" },
  });
  expect((await rawRequest(server, "/v1/models")).status).toBe(401);
  const authorized = await rawRequest(server, "/v1/models", {
    headers: { authorization: "Bearer env-key" },
  });
  expect(authorized.status).toBe(200);
});
