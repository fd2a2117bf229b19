/**
 * A safe reader for Python literals (what ChatGLM3 writes inside `tool_call(...)`).
 * It only recognises literal syntax; names, calls and attribute access are rejected, and
 * nothing is ever evaluated.
 */

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

export type PyResult<T> = { ok: true; value: T } | { ok: false; error: string };

class PyLiteralError extends Error {}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
  "\n": "",
};

const KEYWORDS: Record<string, PyValue> = { True: true, False: false, None: null };

/** Parses one Python literal expression, e.g. `{'a': [1, 2.5, None]}`. */
export function parsePythonLiteral(text: string): PyResult<PyValue> {
  return attempt(() => {
    const reader = new LiteralReader(text);
    const value = reader.readValue();
    reader.expectEnd();
    return value;
  });
}

/** Parses `callee(key=literal, ...)` into its keyword arguments; positional ones are refused. */
export function parsePythonKeywordCall(
  text: string,
  callee: string,
): PyResult<Record<string, PyValue>> {
  return attempt(() => {
    const reader = new LiteralReader(text);
    reader.expectWord(callee);
    const args = reader.readKeywordArguments();
    reader.expectEnd();
    return args;
  });
}

/** Plain assignment would let a "__proto__" key replace the object's prototype. */
function setOwn(target: { [key: string]: PyValue }, key: string, value: PyValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function attempt<T>(read: () => T): PyResult<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (error instanceof PyLiteralError) return { ok: false, error: error.message };
    throw error;
  }
}

class LiteralReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  readValue(): PyValue {
    this.skipSpace();
    const char = this.peek();
    if (char === "'" || char === '"') return this.readStrings();
    if (char === "[") return this.readSequence("[", "]");
    if (char === "(") return this.readSequence("(", ")");
    if (char === "{") return this.readDict();
    if (char !== undefined && /[-+0-9.]/.test(char)) return this.readNumber();
    const word = this.readIdentifier();
    if (word in KEYWORDS) return KEYWORDS[word] ?? null;
    throw this.fail(word ? `name '${word}' is not a literal` : "expected a value");
  }

  readKeywordArguments(): Record<string, PyValue> {
    this.expect("(");
    const args: Record<string, PyValue> = {};
    while (!this.tryConsume(")")) {
      const key = this.readIdentifier();
      if (!key) throw this.fail("expected a keyword argument");
      this.expect("=");
      if (Object.hasOwn(args, key)) throw this.fail(`repeated keyword '${key}'`);
      setOwn(args, key, this.readValue());
      if (this.tryConsume(",")) continue;
      this.expect(")");
      break;
    }
    return args;
  }

  expectWord(word: string): void {
    const found = this.readIdentifier();
    if (found !== word) throw this.fail(`expected '${word}'`);
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw this.fail("unexpected text after the literal");
  }

  private readStrings(): string {
    // Adjacent literals concatenate, as in Python.
    let value = this.readString();
    this.skipSpace();
    while (this.peek() === "'" || this.peek() === '"') {
      value += this.readString();
      this.skipSpace();
    }
    return value;
  }

  private readString(): string {
    const char = this.peek() ?? "";
    const triple = char.repeat(3);
    const quote = this.text.startsWith(triple, this.pos) ? triple : char;
    this.pos += quote.length;
    let value = "";
    while (!this.text.startsWith(quote, this.pos)) {
      const char = this.text[this.pos];
      if (char === undefined) throw this.fail("unterminated string");
      if (char === "\n" && quote.length === 1) throw this.fail("newline in string");
      if (char === "\\") value += this.readEscape();
      else {
        value += char;
        this.pos += 1;
      }
    }
    this.pos += quote.length;
    return value;
  }

  private readEscape(): string {
    const code = this.text[this.pos + 1];
    if (code === undefined) throw this.fail("unterminated escape");
    this.pos += 2;
    const simple = SIMPLE_ESCAPES[code];
    if (simple !== undefined) return simple;
    if (code === "x") return this.readHexEscape(2);
    if (code === "u") return this.readHexEscape(4);
    if (code === "U") return this.readHexEscape(8);
    // Python keeps unknown escapes as written.
    return `\\${code}`;
  }

  private readHexEscape(digits: number): string {
    const hex = this.text.slice(this.pos, this.pos + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) throw this.fail("bad hex escape");
    this.pos += digits;
    const codePoint = Number.parseInt(hex, 16);
    if (codePoint > 0x10ffff) throw this.fail("escape out of range");
    return String.fromCodePoint(codePoint);
  }

  private readNumber(): number {
    const match = /^[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?/.exec(
      this.text.slice(this.pos),
    );
    if (!match) throw this.fail("bad number");
    this.pos += match[0].length;
    const value = Number(match[0].replaceAll("_", ""));
    if (!Number.isFinite(value)) throw this.fail("bad number");
    return value;
  }

  private readSequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const items: PyValue[] = [];
    while (!this.tryConsume(close)) {
      items.push(this.readValue());
      if (this.tryConsume(",")) continue;
      this.expect(close);
      break;
    }
    return items;
  }

  private readDict(): { [key: string]: PyValue } {
    this.expect("{");
    const dict: { [key: string]: PyValue } = {};
    while (!this.tryConsume("}")) {
      const key = this.readValue();
      if (typeof key !== "string" && typeof key !== "number") {
        throw this.fail("dict keys must be strings or numbers");
      }
      this.expect(":");
      setOwn(dict, String(key), this.readValue());
      if (this.tryConsume(",")) continue;
      this.expect("}");
      break;
    }
    return dict;
  }

  private readIdentifier(): string {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!match) return "";
    this.pos += match[0].length;
    return match[0];
  }

  private expect(token: string): void {
    if (!this.tryConsume(token)) throw this.fail(`expected '${token}'`);
  }

  private tryConsume(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] ?? "")) this.pos += 1;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private fail(message: string): PyLiteralError {
    return new PyLiteralError(`${message} at offset ${this.pos}`);
  }
}
