import type { PairsRead } from "./json-pair-stream.ts";
import { parsePythonLiteral } from "./python-literal.ts";

const KEYWORD = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*)$/;

/**
 * Reads `key=literal` arguments of a Python call as its text streams in (after the opening
 * `(`). An argument is complete at the first `,` or `)` before which its value parses as a
 * literal: commas inside strings or brackets leave the value unparseable, so no bracket
 * tracking is needed, and nothing is ever evaluated. An argument that never parses (a name,
 * a call) takes the rest of the call with it.
 */
export class PythonKwargStream {
  private argument = "";
  private closed = false;

  push(text: string): PairsRead {
    const pairs: Array<[string, unknown]> = [];
    for (const char of text) {
      if (this.closed) break;
      if (char !== "," && char !== ")") {
        this.argument += char;
        continue;
      }
      const pair = readKeyword(this.argument);
      if (pair) {
        pairs.push(pair);
        this.argument = "";
        if (char === ")") this.closed = true;
      } else if (char === ")" && this.argument.trim().length === 0) {
        this.closed = true;
      } else {
        this.argument += char;
      }
    }
    return { pairs, closed: this.closed };
  }

  /** At the end of a reply cut short: the argument in progress, if it parses on its own. */
  end(): [string, unknown] | undefined {
    return this.closed ? undefined : readKeyword(this.argument);
  }
}

function readKeyword(argument: string): [string, unknown] | undefined {
  const match = KEYWORD.exec(argument);
  if (!match) return undefined;
  const value = parsePythonLiteral((match[2] ?? "").trim());
  return value.ok ? [match[1] ?? "", value.value] : undefined;
}
