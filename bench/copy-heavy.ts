import { existsSync } from "node:fs";
import { bpeTokenText } from "../src/gguf/bpe-vocab.ts";
import { fillerText, writeChainModel } from "../src/gguf/chain-model.ts";
import { createGlm4Vocab } from "../src/gguf/glm-vocab.ts";
import { RANDOM_PRESETS } from "../src/gguf/random-model.ts";
import { decodeRate, timedStream } from "./measure.ts";
import type { BenchServer } from "./servers.ts";

/**
 * The copy-heavy bench, shaped like a code edit: the prompt quotes a file, and the reply is that
 * file with some lines changed. Each of PERIODS stretches is SPAN tokens the reply copies from
 * the file, then EDIT tokens that differ (the file's own EDIT tokens there are never replied),
 * so an eighth of the reply is new.
 */
const SPAN = 28;
const EDIT = 4;
const PERIODS = 8;
/** The reply's length: one pass over the edited file. */
export const COPY_REPLY_TOKENS = PERIODS * (SPAN + EDIT);
const FIRST_ID = 20_000; // five-digit fillers, so no token's text is a prefix of another's

interface CopyScenario {
  links: Array<[number, number]>;
  /**
   * A small draft model's links: it knows the file, not the edit, so it guesses the file's own
   * tokens where the reply changes them, and picks the file up again after each edit.
   */
  draftLinks: Array<[number, number]>;
  wholeTokens: number[];
  /** The quoted file as text; each token " w<id>" stays whole. */
  file: string;
}

function copyScenario(): CopyScenario {
  let next = FIRST_ID;
  const take = (n: number) => Array.from({ length: n }, () => next++);
  const file: number[] = [];
  const reply: number[] = [];
  for (let period = 0; period < PERIODS; period++) {
    const span = take(SPAN);
    file.push(...span, ...take(EDIT));
    reply.push(...span, ...take(EDIT));
  }
  const vocab = createGlm4Vocab(true, false);
  const starts = [vocab.id("<|assistant|>"), vocab.id(bpeTokenText("\n"))];
  const first = reply[0] as number;
  const links: Array<[number, number]> = starts
    .filter((id): id is number => id !== undefined)
    .map((id) => [id, first]);
  const draftLinks = [...links];
  // The reply loops, so replies longer than one pass stay on the file.
  for (const [i, token] of reply.entries()) {
    links.push([token, reply[(i + 1) % reply.length] as number]);
  }
  for (const [i, token] of file.entries()) {
    draftLinks.push([token, file[(i + 1) % file.length] as number]);
  }
  for (let at = SPAN + EDIT - 1; at < reply.length; at += SPAN + EDIT) {
    draftLinks.push([reply[at] as number, reply[(at + 1) % reply.length] as number]);
  }
  return {
    links,
    draftLinks,
    wholeTokens: [...new Set([...file, ...reply])],
    file: file.map(fillerText).join(""),
  };
}

const scenario = copyScenario();

/** Writes the copy-heavy model (the random bench model's shape and Q4_0) unless it exists. */
export function ensureCopyModel(path: string): void {
  if (existsSync(path)) return;
  writeChainModel(path, {
    preset: RANDOM_PRESETS.bench,
    links: scenario.links,
    wholeTokens: scenario.wholeTokens,
    name: "glm-serve copy-heavy bench",
  });
}

/** A draft model for the copy-heavy bench: 2 layers of 256, Q4_0, the same vocabulary. */
const DRAFT_PRESET = {
  shape: {
    embedding: 256,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    feedForward: 512,
    contextLength: RANDOM_PRESETS.bench.shape.contextLength,
  },
  vocabSize: RANDOM_PRESETS.bench.vocabSize,
  weights: RANDOM_PRESETS.bench.weights,
};

/** Writes the copy-heavy bench's draft model unless it exists. */
export function ensureCopyDraftModel(path: string): void {
  if (existsSync(path)) return;
  writeChainModel(path, {
    preset: DRAFT_PRESET,
    links: scenario.draftLinks,
    wholeTokens: scenario.wholeTokens,
    name: "glm-serve copy-heavy draft",
  });
}

const messages = [
  { role: "user" as const, content: `Apply the edit to this file:${scenario.file}` },
];

/** A short reply, so a server's first copy-heavy reply is not its first of all. */
export async function warmUp(server: BenchServer): Promise<void> {
  await timedStream(server.url, [{ role: "user", content: "warm up" }], 8);
}

/** Decode tok/s of one copy-heavy reply. */
export async function copyReply(server: BenchServer): Promise<number> {
  return decodeRate(await timedStream(server.url, messages, COPY_REPLY_TOKENS));
}

/** Aggregate tok/s of 8 copy-heavy replies over 4 clients. */
export async function copyAggregate(server: BenchServer): Promise<number> {
  const queue = Array.from({ length: 8 }, (_, i) => i);
  let tokens = 0;
  const started = performance.now();
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      // Awaited first: `tokens += await …` would read `tokens` before the wait and lose counts.
      const timing = await timedStream(server.url, messages, COPY_REPLY_TOKENS);
      tokens += timing.tokens;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return tokens / ((performance.now() - started) / 1000);
}
