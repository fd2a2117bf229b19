import { mkdirSync } from "node:fs";
import { ConfigError } from "./config.ts";
import { serveRpcWorker } from "./engine/native-process.ts";

/** `glm-serve rpc-worker`'s flags, as llama.cpp's rpc-server names them. */
export interface RpcWorkerConfig {
  host: string;
  port: number;
  threads: number;
  cacheDir: string;
}

/** llama.cpp's rpc-server defaults. */
const DEFAULTS: RpcWorkerConfig = { host: "127.0.0.1", port: 50052, threads: 0, cacheDir: "" };

export const RPC_WORKER_HELP = `glm-serve rpc-worker: serve this machine's GPUs (else its CPU) to a glm-serve --rpc
  --host H       address to listen on (default 127.0.0.1; the protocol has no authentication)
  --port P       port (default 50052)
  --threads N    CPU threads (default: every core)
  --cache DIR    keep the tensors it is sent in DIR, so a restarted server loads faster`;

/** Parses the flags after `rpc-worker`; throws a one-line ConfigError for a bad one. */
export function parseRpcWorkerArgs(argv: string[]): RpcWorkerConfig | "help" {
  const config = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? "";
    if (flag === "--help" || flag === "-h") return "help";
    const value = argv[++i];
    if (value === undefined) throw new ConfigError(`rpc-worker ${flag} needs a value`);
    if (flag === "--host" || flag === "-H") config.host = value;
    else if (flag === "--port" || flag === "-p") config.port = integer(flag, value, 1, 65535);
    else if (flag === "--threads" || flag === "-t") config.threads = integer(flag, value, 1, 1024);
    else if (flag === "--cache" || flag === "-c") config.cacheDir = value;
    else
      throw new ConfigError(
        `rpc-worker: unknown option '${flag}' (see glm-serve rpc-worker --help)`,
      );
  }
  return config;
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`rpc-worker ${flag} must be an integer in ${min}..${max}, not '${raw}'`);
  }
  return value;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** Runs the worker for good; prints where, and warns when it listens beyond this machine. */
export async function runRpcWorker(config: RpcWorkerConfig): Promise<never> {
  if (config.cacheDir) mkdirSync(config.cacheDir, { recursive: true });
  if (!LOOPBACK.has(config.host)) {
    console.error(
      `glm-serve: warning: the RPC worker listens on ${config.host}:${config.port}; its protocol has no authentication, so anyone who reaches that port can run code on this machine's devices: keep it on a private network`,
    );
  }
  console.error(`glm-serve: RPC worker on ${config.host}:${config.port}; serve with --rpc`);
  return serveRpcWorker(config);
}
