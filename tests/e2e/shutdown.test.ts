import { expect, test } from "bun:test";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { startServer } from "./server-process.ts";

const ask = [{ role: "user" as const, content: "hi" }];
const loop = { chain: [" ping", " pong"], loop: true as const };

/** Reads a stream to its end, returning the content, the finish reason, and any error. */
async function drainStream(stream: AsyncIterable<ChatCompletionChunk>) {
  let text = "";
  let finish: string | null = null;
  let error: unknown;
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
  } catch (reason) {
    error = reason;
  }
  return { text, finish, error };
}

test("SIGTERM lets running streams finish, then exits 0", async () => {
  await using server = await startServer({
    model: loop,
    args: ["--parallel", "4", "--drain-seconds", "5"],
  });
  // About a second of work in all, so the streams are still running at SIGTERM.
  const maxTokens = 2000;
  const streams = await Promise.all(
    [1, 2, 3].map(() =>
      server.client.chat.completions.create({
        model: "x",
        messages: ask,
        stream: true,
        max_tokens: maxTokens,
      }),
    ),
  );
  const started = performance.now();
  server.process.kill("SIGTERM");
  const results = await Promise.all(streams.map(drainStream));
  const code = await server.process.exited;
  expect(code).toBe(0);
  expect(performance.now() - started).toBeLessThan(5000);
  for (const result of results) {
    expect(result.error).toBeUndefined();
    expect(result.finish).toBe("length");
    expect(result.text).toBe(" ping pong".repeat(maxTokens / 2));
  }
  expect(server.stderr()).toContain("SIGTERM: finishing 3 request(s), at most 5 s");
});

test("SIGTERM answers new requests with 503 while it drains", async () => {
  // Without drafts, so the looping 1,500-token stream still runs when the late request comes
  // (drafted, the loop finishes within the 100 ms and the server exits).
  await using server = await startServer({
    model: loop,
    args: ["--parallel", "2", "--drain-seconds", "5", "--spec", "off"],
  });
  const running = await server.client.chat.completions.create({
    model: "x",
    messages: ask,
    stream: true,
    max_tokens: 1500,
  });
  server.process.kill("SIGTERM");
  await Bun.sleep(100);
  const late = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: ask }),
  });
  expect(late.status).toBe(503);
  expect(((await late.json()) as { error: { code: string } }).error.code).toBe("shutting_down");
  const result = await drainStream(running);
  expect(result.finish).toBe("length");
  expect(await server.process.exited).toBe(0);
});

test("SIGTERM with an idle server exits 0 at once", async () => {
  await using server = await startServer({ model: loop, args: ["--drain-seconds", "5"] });
  const started = performance.now();
  expect(await server.stop("SIGTERM")).toBe(0);
  expect(performance.now() - started).toBeLessThan(1000);
});

test("SIGINT drains like SIGTERM", async () => {
  await using server = await startServer({ model: loop, args: ["--drain-seconds", "5"] });
  expect(await server.stop("SIGINT")).toBe(0);
  expect(server.stderr()).toContain("SIGINT: finishing 0 request(s)");
});

test("a stream still running when --drain-seconds runs out is cut, and the exit is 0", async () => {
  await using server = await startServer({
    model: loop,
    args: ["--parallel", "1", "--drain-seconds", "0.2", "--spec", "off"],
  });
  // No max_tokens: this would run for many seconds (drafted, the loop would end far sooner).
  const stream = await server.client.chat.completions.create({
    model: "x",
    messages: ask,
    stream: true,
  });
  const reading = drainStream(stream);
  await Bun.sleep(50);
  const started = performance.now();
  server.process.kill("SIGTERM");
  const code = await server.process.exited;
  const elapsed = performance.now() - started;
  const result = await reading;
  expect(code).toBe(0);
  expect(elapsed).toBeGreaterThanOrEqual(150);
  expect(elapsed).toBeLessThan(2000);
  expect(result.text.startsWith(" ping pong")).toBe(true);
  expect(result.finish === null || result.error === undefined).toBe(true);
});
