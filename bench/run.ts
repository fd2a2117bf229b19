import { execSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { RANDOM_PRESETS, writeRandomModel } from "../src/gguf/random-model.ts";
import { formatReport, type Round } from "./report.ts";
import { measureServer, type ServerFigures } from "./scenarios.ts";
import { type BenchServer, SHARED, startLlamaServer, startOurs } from "./servers.ts";

const root = join(import.meta.dir, "..");
const llamaBin = process.env.LLAMA_BIN ?? join(root, "build", "llama-cpu", "bin");
const model = process.env.BENCH_MODEL ?? join(root, "build", "bench", "glm-bench-2b.Q4_0.gguf");
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

async function measure(start: () => Promise<BenchServer>): Promise<ServerFigures> {
  const server = await start();
  try {
    log(`measuring ${server.name}`);
    return await measureServer(server);
  } finally {
    await server.stop();
  }
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
    const ours = await measure(() => startOurs(model, 18080));
    const theirs = await measure(() =>
      startLlamaServer(join(llamaBin, "llama-server"), model, 18081),
    );
    results.push({ ours, theirs });
  }
  log("running llama-bench");
  const ceiling = llamaBench();
  const commit = execSync("git rev-parse --short HEAD", { cwd: root, encoding: "utf8" }).trim();
  const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores`;
  const report = formatReport(results, ceiling, {
    machine,
    commit,
    date: new Date().toISOString(),
    minutes: (performance.now() - started) / 60_000,
  });
  mkdirSync(join(import.meta.dir, "results"), { recursive: true });
  writeFileSync(join(import.meta.dir, "results", "latest.md"), report);
  console.log(report);
}

await main();
