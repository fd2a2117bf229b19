import { bpeTokenText } from "./bpe-vocab.ts";
import {
  type ChatglmShape,
  chatglmTensors,
  onesChunks,
  writeChatglmMetadata,
  zeroChunks,
} from "./chatglm-layout.ts";
import { GgufWriter } from "./gguf-writer.ts";
import { CHATGLM3_VOCAB_SIZE, GLM4_VOCAB_SIZE } from "./glm-special-tokens.ts";
import { CHATGLM3_CHAT_TEMPLATE, GLM4_CHAT_TEMPLATE } from "./glm-templates.ts";
import { createChatglm3Vocab, createGlm4Vocab } from "./glm-vocab.ts";
import { spmTokenText } from "./spm-vocab.ts";
import { TensorType } from "./tensor-types.ts";
import { TokenType, type Vocab } from "./vocab.ts";

/** A piece of the scripted reply: text, or raw bytes (to split a character across tokens). */
export type ChainPiece = string | Uint8Array;

export interface ScriptedModelSpec {
  /** Tokenizer and special tokens: GLM-4 (BPE), GLM-4 plus GLM-4.5's markup, or ChatGLM3 (SPM). */
  vocabulary?: "glm4" | "glm45" | "chatglm3";
  /** The reply, one token per piece; a piece that repeats an earlier one is merged into it. */
  chain: ChainPiece[];
  /** The token after which the chain starts. */
  after?: string;
  /** The token after the chain, e.g. "<|observation|>" for a tool call. Default: end of text. */
  end?: string;
  /** Repeat the chain forever instead of ending it. */
  loop?: boolean;
  /** Put special tokens at the real models' ids (a full-size, larger vocabulary). */
  realIds?: boolean;
  name?: string;
  /** Default: the family's published template; null writes none. */
  chatTemplate?: string | null;
  contextLength?: number;
  /** GLM-4.5's markup tokens typed CONTROL, as some conversions type them, not user-defined. */
  markupAsControl?: boolean;
}

/** Where the reply comes from: each token's one-hot embedding selects its successor's logit. */
const LOGIT_HALF = 0x4900; // 10.0 as IEEE half
const ONE_HALF = 0x3c00; // 1.0 as IEEE half
const DEFAULT_DIM = 0;

/**
 * Writes a model whose greedy reply is exactly `spec.chain`. Attention and MLP weights are zero,
 * so the residual stream is the current token's embedding and the output matrix maps it to the
 * next token; the real engine runs every layer as usual.
 */
export function writeScriptedModel(path: string, spec: ScriptedModelSpec): void {
  const vocabulary = spec.vocabulary ?? "glm4";
  const realIds = spec.realIds ?? false;
  const vocab =
    vocabulary === "chatglm3"
      ? createChatglm3Vocab(realIds)
      : createGlm4Vocab(
          realIds,
          vocabulary === "glm45",
          undefined,
          spec.markupAsControl ? TokenType.control : TokenType.userDefined,
        );
  const textOf = vocabulary === "chatglm3" ? spmPieceText : bpePieceText;
  const eos = requireToken(vocab, vocabulary === "chatglm3" ? "</s>" : "<|endoftext|>");
  const after = requireToken(vocab, spec.after ?? "<|assistant|>");
  const end = spec.end === undefined ? eos : requireToken(vocab, spec.end);
  const chain = uniqueChain(spec.chain, vocab, textOf, spec.after ?? "<|assistant|>");
  if (spec.realIds) vocab.padTo(vocabulary === "chatglm3" ? CHATGLM3_VOCAB_SIZE : GLM4_VOCAB_SIZE);

  const dims = new Map<number, number>([[after, 1]]);
  for (const [i, token] of chain.entries()) dims.set(token, i + 2);
  const next = [end, chain[0] ?? end, ...chain.slice(1), spec.loop ? (chain[0] ?? end) : end];
  const shape: ChatglmShape = {
    embedding: Math.max(64, roundUp(next.length, 64)),
    layers: 1,
    heads: 2,
    kvHeads: 2,
    feedForward: 64,
    contextLength: spec.contextLength ?? 8192,
  };
  const writer = new GgufWriter();
  const template =
    spec.chatTemplate === undefined ? defaultTemplate(vocabulary) : spec.chatTemplate;
  writeChatglmMetadata(writer, spec.name ?? "glm-serve scripted model", shape, vocab, {
    model: vocabulary === "chatglm3" ? "llama" : "gpt2",
    eos,
    eot: requireToken(vocab, "<|user|>"),
    ...(template ? { chatTemplate: template } : {}),
  });
  for (const slot of chatglmTensors(shape, vocab.size)) {
    const { name, dims: tensorDims } = slot;
    if (slot.role === "embedding") {
      const rows = (token: number) => dims.get(token) ?? DEFAULT_DIM;
      writer.tensor({
        name,
        dims: tensorDims,
        type: TensorType.F16,
        chunks: () => halfRows(vocab.size, shape.embedding, rows, ONE_HALF),
      });
    } else if (slot.role === "output") {
      const sources = successorDims(next, vocab.size);
      writer.tensor({
        name,
        dims: tensorDims,
        type: TensorType.F16,
        chunks: () => halfRowsMulti(vocab.size, shape.embedding, sources),
      });
    } else if (slot.role === "norm") {
      writer.tensor({
        name,
        dims: tensorDims,
        type: TensorType.F32,
        chunks: () => onesChunks(tensorDims),
      });
    } else {
      const type = slot.role === "bias" ? TensorType.F32 : TensorType.F16;
      writer.tensor({ name, dims: tensorDims, type, chunks: () => zeroChunks(type, tensorDims) });
    }
  }
  writer.write(path);
}

function defaultTemplate(vocabulary: "glm4" | "glm45" | "chatglm3"): string {
  return vocabulary === "chatglm3" ? CHATGLM3_CHAT_TEMPLATE : GLM4_CHAT_TEMPLATE;
}

type PieceText = (vocab: Vocab, piece: ChainPiece) => string;

/** Control and markup tokens keep their own text; anything else becomes GPT-2 byte text. */
function bpePieceText(vocab: Vocab, piece: ChainPiece): string {
  const special = typeof piece === "string" ? vocab.id(piece) : undefined;
  if (special !== undefined && vocab.types[special] !== TokenType.normal) return piece as string;
  return bpeTokenText(piece);
}

function spmPieceText(vocab: Vocab, piece: ChainPiece): string {
  if (typeof piece === "string") return vocab.id(piece) === undefined ? spmTokenText(piece) : piece;
  if (piece.length !== 1) throw new Error("a ChatGLM3 byte piece must be a single byte");
  return `<0x${(piece[0] ?? 0).toString(16).toUpperCase().padStart(2, "0")}>`;
}

/** A token can have one successor only, so a piece that repeats an earlier one joins the one before it. */
function uniqueChain(
  pieces: ChainPiece[],
  vocab: Vocab,
  textOf: PieceText,
  after: string,
): number[] {
  const merged: ChainPiece[] = [];
  const texts: string[] = [];
  const repeats = (text: string, upTo: number) =>
    text === after || texts.slice(0, upTo).includes(text);
  for (const piece of pieces) {
    merged.push(piece);
    texts.push(textOf(vocab, piece));
    // Join backwards until the newest text is new; a merged text can itself repeat.
    while (merged.length > 1 && repeats(texts.at(-1) ?? "", texts.length - 1)) {
      const last = merged.pop() as ChainPiece;
      texts.pop();
      const joined = concat(merged.pop() as ChainPiece, last);
      texts.pop();
      merged.push(joined);
      texts.push(textOf(vocab, joined));
    }
  }
  return texts.map((text) => vocab.add(text));
}

function concat(left: ChainPiece, right: ChainPiece): ChainPiece {
  if (typeof left === "string" && typeof right === "string") return left + right;
  const encoder = new TextEncoder();
  const a = typeof left === "string" ? encoder.encode(left) : left;
  const b = typeof right === "string" ? encoder.encode(right) : right;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function requireToken(vocab: Vocab, text: string): number {
  const id = vocab.id(text);
  if (id === undefined) throw new Error(`the vocabulary has no token ${JSON.stringify(text)}`);
  return id;
}

function successorDims(next: number[], nVocab: number): Map<number, number[]> {
  const sources = new Map<number, number[]>();
  next.forEach((token, dim) => {
    if (token >= nVocab) return;
    sources.set(token, [...(sources.get(token) ?? []), dim]);
  });
  return sources;
}

const ROWS_PER_CHUNK = 4096;

function* halfRows(
  rows: number,
  width: number,
  dimOf: (row: number) => number,
  value: number,
): Generator<Uint8Array> {
  for (let start = 0; start < rows; start += ROWS_PER_CHUNK) {
    const count = Math.min(ROWS_PER_CHUNK, rows - start);
    const chunk = new Uint16Array(count * width);
    for (let r = 0; r < count; r++) chunk[r * width + dimOf(start + r)] = value;
    yield new Uint8Array(chunk.buffer);
  }
}

function* halfRowsMulti(
  rows: number,
  width: number,
  sources: Map<number, number[]>,
): Generator<Uint8Array> {
  for (let start = 0; start < rows; start += ROWS_PER_CHUNK) {
    const count = Math.min(ROWS_PER_CHUNK, rows - start);
    const chunk = new Uint16Array(count * width);
    for (let r = 0; r < count; r++) {
      for (const dim of sources.get(start + r) ?? []) chunk[r * width + dim] = LOGIT_HALF;
    }
    yield new Uint8Array(chunk.buffer);
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
