import { execSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { RANDOM_PRESETS, writeRandomModel } from "../src/gguf/random-model.ts";
import { formatReport, type Round } from "./report.ts";
import { formatRpc, measureRpc } from "./rpc.ts";
import {
  kvFigures,
  measureServer,
  returningConversations,
  type ServerFigures,
} from "./scenarios.ts";
import { type BenchServer, KV_Q8, SHARED, startLlamaServer, startOurs } from "./servers.ts";
import { formatSpeculation, measureSpeculation } from "./speculation.ts";

const root = join(import.meta.dir, "..");
const llamaBin = process.env.LLAMA_BIN ?? join(root, "build", "llama-cpu", "bin");
const model = process.env.BENCH_MODEL ?? join(root, "build", "bench", "glm-bench-2b.Q4_0.gguf");
const copyModel = join(root, "build", "bench", "glm-bench-copy-2b.Q4_0.gguf");
const copyDraftModel = join(root, "build", "bench", "glm-bench-copy-draft.Q4_0.gguf");
/** The engine rows compare like with like: llama-server speculates only when asked to. */
const OURS_PLAIN = ["--spec", "off"];
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function log(message: string): void {
  console.error(`bench: ${message}`);
}

function llamaBench(): { pp: number; tg: number } {
  const output = execSync(
    `${join(llamaBin, "llama-bench")} -m ${model} -t ${SHARED.threads} -p 512 -n 128 -r 2 -o json`,
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  const rows = JSON.parse(output) as Array<{ n_prompt: number; n_gen: number; avg_ts: number }>;
  return {
    pp: rows.find((row) => row.n_prompt > 0)?.avg_ts ?? 0,
    tg: rows.find((row) => row.n_gen > 0)?.avg_ts ?? 0,
  };
}

/** Every figure of one server; `once` adds those measured in the first round only. */
async function measure(
  start: (extra?: string[]) => Promise<BenchServer>,
  once: boolean,
): Promise<ServerFigures> {
  const server = await start();
  let figures: ServerFigures;
  try {
    log(`measuring ${server.name}`);
    figures = await measureServer(server);
    if (once) {
      log(`measuring ${server.name}: 8 conversations returning to 4 slots`);
      figures.returningFirstTokenMs = await returningConversations(server);
    }
  } finally {
    await server.stop();
  }
  if (!once) return figures;
  const quantized = await start(KV_Q8);
  try {
    log(`measuring ${quantized.name} with q8_0 KV`);
    const kv = await kvFigures(quantized);
    figures.kvQ8SingleTokensPerSecond = kv.singleTokensPerSecond;
    figures.kvQ8ResidentMiB = kv.residentMiB;
  } finally {
    await quantized.stop();
  }
  return figures;
}

async function main(): Promise<void> {
  const started = performance.now();
  if (!existsSync(model)) {
    log(`writing the bench model ${model}`);
    mkdirSync(join(root, "build", "bench"), { recursive: true });
    writeRandomModel(model, RANDOM_PRESETS.bench);
  }
  const results: Round[] = [];
  // Alternate the servers so drift in the machine's speed hits both alike.
  for (let round = 0; round < rounds; round++) {
    const once = round === 0;
    const ours = await measure(
      (extra = []) => startOurs(model, 18080, [...OURS_PLAIN, ...extra]),
      once,
    );
    const theirs = await measure(
      (extra) => startLlamaServer(join(llamaBin, "llama-server"), model, 18081, extra),
      once,
    );
    results.push({ ours, theirs });
  }
  const speculation = await measureSpeculation(
    { copy: copyModel, copyDraft: copyDraftModel, random: model },
    startOurs,
    (file, port, extra) => startLlamaServer(join(llamaBin, "llama-server"), file, port, extra),
    log,
  );
  const rpc = await measureRpc(model, log);
  log("running llama-bench");
  const ceiling = llamaBench();
  const commit = execSync("git rev-parse --short HEAD", { cwd: root, encoding: "utf8" }).trim();
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores`;
  const engineRows = formatReport(results, ceiling, {
    machine,
    commit,
    date: new Date().toISOString(),
    minutes: (performance.now() - started) / 60_000,
  });
  // BENCH_ROUNDS=0 measures speculation and RPC alone.
  const report = `${rounds > 0 ? engineRows : ""}\n${formatSpeculation(speculation)}\n${formatRpc(rpc)}`;
  mkdirSync(join(import.meta.dir, "results"), { recursive: true });
  writeFileSync(join(import.meta.dir, "results", "latest.md"), report);
  console.log(report);
}

await main();
