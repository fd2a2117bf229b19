import {
  COPY_REPLY_TOKENS,
  copyAggregate,
  copySingle,
  ensureCopyDraftModel,
  ensureCopyModel,
} from "./copy-heavy.ts";
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

export interface SpeculationFigures {
  /** Copy-heavy single stream, tok/s. */
  oursCopy: number;
  oursCopyOff: number;
  /** Copy-heavy single stream with --spec draft and the small draft model, and its counters. */
  oursCopyDraft: { rate: number; drafted: number; accepted: number };
  /** Each llama-server n-gram config's copy-heavy single stream, tok/s. */
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

type Start = (model: string, extra: string[]) => Promise<BenchServer>;

async function withServer<T>(
  start: Start,
  model: string,
  extra: string[],
  run: (server: BenchServer) => Promise<T>,
): Promise<T> {
  const server = await start(model, extra);
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

async function draftCounters(server: BenchServer): Promise<{ drafted: number; accepted: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return {
    drafted: value("glm_draft_tokens_total"),
    accepted: value("glm_draft_accepted_tokens_total"),
  };
}

/** Every speculation figure, each pair from servers started one after the other in this run. */
export async function measureSpeculation(
  models: { copy: string; copyDraft: string; random: string },
  ours: Start,
  theirs: Start,
  log: (message: string) => void,
): Promise<SpeculationFigures> {
  const { copy: copyModel, copyDraft, random: randomModel } = models;
  ensureCopyModel(copyModel);
  ensureCopyDraftModel(copyDraft);
  log("speculation: glm-serve on the copy-heavy bench");
  const on = await withServer(ours, copyModel, [], async (server) => {
    const rate = await copySingle(server);
    const counters = await draftCounters(server);
    return { rate, ...counters, aggregate: await copyAggregate(server) };
  });
  log("speculation: glm-serve --spec off on the copy-heavy bench");
  const off = await withServer(ours, copyModel, ["--spec", "off"], copySingle);
  log("speculation: glm-serve --spec draft on the copy-heavy bench");
  const draftFlags = ["--spec", "draft", "--draft-model", copyDraft];
  const withDraft = await withServer(ours, copyModel, draftFlags, async (server) => ({
    rate: await copySingle(server),
    ...(await draftCounters(server)),
  }));
  const theirsCopy: SpeculationFigures["theirsCopy"] = [];
  for (const config of LLAMA_NGRAM_CONFIGS) {
    log(`speculation: llama-server ${config.name} on the copy-heavy bench`);
    theirsCopy.push({
      name: config.name,
      rate: await withServer(theirs, copyModel, config.flags, copySingle),
    });
  }
  const best = theirsCopy.reduce((a, b) => (b.rate > a.rate ? b : a));
  const bestFlags = LLAMA_NGRAM_CONFIGS.find((config) => config.name === best.name)?.flags ?? [];
  log(`speculation: llama-server ${best.name}, 4 clients on the copy-heavy bench`);
  const theirsCopyAggregate = await withServer(theirs, copyModel, bestFlags, copyAggregate);
  log("speculation: glm-serve --spec auto and off on the random bench");
  const randomAuto = await withServer(ours, randomModel, ["--spec", "auto"], singleStream);
  const randomOff = await withServer(ours, randomModel, ["--spec", "off"], singleStream);
  return {
    oursCopy: on.rate,
    oursCopyOff: off,
    oursCopyDraft: withDraft,
    theirsCopy,
    oursCopyAggregate: on.aggregate,
    theirsCopyAggregate,
    oursRandomAuto: randomAuto,
    oursRandomOff: randomOff,
    drafted: on.drafted,
    accepted: on.accepted,
  };
}

export function formatSpeculation(figures: SpeculationFigures): string {
  const best = figures.theirsCopy.reduce((a, b) => (b.rate > a.rate ? b : a));
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
    `- llama-server's n-gram kinds on the same single stream: ${figures.theirsCopy.map((c) => `${c.name} ${c.rate.toFixed(1)} tok/s`).join(", ")}; the best, ${best.name}, is the one compared`,
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
