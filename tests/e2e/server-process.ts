import { join } from "node:path";
import OpenAI from "openai";
import type { ScriptedModelSpec } from "../../src/gguf/scripted-model.ts";
import { scriptedModelPath } from "../support/test-models.ts";

const root = join(import.meta.dir, "..", "..");

export interface ServerProcess {
  url: string;
  /** The start-up line that said the server was ready (model, arch, format, slots). */
  readyLine: string;
  /** An `openai` SDK client pointed at the server. */
  client: OpenAI;
  process: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the server wrote to stderr so far (its log lines). */
  stderr(): string;
  /** Stops the server (SIGTERM by default) and resolves with its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServerOptions {
  /** A scripted model to write and serve; omit for the built-in demo model. */
  model?: ScriptedModelSpec;
  args?: string[];
  env?: Record<string, string>;
  apiKey?: string;
}

/** Starts `bun src/main.ts` on a free port and waits until it says it is ready. */
export async function startServer(options: ServerOptions = {}): Promise<ServerProcess> {
  const modelArgs = options.model ? ["--model", scriptedModelPath(options.model)] : [];
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      ...modelArgs,
      "--port",
      "0",
      "--threads",
      "1",
      ...(options.args ?? []),
    ],
    {
      cwd: root,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...options.env },
    },
  );
  const errText = collectText(child.stderr);
  const { url, line: readyLine } = await readyUrl(child, errText);
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null) child.kill(signal);
    return await child.exited;
  };
  return {
    url,
    readyLine,
    client: new OpenAI({ baseURL: `${url}/v1`, apiKey: options.apiKey ?? "unused", maxRetries: 0 }),
    process: child,
    stderr: errText,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}

/** Reads a child's output stream as it comes; the result says what has come so far. */
export function collectText(stream: ReadableStream<Uint8Array>): () => string {
  let text = "";
  void (async () => {
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return () => text;
}

async function readyUrl(
  child: Bun.Subprocess<"ignore", "pipe", "pipe">,
  stderr: () => string,
): Promise<{ url: string; line: string }> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let out = "";
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited before it was ready: ${stderr()}`);
      out += decoder.decode(value);
      const match = /ready on (http:\/\/\S+).*/.exec(out);
      if (match?.[1]) return { url: match[1], line: match[0] };
    }
  } finally {
    clearTimeout(deadline);
    reader.releaseLock();
  }
}

/** A raw HTTP call, for what the SDK hides: status codes, headers, malformed bodies. */
export async function rawRequest(
  server: ServerProcess,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}
