import { TokenType, Vocab } from "./vocab.ts";

/** GPT-2 maps every byte to a printable character; printable bytes keep their own. */
function byteCharacters(): string[] {
  const printable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || byte >= 0xae;
  const characters: string[] = new Array(256);
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    characters[byte] = String.fromCodePoint(printable(byte) ? byte : 256 + shifted++);
  }
  return characters;
}

const characterOf = byteCharacters();
const encoder = new TextEncoder();

/** GPT-2 token text for raw bytes, e.g. "\n" → "Ċ", " t" → "Ġt". */
export function bpeTokenText(bytes: Uint8Array | string): string {
  const raw = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  return Array.from(raw, (byte) => characterOf[byte] ?? "").join("");
}

/** The 256 byte tokens in GPT-2's order (printable bytes first), so "\n" gets id 198. */
export function createBpeVocab(): Vocab {
  const vocab = new Vocab();
  const order = [...Array(256).keys()].sort((a, b) => byteRank(a) - byteRank(b) || a - b);
  for (const byte of order) vocab.add(characterOf[byte] ?? "", TokenType.normal);
  return vocab;
}

function byteRank(byte: number): number {
  return (characterOf[byte]?.codePointAt(0) ?? 0) >= 256 ? 1 : 0;
}

/**
 * Adds merges so that `word` becomes one token, left to right; every prefix becomes a token too.
 * `finalId` places the whole word at a chosen id (after the prefixes).
 */
export function addBpeWord(
  vocab: Vocab,
  word: string,
  finalId?: number,
  filler?: (id: number) => string,
): number {
  const characters = Array.from(bpeTokenText(word));
  let prefix = characters[0] ?? "";
  for (let i = 1; i < characters.length; i++) {
    const next = characters[i] ?? "";
    const merged = prefix + next;
    if (vocab.id(merged) === undefined) {
      vocab.merges.push(`${prefix} ${next}`);
      if (i === characters.length - 1 && finalId !== undefined) vocab.padTo(finalId, filler);
      vocab.add(merged);
    }
    prefix = merged;
  }
  return vocab.id(prefix) ?? -1;
}
