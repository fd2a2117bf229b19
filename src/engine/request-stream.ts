import type { GenerationEvent } from "./types.ts";

/** Events of one request, pushed by the engine's drain and pulled by an async iterator. */
export class RequestStream {
  private readonly events: GenerationEvent[] = [];
  private failure: Error | undefined;
  private ended = false;
  private notify: (() => void) | undefined;

  /** `onEnd` runs once, when the last event or a failure arrives. */
  constructor(private onEnd?: () => void) {}

  push(event: GenerationEvent): void {
    this.events.push(event);
    if (event.kind === "done") this.end();
    this.wakeReader();
  }

  /** Ends the stream with an error; events not yet read are dropped, since the caller gave up. */
  fail(error: Error): void {
    this.events.length = 0;
    this.failure = error;
    this.end();
    this.wakeReader();
  }

  private end(): void {
    this.ended = true;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  get finished(): boolean {
    return this.ended;
  }

  async *read(): AsyncGenerator<GenerationEvent> {
    for (;;) {
      const event = this.events.shift();
      if (event) {
        yield event;
        if (event.kind === "done") return;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.notify = resolve;
      });
    }
  }

  private wakeReader(): void {
    const notify = this.notify;
    this.notify = undefined;
    notify?.();
  }
}
