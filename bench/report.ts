import type { ServerFigures } from "./scenarios.ts";
import { KV_Q8 } from "./servers.ts";

export interface Round {
  ours: ServerFigures;
  theirs: ServerFigures;
}

interface Figure {
  label: string;
  /** undefined in rounds that do not measure it. */
  pick: (figures: ServerFigures) => number | undefined;
  unit: string;
  /** Higher is better for speeds, lower for times and memory. */
  higherIsBetter: boolean;
  /** The "must"; figures without one are extra and show "—". */
  must?: (ratio: number, ours: number) => boolean;
  target: string;
}

const FIGURES: Figure[] = [
  {
    label: "single-stream decode",
    pick: (f) => f.singleTokensPerSecond,
    unit: "tok/s",
    higherIsBetter: true,
    must: (r) => r >= 0.97,
    target: "≥ 0.97",
  },
  {
    label: "4-concurrent aggregate",
    pick: (f) => f.aggregateTokensPerSecond,
    unit: "tok/s",
    higherIsBetter: true,
    must: (r) => r >= 1.0,
    target: "≥ 1.00",
  },
  {
    label: "2-concurrent aggregate",
    pick: (f) => f.twoClientTokensPerSecond,
    unit: "tok/s",
    higherIsBetter: true,
    target: "—",
  },
  {
    label: "3-concurrent aggregate",
    pick: (f) => f.threeClientTokensPerSecond,
    unit: "tok/s",
    higherIsBetter: true,
    target: "—",
  },
  {
    label: "turn-2 TTFT",
    pick: (f) => f.turn2FirstTokenMs,
    unit: "ms",
    higherIsBetter: false,
    must: (r) => r <= 1.1,
    target: "≤ 1.10",
  },
  {
    label: "decode stall during a ~1,500-token prefill",
    pick: (f) => f.stallMs,
    unit: "ms",
    higherIsBetter: false,
    must: (r) => r <= 0.1,
    target: "≤ 0.10",
  },
  {
    label: "that long prompt's TTFT under load",
    pick: (f) => f.longPromptFirstTokenMs,
    unit: "ms",
    higherIsBetter: false,
    must: (r) => r <= 1.25,
    target: "≤ 1.25",
  },
  {
    label: "returning conversation TTFT p50 (8 conversations, 4 slots)",
    pick: (f) => f.returningFirstTokenMs,
    unit: "ms",
    higherIsBetter: false,
    must: (r) => r <= 1.0,
    target: "≤ 1.00",
  },
  {
    label: "single-stream decode, q8_0 KV",
    pick: (f) => f.kvQ8SingleTokensPerSecond,
    unit: "tok/s",
    higherIsBetter: true,
    target: "—",
  },
  {
    label: "RSS with q8_0 KV",
    pick: (f) => f.kvQ8ResidentMiB,
    unit: "MiB",
    higherIsBetter: false,
    target: "—",
  },
  {
    label: "/health p50 during load",
    pick: (f) => f.healthP50Ms,
    unit: "ms",
    higherIsBetter: false,
    target: "—",
  },
  {
    label: "/health max during load",
    pick: (f) => f.healthMaxMs,
    unit: "ms",
    higherIsBetter: false,
    must: (_, ours) => ours < 50,
    target: "ours < 50 ms",
  },
  {
    label: "RSS after load",
    pick: (f) => f.residentMiB,
    unit: "MiB",
    higherIsBetter: false,
    must: (r) => r <= 1.15,
    target: "≤ 1.15",
  },
];

/** Best of the rounds for each figure, since noise only ever makes a run look worse. */
function best(rounds: Round[], side: "ours" | "theirs", figure: Figure): number {
  const values = rounds
    .map((round) => figure.pick(round[side]))
    .filter((value): value is number => value !== undefined);
  if (values.length === 0) return 0;
  return figure.higherIsBetter ? Math.max(...values) : Math.min(...values);
}

export function formatReport(
  rounds: Round[],
  ceiling: { pp: number; tg: number },
  context: { machine: string; commit: string; date: string; minutes: number },
): string {
  const rows = FIGURES.map((figure) => {
    const ours = best(rounds, "ours", figure);
    const theirs = best(rounds, "theirs", figure);
    const ratio = theirs > 0 ? ours / theirs : 0;
    const ok = figure.must ? (figure.must(ratio, ours) ? "yes" : "**no**") : "—";
    return `| ${figure.label} | ${ours.toFixed(1)} ${figure.unit} | ${theirs.toFixed(1)} ${figure.unit} | ${ratio.toFixed(2)} | ${figure.target} | ${ok} |`;
  });
  const promptTokens = rounds[0]?.ours.turn2PromptTokens ?? 0;
  const first = rounds[0];
  const kvLine = (side: "ours" | "theirs", name: string) => {
    const figures = first?.[side];
    if (!figures?.kvQ8SingleTokensPerSecond || !figures.kvQ8ResidentMiB)
      return `${name}: not measured`;
    const decode = figures.kvQ8SingleTokensPerSecond / figures.singleTokensPerSecond;
    const rss = figures.kvQ8ResidentMiB / figures.singleResidentMiB;
    return `${name} decode ${decode.toFixed(2)}, RSS ${rss.toFixed(2)}`;
  };
  return [
    "# make bench: glm-serve vs llama-server",
    "",
    `- machine: ${context.machine}`,
    `- commit: ${context.commit}, ${context.date}, ${rounds.length} rounds (best of each), ${context.minutes.toFixed(1)} min in all`,
    "- model: random-weight chatglm ~2B (hidden 2048, 24 layers, 16 heads, 2 KV heads, FFN 6848, vocab 151552), Q4_0",
    "- both servers: --threads 2 --ctx-size 8192 --parallel 4 (so both keep a host prompt cache, llama-server's and ours at 8192 MiB); temperature 0, ignore_eos, streamed; glm-serve with --spec off, since llama-server speculates only when asked (speculation has its own table below)",
    `- turn-2 prompt: ${promptTokens} tokens (the first turn's history is cached)`,
    "",
    "| figure | glm-serve | llama-server | ratio | must | met |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `q8_0 KV (\`${KV_Q8.join(" ")}\`, first round) against f16 KV in the same round: ${kvLine("ours", "glm-serve")}; ${kvLine("theirs", "llama-server")}. (Both RSS figures are read after the warm-up and single streams, before any load.)`,
    "",
    `llama-bench ceiling (same file, 2 threads): pp512 ${ceiling.pp.toFixed(1)} tok/s, tg128 ${ceiling.tg.toFixed(1)} tok/s.`,
    "",
  ].join("\n");
}
