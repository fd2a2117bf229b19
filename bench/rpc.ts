import { join } from "node:path";
import { singleStream } from "./scenarios.ts";
import { type BenchServer, SHARED, startOurs } from "./servers.ts";

const root = join(import.meta.dir, "..");

export interface RpcFigures {
  /** Single-stream decode tok/s with every layer on this process's CPU. */
  local: number;
  /** The same with the layers split over two loopback RPC workers. */
  split: number;
}

/** `glm-serve rpc-worker` on a loopback port, once it accepts connections. */
async function startWorker(port: number): Promise<{ stop(): Promise<void> }> {
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      "rpc-worker",
      "--port",
      String(port),
      "--threads",
      String(SHARED.threads),
    ],
    { stdout: "ignore", stderr: "ignore", stdin: "ignore" },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`rpc-worker exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error("rpc-worker did not listen");
    const up = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then(
      (socket) => {
        socket.end();
        return true;
      },
      () => false,
    );
    if (up) break;
    await Bun.sleep(100);
  }
  return {
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}

async function measureOnce(start: () => Promise<BenchServer>): Promise<number> {
  const server = await start();
  try {
    return await singleStream(server);
  } finally {
    await server.stop();
  }
}

/**
 * The RPC overhead: single-stream decode of the bench model with all layers local, then with
 * them split over two workers on this machine. The workers take turns (each holds half the
 * layers), so each gets the server's thread count, and the ratio is what the protocol costs.
 */
export async function measureRpc(
  model: string,
  log: (message: string) => void,
): Promise<RpcFigures> {
  log("rpc: glm-serve with every layer local");
  const local = await measureOnce(() => startOurs(model, 18080, ["--spec", "off"]));
  log("rpc: glm-serve over two loopback rpc-workers");
  const workers = await Promise.all([startWorker(18092), startWorker(18093)]);
  try {
    const rpc = ["--spec", "off", "--rpc", "127.0.0.1:18092,127.0.0.1:18093"];
    const split = await measureOnce(() => startOurs(model, 18080, rpc));
    return { local, split };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

export function formatRpc(figures: RpcFigures): string {
  const ratio = figures.local > 0 ? figures.split / figures.local : 0;
  return [
    "## Across machines (RPC)",
    "",
    "| figure | split | local | ratio |",
    "|---|---|---|---|",
    `| single-stream decode, layers over two loopback rpc-workers vs all local | ${figures.split.toFixed(1)} tok/s | ${figures.local.toFixed(1)} tok/s | ${ratio.toFixed(2)} |`,
    "",
  ].join("\n");
}
