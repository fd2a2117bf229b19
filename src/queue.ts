/** The queue is full: the caller should answer 429 and ask the client to retry. */
export class QueueFullError extends Error {
  constructor(readonly waiting: number) {
    super(`the server is busy: ${waiting} requests are already waiting; retry shortly`);
    this.name = "QueueFullError";
  }
}

interface Waiter {
  grant: (release: () => void) => void;
  reject: (reason: unknown) => void;
}

/**
 * A counting semaphore with FIFO waiters and a bounded wait line. `acquire` resolves to a
 * release function; aborting the signal while waiting leaves the line.
 */
export class Semaphore {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly slots: number,
    readonly maxWaiting: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.running < this.slots) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(new QueueFullError(this.waiters.length));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      waiter.grant = (release) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(release);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** A release that works once, handing the slot straight to the next waiter. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.grant(this.releaser());
      else this.running--;
    };
  }
}
