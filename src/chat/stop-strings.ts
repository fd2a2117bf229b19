export interface StopMatch {
  /** Text that is safe to pass on. */
  text: string;
  /** True once a stop string appeared; nothing after it is ever passed on. */
  stopped: boolean;
  /** The stop string that matched, once one did. */
  matched?: string;
}

/**
 * Finds OpenAI `stop` strings across piece boundaries. Text that could still be the start of a
 * stop string is held back until the next piece decides it.
 */
export class StopStringMatcher {
  private held = "";
  private done = false;

  constructor(private readonly stops: string[]) {}

  push(piece: string): StopMatch {
    if (this.done) return { text: "", stopped: true };
    const text = this.held + piece;
    const found = this.earliestStop(text);
    if (found) {
      this.done = true;
      this.held = "";
      return { text: text.slice(0, found.at), stopped: true, matched: found.stop };
    }
    const keep = this.partialStopLength(text);
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep), stopped: false };
  }

  /** The reply ended: held text was not a stop string after all. */
  flush(): string {
    const text = this.held;
    this.held = "";
    return this.done ? "" : text;
  }

  /** The stop that ends first, as streaming would see it, and where it begins. */
  private earliestStop(text: string): { at: number; stop: string } | undefined {
    let found: { at: number; stop: string } | undefined;
    let end = Number.POSITIVE_INFINITY;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at < 0) continue;
      const stopEnd = at + stop.length;
      if (stopEnd < end || (stopEnd === end && found !== undefined && at < found.at)) {
        found = { at, stop };
        end = stopEnd;
      }
    }
    return found;
  }

  /** Length of the longest end of `text` that begins some stop string. */
  private partialStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (stop.startsWith(text.slice(text.length - length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
