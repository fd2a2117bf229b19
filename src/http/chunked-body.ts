const LF = 0x0a;
/** A chunk-size line, with any extensions, longer than this is refused. */
const MAX_LINE = 4096;

export type ChunkedProgress =
  | { status: "more"; consumed: number }
  | { status: "done"; consumed: number }
  | { status: "malformed"; detail: string }
  | { status: "too_large"; length: number };

type Phase = "size" | "data" | "data-end" | "trailer";

/**
 * Decodes a chunked request body (RFC 9112 §7.1) as its bytes arrive: `feed` takes what came,
 * says how much of it belonged to the body, and keeps the decoded data. Trailer fields are read
 * and dropped.
 */
export class ChunkedBody {
  private phase: Phase = "size";
  private remaining = 0;
  private line = "";
  /** Decoded bytes, in one buffer that doubles as needed: 1-byte chunks must not cost an object each. */
  private data = new Uint8Array(1024);
  private filled = 0;
  private length = 0;

  constructor(private readonly maxLength: number) {}

  feed(bytes: Uint8Array): ChunkedProgress {
    let at = 0;
    while (at < bytes.length) {
      if (this.phase === "data") {
        const take = Math.min(this.remaining, bytes.length - at);
        this.append(bytes.subarray(at, at + take));
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.phase = "data-end";
        continue;
      }
      const lineEnd = bytes.indexOf(LF, at);
      const piece = Buffer.from(
        bytes.buffer,
        bytes.byteOffset + at,
        (lineEnd === -1 ? bytes.length : lineEnd) - at,
      ).toString("latin1");
      this.line += piece;
      if (this.line.length > MAX_LINE)
        return { status: "malformed", detail: "a chunk line is too long" };
      if (lineEnd === -1) return { status: "more", consumed: bytes.length };
      at = lineEnd + 1;
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line;
      this.line = "";
      const step = this.takeLine(line);
      if (step) return step.status === "done" ? { status: "done", consumed: at } : step;
    }
    return { status: "more", consumed: bytes.length };
  }

  /** The decoded body, once `feed` said done. */
  body(): Uint8Array<ArrayBuffer> {
    return this.data.slice(0, this.filled);
  }

  private append(bytes: Uint8Array): void {
    if (this.filled + bytes.length > this.data.length) {
      const need = this.filled + bytes.length;
      const grown = new Uint8Array(Math.min(this.maxLength, Math.max(this.data.length * 2, need)));
      grown.set(this.data.subarray(0, this.filled));
      this.data = grown;
    }
    this.data.set(bytes, this.filled);
    this.filled += bytes.length;
  }

  private takeLine(line: string): ChunkedProgress | undefined {
    if (this.phase === "data-end") {
      if (line !== "") return { status: "malformed", detail: "a chunk is longer than its size" };
      this.phase = "size";
      return undefined;
    }
    if (this.phase === "trailer") {
      return line === "" ? { status: "done", consumed: 0 } : undefined;
    }
    const size = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(line);
    if (!size) return { status: "malformed", detail: "a chunk size is not hexadecimal" };
    const bytes = Number.parseInt(size[1] as string, 16);
    if (this.length + bytes > this.maxLength)
      return { status: "too_large", length: this.length + bytes };
    this.length += bytes;
    if (bytes === 0) {
      this.phase = "trailer";
      return undefined;
    }
    this.remaining = bytes;
    this.phase = "data";
    return undefined;
  }
}
