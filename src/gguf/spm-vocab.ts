import { TokenType, Vocab } from "./vocab.ts";

/** SentencePiece writes spaces as U+2581. */
export function spmTokenText(text: string): string {
  return text.replaceAll(" ", "\u2581");
}

/** <unk>, <s>, </s>, then the 256 byte-fallback tokens <0x00>…<0xFF>. */
export function createSpmVocab(): Vocab {
  const vocab = new Vocab();
  vocab.add("<unk>", TokenType.unknown);
  vocab.add("<s>", TokenType.control);
  vocab.add("</s>", TokenType.control);
  for (let byte = 0; byte < 256; byte++) {
    vocab.add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, TokenType.byte);
  }
  return vocab;
}

/** Adds a whole word as one scored piece; SPM merges pieces by score, longer first. */
export function addSpmWord(vocab: Vocab, word: string): number {
  const pieces = Array.from(spmTokenText(word));
  let prefix = "";
  for (const piece of pieces) {
    prefix += piece;
    vocab.add(prefix, TokenType.normal, -vocab.size);
  }
  return vocab.id(prefix) ?? -1;
}
