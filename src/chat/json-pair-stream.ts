/** What one push of a JSON object's text completed. */
export interface PairsRead {
  pairs: Array<[string, unknown]>;
  closed: boolean;
}

/**
 * Reads a JSON object's members as its text streams in (after the opening `{`): a member is
 * complete at a comma or the closing brace outside strings and nested values, and is then
 * parsed on its own. A member that is not valid JSON is skipped; text after the close is ignored.
 */
export class JsonPairStream {
  private member = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private closed = false;

  push(text: string): PairsRead {
    const pairs: Array<[string, unknown]> = [];
    for (const char of text) {
      if (this.closed) break;
      if (this.atBoundary(char)) {
        const pair = parseMember(this.member);
        if (pair) pairs.push(pair);
        this.member = "";
        if (char === "}") this.closed = true;
        continue;
      }
      this.member += char;
    }
    return { pairs, closed: this.closed };
  }

  /** At the end of a reply cut short: the member in progress, if it parses on its own. */
  end(): [string, unknown] | undefined {
    return this.closed ? undefined : parseMember(this.member);
  }

  /** Tracks strings and nesting; true for a top-level `,` or the object's `}`. */
  private atBoundary(char: string): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (char === "\\") this.escaped = true;
      else if (char === '"') this.inString = false;
      return false;
    }
    if (char === '"') this.inString = true;
    else if (char === "{" || char === "[") this.depth += 1;
    else if ((char === "}" || char === "]") && this.depth > 0) this.depth -= 1;
    else if (this.depth === 0 && (char === "," || char === "}")) return true;
    return false;
  }
}

function parseMember(member: string): [string, unknown] | undefined {
  if (member.trim().length === 0) return undefined;
  try {
    const object = JSON.parse(`{${member}}`) as Record<string, unknown>;
    const entries = Object.entries(object);
    return entries.length === 1 ? entries[0] : undefined;
  } catch {
    return undefined;
  }
}
