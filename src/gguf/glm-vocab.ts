import { addBpeWord, createBpeVocab } from "./bpe-vocab.ts";
import {
  CHATGLM3_FIRST_SPECIAL_ID,
  CHATGLM3_SPECIAL_TOKENS,
  GLM4_FIRST_SPECIAL_ID,
  GLM4_SPECIAL_TOKENS,
  GLM45_MARKUP_TOKENS,
} from "./glm-special-tokens.ts";
import { addSpmWord, createSpmVocab } from "./spm-vocab.ts";
import { TokenType, type Vocab } from "./vocab.ts";

/**
 * GLM-4's BPE vocabulary in miniature: bytes, a few merged words, then the special tokens.
 * With `realIds` the specials sit at the real model's ids (151329…) and "你好" at 109377.
 */
export function createGlm4Vocab(
  realIds: boolean,
  glm45Markup: boolean,
  filler?: (id: number) => string,
  markupType: TokenType = TokenType.userDefined,
): Vocab {
  const vocab = createBpeVocab();
  for (const word of [" t", " the", "Hello", " world"]) addBpeWord(vocab, word);
  addBpeWord(vocab, "你好", realIds ? 109377 : undefined, filler);
  if (realIds) vocab.padTo(GLM4_FIRST_SPECIAL_ID, filler);
  for (const token of GLM4_SPECIAL_TOKENS) vocab.add(token, TokenType.control);
  if (glm45Markup) for (const token of GLM45_MARKUP_TOKENS) vocab.add(token, markupType);
  return vocab;
}

/** ChatGLM3's SentencePiece vocabulary in miniature; `realIds` puts [gMASK] at 64790. */
export function createChatglm3Vocab(realIds: boolean): Vocab {
  const vocab = createSpmVocab();
  for (const word of [" ", "t", " t", "Hello", " world"]) addSpmWord(vocab, word);
  if (realIds) vocab.padTo(CHATGLM3_FIRST_SPECIAL_ID);
  for (const token of CHATGLM3_SPECIAL_TOKENS) vocab.add(token, TokenType.control);
  return vocab;
}
