/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TokenType = {
  normal: 1,
  unknown: 2,
  control: 3,
  userDefined: 4,
  unused: 5,
  byte: 6,
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/** A vocabulary under construction; ids are positions, texts are unique as llama.cpp requires. */
export class Vocab {
  readonly tokens: string[] = [];
  readonly types: TokenType[] = [];
  readonly scores: number[] = [];
  readonly merges: string[] = [];
  private readonly ids = new Map<string, number>();

  /** Adds a token, or returns the id it already has. */
  add(text: string, type: TokenType = TokenType.normal, score = 0): number {
    const existing = this.ids.get(text);
    if (existing !== undefined) return existing;
    const id = this.tokens.length;
    this.tokens.push(text);
    this.types.push(type);
    this.scores.push(score);
    this.ids.set(text, id);
    return id;
  }

  /** Retypes a token, e.g. a filler made user-defined so that text keeps it whole. */
  setType(id: number, type: TokenType): void {
    if (id < 0 || id >= this.types.length) throw new Error(`no token ${id}`);
    this.types[id] = type;
  }

  id(text: string): number | undefined {
    return this.ids.get(text);
  }

  /**
   * Fills until the next id is `id`, so tokens can sit at real model ids. Fillers are unused
   * tokens unless `filler` gives each one a text (of a normal token).
   */
  padTo(id: number, filler?: (id: number) => string): void {
    if (this.tokens.length > id) throw new Error(`vocab already has ${this.tokens.length} tokens`);
    while (this.tokens.length < id) {
      const next = this.tokens.length;
      if (filler) this.add(filler(next), TokenType.normal);
      else this.add(`[unused_${next}]`, TokenType.unused);
    }
  }

  get size(): number {
    return this.tokens.length;
  }
}
