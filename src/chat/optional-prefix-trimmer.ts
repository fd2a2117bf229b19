/**
 * Drops fixed optional leading characters from a stream, one check per character in order,
 * however the stream is split (e.g. ["\n", " "] for ChatGLM3's "\n " reply prefix).
 */
export class OptionalPrefixTrimmer {
  private next = 0;

  constructor(private readonly chars: string[]) {}

  trim(text: string): string {
    let rest = text;
    while (rest.length > 0 && this.next < this.chars.length) {
      const expected = this.chars[this.next];
      this.next += 1;
      if (expected !== undefined && rest.startsWith(expected)) rest = rest.slice(expected.length);
    }
    return rest;
  }
}
