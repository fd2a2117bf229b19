import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

const ask = [{ role: "user" as const, content: "hi" }];

interface SlotsBody {
  queue: { active: number; waiting: number };
  slots: Array<{ id: number; busy: boolean }>;
}

describe("one slot, one place in the queue", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"], loop: true },
      args: ["--parallel", "1", "--queue-limit", "1"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
  });

  async function slots(): Promise<SlotsBody> {
    return (await rawRequest(server, "/slots")).body as SlotsBody;
  }

  /** Polls /slots until `check` holds, failing after `ms`. */
  async function waitForSlots(check: (body: SlotsBody) => boolean, ms = 2000): Promise<SlotsBody> {
    const deadline = performance.now() + ms;
    for (;;) {
      const body = await slots();
      if (check(body)) return body;
      if (performance.now() > deadline)
        throw new Error(`slots never settled: ${JSON.stringify(body)}`);
      await Bun.sleep(20);
    }
  }

  const idle = (body: SlotsBody) =>
    body.slots[0]?.busy === false && body.queue.active === 0 && body.queue.waiting === 0;

  /** An endless stream that holds the one slot, with its first content chunk read. */
  async function holdSlot() {
    const stream = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      stream: true,
    });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next(); // role
    const first = await chunks.next();
    expect(first.value?.choices[0]?.delta.content).toBe(" ping");
    return stream;
  }

  async function expectServesAgain(): Promise<void> {
    const completion = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 4,
    });
    expect(completion.choices[0]?.message.content).toBe(" ping pong ping pong");
  }

  test("aborting a stream mid-way frees the slot", async () => {
    const stream = await holdSlot();
    expect((await slots()).slots[0]?.busy).toBe(true);
    stream.controller.abort();
    await waitForSlots(idle);
    await expectServesAgain();
  });

  test("breaking out of the SDK's iterator frees the slot", async () => {
    const stream = await server.client.chat.completions.create({
      model: "x",
      messages: ask,
      stream: true,
    });
    let seen = 0;
    for await (const _ of stream) if (++seen === 5) break;
    await waitForSlots(idle);
    await expectServesAgain();
  });

  test("aborting through the SDK's signal option frees the slot", async () => {
    const controller = new AbortController();
    const stream = await server.client.chat.completions.create(
      { model: "x", messages: ask, stream: true },
      { signal: controller.signal },
    );
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    await chunks.next();
    controller.abort();
    await waitForSlots(idle);
    await expectServesAgain();
  });

  test("a full queue answers 429 with Retry-After, and the waiter is served next", async () => {
    const running = await holdSlot();
    const waiter = server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 2,
    });
    await waitForSlots((body) => body.queue.waiting === 1);
    const refused = await rawRequest(server, "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: ask, max_tokens: 2 }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.body).toMatchObject({
      error: { type: "rate_limit_error", code: "queue_full", param: null },
    });
    expect((await slots()).queue).toEqual({ active: 1, waiting: 1 });
    running.controller.abort();
    const served = await waiter;
    expect(served.choices[0]?.message.content).toBe(" ping pong");
    await waitForSlots(idle);
  });

  test("the SDK sees 429 as a RateLimitError", async () => {
    const running = await holdSlot();
    const waiter = server.client.chat.completions.create({
      model: "x",
      messages: ask,
      max_tokens: 1,
    });
    await waitForSlots((body) => body.queue.waiting === 1);
    const error = await server.client.chat.completions
      .create({ model: "x", messages: ask, stream: true })
      .catch((reason: unknown) => reason);
    expect((error as { status?: number }).status).toBe(429);
    expect((error as Error).constructor.name).toBe("RateLimitError");
    running.controller.abort();
    await waiter;
    await waitForSlots(idle);
  });

  test("aborting a request that waits in the queue leaves the queue", async () => {
    const running = await holdSlot();
    const controller = new AbortController();
    const waiter = server.client.chat.completions
      .create({ model: "x", messages: ask, max_tokens: 2 }, { signal: controller.signal })
      .catch((reason: unknown) => reason);
    await waitForSlots((body) => body.queue.waiting === 1);
    controller.abort();
    expect(await waiter).toBeInstanceOf(Error);
    const afterAbort = await waitForSlots((body) => body.queue.waiting === 0);
    expect(afterAbort.queue.active).toBe(1);
    expect(afterAbort.slots[0]?.busy).toBe(true);
    running.controller.abort();
    await waitForSlots(idle);
    await expectServesAgain();
  });

  test("a waiting stream aborted before its first chunk leaves the queue", async () => {
    const running = await holdSlot();
    const controller = new AbortController();
    const waiter = fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: ask, stream: true }),
      signal: controller.signal,
    }).catch((reason: unknown) => reason);
    await waitForSlots((body) => body.queue.waiting === 1);
    controller.abort();
    await waiter;
    await waitForSlots((body) => body.queue.waiting === 0);
    running.controller.abort();
    await waitForSlots(idle);
  });

  test("a non-stream request aborted mid-generation frees the slot", async () => {
    const controller = new AbortController();
    const pending = server.client.chat.completions
      .create({ model: "x", messages: ask }, { signal: controller.signal })
      .catch((reason: unknown) => reason);
    await waitForSlots((body) => body.slots[0]?.busy === true);
    await Bun.sleep(50);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await waitForSlots(idle);
    await expectServesAgain();
  });

  test("a cancelled request is logged as 499 client_closed, not as a server error", async () => {
    const running = await holdSlot();
    const controller = new AbortController();
    const waiter = server.client.chat.completions
      .create({ model: "x", messages: ask }, { signal: controller.signal })
      .catch(() => {});
    await waitForSlots((body) => body.queue.waiting === 1);
    const before = server.stderr().length;
    controller.abort();
    await waiter;
    await waitForSlots((body) => body.queue.waiting === 0);
    await Bun.sleep(20); // let the log line reach our pipe
    const logged = server.stderr().slice(before);
    expect(logged).toContain('"status":499,"code":"client_closed"');
    expect(server.stderr()).not.toContain('"status":500');
    running.controller.abort();
    await waitForSlots(idle);
  });
});

test("with --parallel 2 two streams run at once and a third waits", async () => {
  await using server = await startServer({
    model: { chain: [" ping", " pong"], loop: true },
    args: ["--parallel", "2", "--queue-limit", "4"],
  });
  const open = () =>
    server.client.chat.completions.create({ model: "x", messages: ask, stream: true });
  const first = await open();
  const second = await open();
  const third = server.client.chat.completions.create({ model: "x", messages: ask, max_tokens: 3 });
  const deadline = performance.now() + 2000;
  let body: SlotsBody;
  do {
    body = (await rawRequest(server, "/slots")).body as SlotsBody;
  } while (body.queue.waiting !== 1 && performance.now() < deadline);
  expect(body.queue).toEqual({ active: 2, waiting: 1 });
  expect(body.slots.map((slot) => slot.busy)).toEqual([true, true]);
  first.controller.abort();
  expect((await third).choices[0]?.message.content).toBe(" ping pong ping");
  second.controller.abort();
});
