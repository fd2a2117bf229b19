import {
  COPY_REPLY_TOKENS,
  copyAggregate,
  copyReply,
  ensureCopyDraftModel,
  ensureCopyModel,
  warmUp,
} from "./copy-heavy.ts";
import { percentile } from "./measure.ts";
import { singleStream } from "./scenarios.ts";
import type { BenchServer } from "./servers.ts";

/** llama-server's n-gram kinds, each at its defaults, and ngram-simple tuned to short matches. */
const LLAMA_NGRAM_CONFIGS: Array<{ name: string; flags: string[] }> = [
  { name: "ngram-simple", flags: ["--spec-type", "ngram-simple"] },
  {
    name: "ngram-simple, n 3, m 16",
    flags: [
      "--spec-type",
      "ngram-simple",
      "--spec-ngram-simple-size-n",
      "3",
      "--spec-ngram-simple-size-m",
      "16",
    ],
  },
  { name: "ngram-map-k", flags: ["--spec-type", "ngram-map-k"] },
  { name: "ngram-mod", flags: ["--spec-type", "ngram-mod"] },
];

/** Turns per compared server: copy-heavy replies, 4-client aggregates, random-bench runs. */
const SINGLE_ROUNDS = 5;
const AGGREGATE_ROUNDS = 3;
const RANDOM_ROUNDS = 3;

export interface SpeculationFigures {
  /** Copy-heavy single stream, tok/s: each the median of SINGLE_ROUNDS replies in turn. */
  oursCopy: number;
  oursCopyOff: number;
  /** Copy-heavy single stream with --spec draft and the small draft model, and its counters. */
  oursCopyDraft: { rate: number; drafted: number; accepted: number };
  /** llama-server's best n-gram kind, measured in turn with ours. */
  theirsCopyBest: { name: string; rate: number };
  /** Each llama-server n-gram config's copy-heavy single stream in the choosing pass, tok/s. */
  theirsCopy: Array<{ name: string; rate: number }>;
  oursCopyAggregate: number;
  theirsCopyAggregate: number;
  /** The random bench's single stream, tok/s, with --spec auto and off. */
  oursRandomAuto: number;
  oursRandomOff: number;
  /** Our drafted and accepted tokens over the copy-heavy single streams. */
  drafted: number;
  accepted: number;
}

type Start = (model: string, port: number, extra: string[]) => Promise<BenchServer>;

/** A server started, warmed up, measured and stopped. */
async function measureFresh<T>(
  start: () => Promise<BenchServer>,
  measure: (server: BenchServer) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    await warmUp(server);
    return await measure(server);
  } finally {
    await server.stop();
  }
}

/**
 * Each server's `rounds` measurements, taken in turn with a fresh process each time: drift in
 * the machine's speed hits every server alike, and so does luck in where a process's weights
 * land in memory (on a VM here one process of several decoded 40% slower for its whole life).
 */
async function inTurn<T>(
  starts: Array<() => Promise<BenchServer>>,
  rounds: number,
  measure: (server: BenchServer) => Promise<T>,
): Promise<T[][]> {
  const samples: T[][] = starts.map(() => []);
  for (let round = 0; round < rounds; round++) {
    // Each round starts one server later, so no server always follows the same one.
    for (let k = 0; k < starts.length; k++) {
      const i = (round + k) % starts.length;
      const start = starts[i];
      if (start) samples[i]?.push(await measureFresh(start, measure));
    }
  }
  return samples;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

async function draftCounters(server: BenchServer): Promise<{ drafted: number; accepted: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return {
    drafted: value("glm_draft_tokens_total"),
    accepted: value("glm_draft_accepted_tokens_total"),
  };
}

/**
 * Every speculation figure. llama-server's best n-gram kind is chosen in a first pass; then the
 * servers of each compared set take turns, a fresh process each turn.
 */
export async function measureSpeculation(
  models: { copy: string; copyDraft: string; random: string },
  ours: Start,
  theirs: Start,
  log: (message: string) => void,
): Promise<SpeculationFigures> {
  const { copy: copyModel, copyDraft, random: randomModel } = models;
  ensureCopyModel(copyModel);
  ensureCopyDraftModel(copyDraft);
  const theirsCopy: SpeculationFigures["theirsCopy"] = [];
  for (const config of LLAMA_NGRAM_CONFIGS) {
    log(`speculation: llama-server ${config.name} on the copy-heavy bench`);
    const start = () => theirs(copyModel, 18081, config.flags);
    theirsCopy.push({ name: config.name, rate: await measureFresh(start, copyReply) });
  }
  const best = theirsCopy.reduce((a, b) => (b.rate > a.rate ? b : a));
  const bestFlags = LLAMA_NGRAM_CONFIGS.find((config) => config.name === best.name)?.flags ?? [];
  log(
    `speculation: glm-serve (auto, off, draft) and llama-server ${best.name}, ${SINGLE_ROUNDS} copy-heavy replies each in turn`,
  );
  // Ours reports its draft counters with each rate.
  const oursCopy = async (server: BenchServer) => {
    const before = await draftCounters(server); // the warm-up's
    const rate = await copyReply(server);
    const after = await draftCounters(server);
    return {
      rate,
      drafted: after.drafted - before.drafted,
      accepted: after.accepted - before.accepted,
    };
  };
  const rateOnly = async (server: BenchServer) => ({
    rate: await copyReply(server),
    drafted: 0,
    accepted: 0,
  });
  const [on = [], off = [], draft = [], other = []] = await inTurn(
    [
      () => ours(copyModel, 18080, []),
      () => ours(copyModel, 18080, ["--spec", "off"]),
      () => ours(copyModel, 18080, ["--spec", "draft", "--draft-model", copyDraft]),
      () => theirs(copyModel, 18081, bestFlags),
    ],
    SINGLE_ROUNDS,
    (server) => (server.name === "glm-serve" ? oursCopy(server) : rateOnly(server)),
  );
  const summary = (runs: Array<{ rate: number; drafted: number; accepted: number }>) => ({
    rate: median(runs.map((run) => run.rate)),
    drafted: runs.reduce((sum, run) => sum + run.drafted, 0),
    accepted: runs.reduce((sum, run) => sum + run.accepted, 0),
  });
  log(`speculation: 4 clients, glm-serve and llama-server ${best.name} in turn`);
  const [oursAggregate = [], theirsAggregate = []] = await inTurn(
    [() => ours(copyModel, 18080, []), () => theirs(copyModel, 18081, bestFlags)],
    AGGREGATE_ROUNDS,
    copyAggregate,
  );
  log("speculation: glm-serve --spec auto and off on the random bench, in turn");
  const [randomAuto = [], randomOff = []] = await inTurn(
    [
      () => ours(randomModel, 18080, ["--spec", "auto"]),
      () => ours(randomModel, 18080, ["--spec", "off"]),
    ],
    RANDOM_ROUNDS,
    singleStream,
  );
  const onSummary = summary(on);
  return {
    oursCopy: onSummary.rate,
    oursCopyOff: summary(off).rate,
    oursCopyDraft: summary(draft),
    theirsCopyBest: { name: best.name, rate: summary(other).rate },
    theirsCopy,
    oursCopyAggregate: median(oursAggregate),
    theirsCopyAggregate: median(theirsAggregate),
    oursRandomAuto: median(randomAuto),
    oursRandomOff: median(randomOff),
    drafted: onSummary.drafted,
    accepted: onSummary.accepted,
  };
}

export function formatSpeculation(figures: SpeculationFigures): string {
  const best = figures.theirsCopyBest;
  const row = (label: string, ours: number, other: number, must: number) => {
    const ratio = other > 0 ? ours / other : 0;
    const met = ratio >= must ? "yes" : "**no**";
    return `| ${label} | ${ours.toFixed(1)} tok/s | ${other.toFixed(1)} tok/s | ${ratio.toFixed(2)} | ≥ ${must.toFixed(2)} | ${met} |`;
  };
  const acceptance = figures.drafted > 0 ? figures.accepted / figures.drafted : 0;
  const draft = figures.oursCopyDraft;
  const draftAcceptance = draft.drafted > 0 ? draft.accepted / draft.drafted : 0;
  const draftRatio = figures.oursCopyOff > 0 ? draft.rate / figures.oursCopyOff : 0;
  return [
    "## Speculative decoding",
    "",
    `- copy-heavy bench: the bench model's shape and Q4_0 with zeroed attention and MLP and an output matrix that makes greedy decoding reply a quoted file of ${COPY_REPLY_TOKENS} tokens with an eighth of them changed (bench/copy-heavy.ts); replies of ${COPY_REPLY_TOKENS} tokens`,
    `- glm-serve runs with its defaults (\`--spec auto\`, prompt lookup, up to 16 drafted tokens); on the copy-heavy single streams it drafted ${figures.drafted} tokens and the model kept ${figures.accepted} (${(acceptance * 100).toFixed(0)}%)`,
    `- llama-server's n-gram kinds on the same single stream, one reply each: ${figures.theirsCopy.map((c) => `${c.name} ${c.rate.toFixed(1)} tok/s`).join(", ")}; the best, ${best.name}, is the one compared`,
    `- the compared servers take turns, each turn a fresh process; a figure is the median of ${SINGLE_ROUNDS} single-stream replies, ${AGGREGATE_ROUNDS} 4-client aggregates of 8 replies, or ${RANDOM_ROUNDS} random-bench runs of three 96-token replies`,
    "",
    "| figure | glm-serve | against | ratio | must | met |",
    "|---|---|---|---|---|---|",
    row(`copy-heavy single stream vs llama-server ${best.name}`, figures.oursCopy, best.rate, 1.0),
    row(
      "copy-heavy single stream vs glm-serve --spec off",
      figures.oursCopy,
      figures.oursCopyOff,
      1.8,
    ),
    row(
      "random bench single stream, --spec auto vs off",
      figures.oursRandomAuto,
      figures.oursRandomOff,
      0.97,
    ),
    row(
      `copy-heavy 4-client aggregate vs llama-server ${best.name}`,
      figures.oursCopyAggregate,
      figures.theirsCopyAggregate,
      1.0,
    ),
    `| copy-heavy single stream, --spec draft (a 2-layer draft that knows the file, not the edit) vs glm-serve --spec off | ${draft.rate.toFixed(1)} tok/s | ${figures.oursCopyOff.toFixed(1)} tok/s | ${draftRatio.toFixed(2)} | none | - |`,
    "",
    `- with --spec draft the model kept ${draft.accepted} of ${draft.drafted} drafted tokens (${(draftAcceptance * 100).toFixed(0)}%)`,
    "",
  ].join("\n");
}
