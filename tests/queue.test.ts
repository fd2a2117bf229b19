import { describe, expect, test } from "bun:test";
import { QueueFullError, Semaphore } from "../src/queue.ts";

/** Lets queued promise callbacks run. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("Semaphore", () => {
  test("grants up to `slots` at once without waiting", async () => {
    const queue = new Semaphore(2, 10);
    await queue.acquire();
    await queue.acquire();
    expect([queue.active, queue.waiting]).toEqual([2, 0]);
  });

  test("waiters are served in FIFO order", async () => {
    const queue = new Semaphore(1, 10);
    const release = await queue.acquire();
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) =>
      queue.acquire().then((next) => {
        order.push(n);
        next();
      }),
    );
    expect(queue.waiting).toBe(3);
    release();
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
    expect([queue.active, queue.waiting]).toEqual([0, 0]);
  });

  test("a release hands the slot straight to the next waiter", async () => {
    const queue = new Semaphore(1, 10);
    const release = await queue.acquire();
    let granted = false;
    const waiting = queue.acquire().then((next) => {
      granted = true;
      return next;
    });
    release();
    await waiting;
    expect(granted).toBe(true);
    expect(queue.active).toBe(1);
  });

  test("a full wait line rejects with QueueFullError", async () => {
    const queue = new Semaphore(1, 1);
    await queue.acquire();
    void queue.acquire();
    const error = await queue.acquire().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(QueueFullError);
    expect((error as QueueFullError).waiting).toBe(1);
    expect(queue.waiting).toBe(1);
  });

  test("maxWaiting 0 rejects as soon as every slot is busy", async () => {
    const queue = new Semaphore(1, 0);
    await queue.acquire();
    await expect(queue.acquire()).rejects.toBeInstanceOf(QueueFullError);
  });

  test("aborting while waiting leaves the line with the signal's reason", async () => {
    const queue = new Semaphore(1, 5);
    const release = await queue.acquire();
    const controller = new AbortController();
    const first = queue.acquire(controller.signal);
    const second = queue.acquire();
    expect(queue.waiting).toBe(2);
    const reason = new Error("client gone");
    controller.abort(reason);
    await expect(first).rejects.toBe(reason);
    expect(queue.waiting).toBe(1);
    release();
    const next = await second;
    expect([queue.active, queue.waiting]).toEqual([1, 0]);
    next();
    expect(queue.active).toBe(0);
  });

  test("an already aborted signal is refused before taking a slot", async () => {
    const queue = new Semaphore(1, 5);
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    expect(() => queue.acquire(controller.signal)).toThrow("gone");
    expect(queue.active).toBe(0);
  });

  test("aborting after the grant changes nothing", async () => {
    const queue = new Semaphore(1, 5);
    const release = await queue.acquire();
    const controller = new AbortController();
    const waiting = queue.acquire(controller.signal);
    release();
    const next = await waiting;
    controller.abort();
    await tick();
    expect(queue.active).toBe(1);
    next();
    expect(queue.active).toBe(0);
  });

  test("a double release frees only one slot", async () => {
    const queue = new Semaphore(2, 5);
    const release = await queue.acquire();
    await queue.acquire();
    release();
    release();
    expect(queue.active).toBe(1);
  });

  test("a double release wakes only one waiter", async () => {
    const queue = new Semaphore(1, 5);
    const release = await queue.acquire();
    let granted = 0;
    void queue.acquire().then(() => granted++);
    void queue.acquire().then(() => granted++);
    release();
    release();
    await tick();
    expect(granted).toBe(1);
    expect([queue.active, queue.waiting]).toEqual([1, 1]);
  });
});
