/** What the first line of a reply turned out to be. */
export type FirstLineDecision =
  | { kind: "pending" }
  | { kind: "content"; text: string }
  | { kind: "named"; name: string; rest: string };

/**
 * Holds back a reply's first line while it could still be one of `names` followed by a
 * newline, so a tool call's name is never streamed out as content. Whitespace around the name
 * and blank lines before it are allowed, as the official servers `strip()` the output: a real
 * ChatGLM3 reply starts with SentencePiece's "▁" (" get_weather"), and GLM-4 may write
 * "\n\nf\n{…}" or "f \n{…}".
 */
export class FirstLineGate {
  private buffer = "";
  private readonly names: string[];

  constructor(names: string[]) {
    this.names = names.filter((name) => name.length > 0);
  }

  push(text: string): FirstLineDecision {
    this.buffer += text;
    if (this.names.length === 0) return { kind: "content", text: this.buffer };
    const start = this.buffer.length - this.buffer.trimStart().length;
    const newline = this.buffer.indexOf("\n", start);
    if (newline >= 0) return this.decideLine(this.buffer.slice(start, newline).trim(), newline);
    if (this.couldBeName(this.buffer.slice(start).trimEnd())) return { kind: "pending" };
    return { kind: "content", text: this.buffer };
  }

  /** At end of reply the first line never completed, so it is content. */
  end(): string {
    return this.buffer;
  }

  private decideLine(line: string, newline: number): FirstLineDecision {
    if (!this.names.includes(line)) return { kind: "content", text: this.buffer };
    return { kind: "named", name: line, rest: this.buffer.slice(newline + 1) };
  }

  private couldBeName(prefix: string): boolean {
    return this.names.some((name) => name.startsWith(prefix));
  }
}
