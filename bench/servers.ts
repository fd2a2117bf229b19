import { join } from "node:path";

export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const root = join(import.meta.dir, "..");

/** Settings both servers get, as the issue fixes them. */
export const SHARED = { threads: 2, ctxSize: 8192, parallel: 4 };

/** Both servers' flags for q8_0 K and V caches (a quantized V needs flash attention). */
export const KV_Q8 = ["--cache-type-k", "q8_0", "--cache-type-v", "q8_0", "--flash-attn", "on"];

export function startOurs(model: string, port: number, extra: string[] = []): Promise<BenchServer> {
  const args = [
    process.execPath,
    join(root, "src", "main.ts"),
    "--model",
    model,
    "--port",
    String(port),
    "--threads",
    String(SHARED.threads),
    "--ctx-size",
    String(SHARED.ctxSize),
    "--parallel",
    String(SHARED.parallel),
    ...extra,
  ];
  return start("glm-serve", args, port);
}

export function startLlamaServer(
  binary: string,
  model: string,
  port: number,
  extra: string[] = [],
): Promise<BenchServer> {
  const args = [
    binary,
    "--model",
    model,
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--threads",
    String(SHARED.threads),
    "--ctx-size",
    String(SHARED.ctxSize),
    "--parallel",
    String(SHARED.parallel),
    ...extra,
  ];
  return start("llama-server", args, port);
}

async function start(name: string, args: string[], port: number): Promise<BenchServer> {
  const child = Bun.spawn(args, { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode} while starting`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not become ready`);
    }
    const status = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) break;
    await Bun.sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}

/** Resident memory of a process, in MiB, from /proc. */
export async function residentMiB(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}
