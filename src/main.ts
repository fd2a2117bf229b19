import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import packageJson from "../package.json" with { type: "json" };
import { ConfigError, helpText, parseConfig } from "./config.ts";
import { EngineError } from "./engine/errors.ts";
import { writeDemoModel } from "./gguf/demo-model.ts";
import { parseRpcWorkerArgs, RPC_WORKER_HELP, runRpcWorker } from "./rpc-worker.ts";
import { type RunningServer, StartupError, startServer } from "./server.ts";

function exitWith(message: string): never {
  console.error(`glm-serve: ${message}`);
  process.exit(2);
}

/** The demo model is generated at start, so it is embedded in every build, the binary too. */
function demoModelPath(): string {
  const folder = mkdtempSync(join(tmpdir(), "glm-serve-demo-"));
  process.on("exit", () => rmSync(folder, { recursive: true, force: true }));
  const path = join(folder, "glm-serve-demo.gguf");
  writeDemoModel(path);
  return path;
}

async function main(): Promise<void> {
  if (process.argv[2] === "rpc-worker") {
    const worker = parseRpcWorkerArgs(process.argv.slice(3));
    if (worker === "help") {
      console.log(RPC_WORKER_HELP);
      return;
    }
    await runRpcWorker(worker);
  }
  const config = parseConfig(process.argv.slice(2), process.env);
  if (config.help) {
    console.log(helpText());
    return;
  }
  if (config.version) {
    console.log(`glm-serve ${packageJson.version}`);
    return;
  }
  for (const [what, path] of [
    ["model", config.model],
    ["draft model", config.draftModel],
  ] as const) {
    if (path === undefined) continue;
    if (!existsSync(path)) exitWith(`${what} file not found: ${path}`);
    if (!statSync(path).isFile()) {
      exitWith(`${what} path is a directory or special file, not a GGUF file: ${path}`);
    }
  }
  // Handlers go in before loading, so a signal at any moment drains rather than kills.
  const shutdown = handleSignals(config.drainSeconds * 1000);
  shutdown.server = await startServer(
    config,
    config.model ?? demoModelPath(),
    config.model === undefined,
  );
}

/** Installs SIGINT/SIGTERM handlers; `server` is set once the server runs. */
function handleSignals(drainMs: number): { server?: RunningServer } {
  const holder: { server?: RunningServer } = {};
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const server = holder.server;
    console.error(
      `glm-serve: ${signal}: finishing ${server?.state.inFlight ?? 0} request(s), at most ${drainMs / 1000} s`,
    );
    await server?.shutdown(drainMs);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  return holder;
}

main().catch((error: unknown) => {
  const oneLine =
    error instanceof ConfigError || error instanceof StartupError || error instanceof EngineError;
  if (oneLine) exitWith(error.message);
  exitWith(error instanceof Error ? (error.stack ?? error.message) : String(error));
});
