import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const prompt = "[gMASK]<sop><|user|>\nhi<|assistant|>";

describe("routes beyond chat", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ model: { chain: ["\n", "Plain", " text", " out"] } });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("/v1/completions parses special tokens in the prompt and returns raw text", async () => {
    const completion = await server.client.completions.create({
      model: "x",
      prompt,
      max_tokens: 10,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text).toBe("\nPlain text out");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.prompt_tokens).toBe(7); // "hi" is two byte tokens
  });

  test("/v1/completions streams raw pieces and stops at max_tokens", async () => {
    const stream = await server.client.completions.create({
      model: "x",
      prompt,
      stream: true,
      max_tokens: 2,
    });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("\nPlain");
    expect(finish).toBe("length");
  });

  test("/tokenize and /detokenize invert each other; special parsing is opt-in", async () => {
    const post = (path: string, body: unknown) =>
      rawRequest(server, path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const plain = (await post("/tokenize", { content: "<|user|>" })).body as { tokens: number[] };
    const special = (await post("/tokenize", { content: "<|user|>", parse_special: true }))
      .body as { tokens: number[] };
    expect(special.tokens).toHaveLength(1);
    expect(plain.tokens.length).toBeGreaterThan(1);
    const text = "Hello world, 你好";
    const { tokens } = (await post("/tokenize", { content: text })).body as { tokens: number[] };
    expect(((await post("/detokenize", { tokens })).body as { content: string }).content).toBe(
      text,
    );
    const bad = await post("/detokenize", { tokens: [99_999_999] });
    expect(bad.status).toBe(400);
  });

  test("/metrics counts requests and tokens in Prometheus format", async () => {
    await server.client.chat.completions.create({
      model: "x",
      messages: [{ role: "user", content: "hi" }],
    });
    const { status, text, headers } = await rawRequest(server, "/metrics");
    expect(status).toBe(200);
    expect(headers.get("content-type")).toContain("text/plain");
    expect(text).toMatch(
      /glm_requests_total\{route="\/v1\/chat\/completions",status="200"\} [1-9]/,
    );
    expect(Number(/^glm_completion_tokens_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^glm_slots_busy 0$/m);
    expect(text).toMatch(/glm_time_to_first_token_seconds_count [1-9]/);
  });

  test("/docs serves the OpenAPI page and spec generated from the schemas", async () => {
    const page = await rawRequest(server, "/docs");
    expect(page.status).toBe(200);
    expect(page.text).toContain("<html");
    const spec = (await rawRequest(server, "/docs/json")).body as {
      paths: Record<string, unknown>;
    };
    expect(JSON.stringify(spec.paths["/v1/chat/completions"])).toContain("What is GGUF?");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/v1/chat/completions", "/v1/completions", "/v1/models", "/health"]),
    );
  });
});
