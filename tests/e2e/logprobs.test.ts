import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomModelPath } from "../support/test-models.ts";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const ask = [{ role: "user" as const, content: "Say something." }];

describe("logprobs on chat completions", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ args: ["--model", randomModelPath()] });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("non-stream: one entry per generated token, greedy picks the top alternative", async () => {
    // ignore_eos is llama-server's extension; a variable keeps the SDK's types out of the way.
    const params = {
      model: "x",
      messages: ask,
      temperature: 0,
      max_tokens: 8,
      ignore_eos: true,
      logprobs: true,
      top_logprobs: 3,
    };
    const completion = await server.client.chat.completions.create(params);
    const entries = completion.choices[0]?.logprobs?.content ?? [];
    expect(entries).toHaveLength(8);
    for (const entry of entries) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.top_logprobs).toHaveLength(3);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
      expect(entry.top_logprobs[0]?.logprob).toBeCloseTo(entry.logprob, 5);
      expect(entry.bytes).toEqual([...new TextEncoder().encode(entry.token)]);
    }
  });

  test("stream: the same entries arrive across chunks", async () => {
    const params = {
      model: "x",
      messages: ask,
      temperature: 0,
      max_tokens: 8,
      ignore_eos: true,
      logprobs: true,
      top_logprobs: 2,
    };
    const plain = await server.client.chat.completions.create(params);
    const stream = await server.client.chat.completions.create({ ...params, stream: true });
    const streamed = [];
    for await (const chunk of stream) streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
    expect(streamed.map((entry) => entry.token)).toEqual(
      (plain.choices[0]?.logprobs?.content ?? []).map((entry) => entry.token),
    );
  });

  test("without logprobs the field is null; top_logprobs alone is a 400", async () => {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 2,
    });
    expect(completion.choices[0]?.logprobs).toBeNull();
    const { status } = await rawRequest(server, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: ask, top_logprobs: 2 }),
    });
    expect(status).toBe(400);
  });
});
