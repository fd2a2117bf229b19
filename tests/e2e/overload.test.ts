import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const CLIENTS = 64;
const PARALLEL = 4;
const QUEUE_LIMIT = 16;
const MAX_TOKENS = 1000;
const ask = [{ role: "user" as const, content: "hi" }];
const expectedReply = " ping pong".repeat(MAX_TOKENS / 2);

interface SlotsBody {
  queue: { active: number; waiting: number };
  slots: Array<{ id: number; busy: boolean; cached_tokens: number; kv_tokens: number }>;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

describe(`${CLIENTS} clients against --parallel ${PARALLEL} --queue-limit ${QUEUE_LIMIT}`, () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      args: ["--parallel", String(PARALLEL), "--queue-limit", String(QUEUE_LIMIT)],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  async function complete(): Promise<Answer> {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: ask, max_tokens: MAX_TOKENS, temperature: 0 }),
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: await response.json(),
    };
  }

  test("a reply takes long enough that a burst of clients overlaps it", async () => {
    const started = performance.now();
    const answer = await complete();
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(200);
    // 64 local requests go out in a few ms; a reply this slow keeps every slot busy meanwhile.
    expect(elapsed).toBeGreaterThan(30);
  });

  test("accepted requests complete with the right text; the rest get 429 and Retry-After", async () => {
    const answers = await Promise.all(Array.from({ length: CLIENTS }, complete));
    const accepted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted.length + refused.length).toBe(CLIENTS);
    expect(accepted.length).toBeGreaterThanOrEqual(PARALLEL + QUEUE_LIMIT);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const answer of accepted) {
      const body = answer.body as {
        choices: Array<{ message: { content: string }; finish_reason: string }>;
        usage: { completion_tokens: number };
      };
      expect(body.choices[0]?.message.content).toBe(expectedReply);
      expect(body.choices[0]?.finish_reason).toBe("length");
      expect(body.usage.completion_tokens).toBe(MAX_TOKENS);
    }
    for (const answer of refused) {
      expect(answer.retryAfter).toBe("1");
      expect(Object.keys(answer.body as object)).toEqual(["error"]);
      const error = (answer.body as { error: Record<string, unknown> }).error;
      expect(Object.keys(error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(error).toMatchObject({ type: "rate_limit_error", code: "queue_full", param: null });
    }
  }, 30_000);

  test("afterwards every slot is free, the queue empty, and no KV cell is stray", async () => {
    const deadline = performance.now() + 2000;
    let body: SlotsBody;
    for (;;) {
      body = (await rawRequest(server, "/slots")).body as SlotsBody;
      const idle = body.queue.active === 0 && body.queue.waiting === 0;
      if ((idle && body.slots.every((slot) => !slot.busy)) || performance.now() > deadline) break;
      await Bun.sleep(20);
    }
    expect(body.queue).toEqual({ active: 0, waiting: 0 });
    expect(body.slots).toHaveLength(PARALLEL);
    for (const slot of body.slots) {
      expect(slot.busy).toBe(false);
      expect(slot.kv_tokens).toBe(slot.cached_tokens);
    }
    expect(server.stderr()).not.toContain('"status":500');
  });

  test("the server still serves after the overload", async () => {
    const answer = await complete();
    expect(answer.status).toBe(200);
  });
});
