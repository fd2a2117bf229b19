import { basename, extname } from "node:path";
import process from "node:process";
import { createApp } from "./api/app.ts";
import { CompletionService } from "./api/completion-service.ts";
import { corsPolicy } from "./api/cors.ts";
import { refusalError } from "./api/edge-errors.ts";
import { errorResponse } from "./api/error-response.ts";
import { Metrics } from "./api/metrics.ts";
import { ServerState } from "./api/server-state.ts";
import { createChatFormat, detectChatFamily, replyMarkers } from "./chat/index.ts";
import type { ChatFamily } from "./chat/types.ts";
import { type Config, speculationKind } from "./config.ts";
import { defaultContextSize } from "./context-size.ts";
import { Engine } from "./engine/engine.ts";
import { exitWithoutCleanup } from "./engine/native-process.ts";
import { type ExchangeHandlers, requestPath } from "./http/connection.ts";
import { type Listener, listen } from "./listen.ts";
import { createLoadProgress } from "./load-progress.ts";
import { Semaphore } from "./queue.ts";
import { RequestLog } from "./request-log.ts";

/** A startup failure: main prints the message on one line and exits with code 2. */
export class StartupError extends Error {}

export interface RunningServer {
  url: string;
  state: ServerState;
  /**
   * Drains for up to `drainMs` while new requests get 503, cancels what still runs, then stops
   * listening and frees the model.
   */
  shutdown(drainMs: number): Promise<void>;
}

/** Listens at once (503 while loading), then loads the model and starts answering. */
export async function startServer(
  config: Config,
  modelPath: string,
  demo: boolean,
): Promise<RunningServer> {
  const modelId =
    config.alias ?? (demo ? "glm-serve-demo" : basename(modelPath, extname(modelPath)));
  const state = new ServerState(modelId);
  const log = new RequestLog();
  const metrics = new Metrics();
  const app = createApp(state, config, log, metrics);
  const cors = corsPolicy(config.corsOrigin, config.apiKeys.length > 0);
  const handlers: ExchangeHandlers = {
    async fetch(request) {
      const response = await app.fetch(request);
      metrics.request(new URL(request.url).pathname, response.status);
      return response;
    },
    refuse(refusal, head) {
      const path = head ? requestPath(head) : "/";
      const error = refusalError(refusal, config);
      log.failure(head?.method ?? "-", path, error.status, error.code);
      metrics.request(path, error.status);
      const origin = head?.headers.find(([name]) => name === "origin")?.[1] ?? null;
      return errorResponse(path, error, cors.headers(origin));
    },
  };
  const warning = cors.warning();
  if (warning) console.error(`glm-serve: warning: ${warning}`);
  let listener: Listener;
  try {
    listener = listen(handlers, config);
  } catch (error) {
    throw new StartupError(
      `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`,
    );
  }
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${listener.port}`;
  console.error(
    `glm-serve: listening on ${url}; loading ${modelId}, /health answers 503 until ready`,
  );
  const progress = createLoadProgress(process.stderr, modelId);
  const familyOf = (model: Parameters<typeof detectChatFamily>[0]): ChatFamily =>
    config.chatFormat === "auto" ? detectChatFamily(model) : config.chatFormat;
  let engine: Engine;
  try {
    engine = await Engine.open(
      modelPath,
      {
        ctxSize: config.ctxSize ?? ((model) => defaultContextSize(model, config.parallel)),
        slots: config.parallel,
        batchSize: config.batchSize,
        padding: config.batchPadding,
        gpuLayers: config.gpuLayers,
        load: config.loadMode,
        hugePages: config.hugePages === "on",
        cacheTypeK: config.cacheTypeK,
        cacheTypeV: config.cacheTypeV,
        flashAttn: config.flashAttn,
        prefillBudget: config.prefillBudget === "auto" ? "auto" : Number(config.prefillBudget),
        cacheRamMib: config.cacheRam,
        draftMax: speculationKind(config) === "off" ? 0 : config.specDraftMax,
        ...(speculationKind(config) === "draft" ? { draftModel: config.draftModel } : {}),
        mtp: speculationKind(config) === "mtp",
        visibleTokens: (model) => replyMarkers(familyOf(model)),
        rpc: config.rpc,
        tensorSplit: config.tensorSplit,
        onFatal: (reason) => failAndExit(state, reason),
        ...(config.threads ? { threads: config.threads } : {}),
      },
      (fraction) => {
        state.loadProgress = fraction;
        progress(fraction);
      },
    );
  } catch (error) {
    await listener.stop();
    throw new StartupError(`cannot load ${modelPath}: ${(error as Error).message}`);
  }
  const family = familyOf(engine.info);
  try {
    const format = createChatFormat(family, { chatTemplate: engine.info.chatTemplate });
    const queue = new Semaphore(config.parallel, config.queueLimit);
    state.service = new CompletionService(
      engine,
      format,
      queue,
      config.reasoning,
      config.logPrompts,
    );
  } catch (error) {
    await engine.close();
    await listener.stop();
    throw new StartupError((error as Error).message);
  }
  const info = engine.info;
  const what = demo
    ? "the built-in demo model (pass --model path/to/model.gguf to serve a real one)"
    : modelPath;
  console.log(
    `glm-serve ready on ${url} · model ${modelId} (${info.arch}, ${family} format) from ${what} · ${info.nCtxSlot} tokens per slot × ${config.parallel} slots${config.ctxSize === undefined ? " (--ctx-size to change)" : ""} · ${config.threads ?? "all"} threads · ${speculationLine(config)}${config.rpc.length > 0 ? ` · weights on ${weightsLine(engine)}` : ""} · ${cors.describe()}`,
  );
  return {
    url,
    state,
    async shutdown(drainMs) {
      await state.drain(drainMs);
      await listener.stop();
      await engine.close();
    },
  };
}

/** How long a failed engine's errors get to reach their clients before the process exits. */
const FAILED_EXIT_MS = 1000;

/**
 * The engine stopped for good (a lost RPC worker): every request gets its error, then the
 * process exits 1 with one line, for a supervisor to restart it.
 */
function failAndExit(state: ServerState, reason: string): void {
  state.fail(reason);
  setTimeout(() => {
    const line = `glm-serve: the inference engine failed: ${reason}; exiting so that a supervisor can restart the server\n`;
    process.stderr.write(line, () => void exitWithoutCleanup(1));
  }, FAILED_EXIT_MS);
}

/** Where the weights went, e.g. "RPC0[10.0.0.2:50052] 3120.0 MiB, CPU 410.5 MiB". */
function weightsLine(engine: Engine): string {
  const held = engine.stats().memory.filter((entry) => entry.model > 0);
  return held
    .map((entry) => `${entry.buffer} ${(entry.model / 2 ** 20).toFixed(1)} MiB`)
    .join(", ");
}

function speculationLine(config: Config): string {
  const kind = speculationKind(config);
  if (kind === "off") return "no speculation";
  if (kind === "draft") return `drafts by ${basename(config.draftModel ?? "")}`;
  if (kind === "mtp") return "drafts by its MTP layers";
  return "drafts by prompt lookup";
}
