import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ServerProcess, startServer } from "./server-process.ts";

const chain = ["\n", "Hello", ",", " world", "!"];
const ask = [{ role: "user" as const, content: "hi" }];

describe("chat completions on a scripted model", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ model: { chain } });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  test("non-stream reply is the chain without GLM-4's leading newline", async () => {
    const completion = await server.client.chat.completions.create({
      model: "gpt-4o",
      messages: ask,
    });
    expect(completion.choices[0]?.message.content).toBe("Hello, world!");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).not.toBe("gpt-4o");
  });

  test("stream: role first, content deltas, finish, usage, one id", async () => {
    const stream = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello, world!");
    const finishes = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason));
    expect(finishes.filter(Boolean)).toEqual(["stop"]);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  test("usage agrees between stream and non-stream", async () => {
    const plain = await server.client.chat.completions.create({ model: "x", messages: ask });
    const stream = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const { prompt_tokens, completion_tokens, total_tokens } = plain.usage ?? {};
    expect(usage).toMatchObject({ prompt_tokens, completion_tokens, total_tokens });
  });

  test("max_tokens ends with length", async () => {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 3,
    });
    expect(completion.choices[0]?.message.content).toBe("Hello,");
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  test("a stop string split across pieces ends the reply and never leaks", async () => {
    const stream = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      stream: true,
      stop: ["o, w"],
    });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("Hell");
    expect(finish).toBe("stop");
  });

  test("a reply ended by a stop string still counts the prompt tokens it reused", async () => {
    const request = { model: "x", messages: [{ role: "user" as const, content: "again" }] };
    await server.client.chat.completions.create({ ...request, stop: ["world"] });
    const second = await server.client.chat.completions.create({ ...request, stop: ["world"] });
    expect(second.choices[0]?.message.content).toBe("Hello, ");
    const prompt = second.usage?.prompt_tokens ?? 0;
    expect(second.usage?.prompt_tokens_details?.cached_tokens).toBeGreaterThan(prompt / 2);
  });
});

test("multi-byte text split across tokens arrives whole", async () => {
  const wave = new TextEncoder().encode("👋");
  await using server = await startServer({
    model: { chain: ["\n", "你", "好", wave.slice(0, 2), wave.slice(2)] },
  });
  const stream = await server.client.chat.completions.create({
    model: "x",
    messages: ask,
    stream: true,
  });
  const pieces: string[] = [];
  for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
  expect(pieces.join("")).toBe("你好👋");
  expect(pieces.some((piece) => piece.includes("\uFFFD"))).toBe(false);
});

test("the demo model is served with no flags", async () => {
  await using server = await startServer();
  const models = await server.client.models.list();
  expect(models.data.map((model) => model.id)).toEqual(["glm-serve-demo"]);
  const completion = await server.client.chat.completions.create({ model: "x", messages: ask });
  expect(completion.choices[0]?.message.content).toContain("demo model");
});
