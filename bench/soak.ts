/**
 * `make soak`: mixed load against one server for SOAK_MINUTES (default 20), then a report of
 * requests, errors, RSS over time and latency percentiles in bench/results/soak.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RANDOM_PRESETS, writeRandomModel } from "../src/gguf/random-model.ts";
import { percentile } from "./measure.ts";
import { residentMiB, startOurs } from "./servers.ts";

const minutes = Number(process.env.SOAK_MINUTES ?? 20);
const clients = 8;
const model = join(import.meta.dir, "..", "build", "bench", "soak-tiny.gguf");
writeRandomModel(model, RANDOM_PRESETS.tiny);
const server = await startOurs(model, 18095);

const statuses = new Map<string, number>();
const latencies: number[] = [];
const rss: Array<[number, number]> = [];
let aborted = 0;
const started = Date.now();
const deadline = started + minutes * 60_000;
const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);

/** One request of a random kind: plain, streamed, aborted mid-stream, or a bad body. */
async function oneRequest(seed: number): Promise<void> {
  const kind = seed % 10;
  const controller = new AbortController();
  const stream = kind >= 5;
  const body =
    kind === 9
      ? '{"messages": "not a list"}'
      : JSON.stringify({
          messages: [{ role: "user", content: `request ${seed} ${"x ".repeat(seed % 50)}` }],
          max_tokens: 8 + (seed % 64),
          stream,
        });
  const t0 = performance.now();
  try {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal: controller.signal,
    });
    if (kind === 8) setTimeout(() => controller.abort(), 5);
    await response.text();
    count(String(response.status));
    latencies.push(performance.now() - t0);
  } catch {
    aborted++;
  }
}

async function client(id: number): Promise<void> {
  for (let i = id; Date.now() < deadline; i += clients) await oneRequest(i);
}

const sampler = setInterval(async () => {
  rss.push([(Date.now() - started) / 60_000, await residentMiB(server.pid)]);
}, 30_000);
await Promise.all(Array.from({ length: clients }, (_, id) => client(id)));
clearInterval(sampler);
rss.push([(Date.now() - started) / 60_000, await residentMiB(server.pid)]);
await server.stop();

const total = [...statuses.values()].reduce((sum, n) => sum + n, 0);
const fiveHundreds = [...statuses]
  .filter(([status]) => status.startsWith("5"))
  .reduce((sum, [, n]) => sum + n, 0);
const report = [
  "# make soak",
  "",
  `- ${minutes} min, ${clients} clients, tiny random-weight model; plain, streamed, aborted and malformed requests`,
  `- date: ${new Date().toISOString()}`,
  `- requests answered: ${total} (${[...statuses].map(([s, n]) => `${s}: ${n}`).join(", ")}); aborted by the client: ${aborted}`,
  `- 5xx: ${fiveHundreds}`,
  `- latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
  `- RSS (MiB) by minute: ${rss.map(([m, r]) => `${m.toFixed(1)}: ${r.toFixed(0)}`).join(", ")}`,
  "",
].join("\n");
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
writeFileSync(join(import.meta.dir, "results", "soak.md"), report);
console.log(report);
