import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChainPiece } from "../../src/gguf/scripted-model.ts";
import { type ServerProcess, startServer } from "./server-process.ts";

/** `make agents` installs Claude Code and Codex CLI from npm here. */
const agents = process.env.GLM_AGENTS ?? join(import.meta.dir, "..", "..", "build", "agents");
const API_KEY = "sk-glm-serve-test";
/** Claude Code's first request is ~47k tokens on the scripted vocabulary (bytes, mostly). */
const AGENT_ARGS = ["--chat-format", "glm45", "--ctx-size", "65536", "--parallel", "1"];
const AGENT_TIMEOUT_MS = 300_000;

function installed(path: string, what: string): string {
  if (!existsSync(path)) throw new Error(`${what} is not installed at ${path}; run make agents`);
  return path;
}

/** The platform package's own binary: npm may not run Claude Code's postinstall (allowScripts). */
const claudeBinary = () =>
  installed(
    join(
      agents,
      "node_modules",
      "@anthropic-ai",
      `claude-code-${process.platform}-${process.arch}`,
      "claude",
    ),
    "Claude Code",
  );
const codexBinary = () => installed(join(agents, "node_modules", ".bin", "codex"), "Codex CLI");

/** A GLM-4.5 reply that thinks briefly, then says `text` (or calls a tool). */
const thinkThen = (...pieces: ChainPiece[]): ChainPiece[] => [
  "\n<think>",
  "ok",
  "</think>",
  ...pieces,
];

function agentServer(chain: ChainPiece[], end?: "<|observation|>"): Promise<ServerProcess> {
  return startServer({
    model: { vocabulary: "glm45", chain, contextLength: 65536, ...(end ? { end } : {}) },
    args: [...AGENT_ARGS, "--threads", "2", "--api-key", API_KEY],
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(command: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  // Only what the client needs: no ANTHROPIC_* or OPENAI_* from the outer environment.
  const child = Bun.spawn(command, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdin: "ignore", // both wait for more input on an open stdin
    stdout: "pipe",
    stderr: "pipe",
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), AGENT_TIMEOUT_MS - 10_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(killer);
  return { code, stdout, stderr };
}

/** Claude Code in print mode, isolated in its own home, with its telemetry and updates off. */
function claude(server: ServerProcess, args: string[]): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), "glm-serve-claude-"));
  return run(
    [claudeBinary(), "-p", ...args],
    {
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, ".claude"),
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
    },
    home,
  );
}

/** The completion lines the server logged, in order. */
function completions(
  server: ServerProcess,
): Array<{ prompt_tokens: number; cached_tokens: number }> {
  return server
    .stderr()
    .split("\n")
    .filter((line) => line.includes('"event":"completion"'))
    .map((line) => JSON.parse(line));
}

describe("Claude Code over the Messages API", () => {
  test(
    "claude -p prints the scripted model's reply",
    async () => {
      await using server = await agentServer(thinkThen("\nHello", " from", " glm-serve"));
      const result = await claude(server, ["say hi"]);
      expect(result.stderr).toBe("");
      expect(result.stdout).toBe("Hello from glm-serve\n");
      expect(result.code).toBe(0);
    },
    AGENT_TIMEOUT_MS,
  );

  test(
    "claude -p runs the Bash tool the model calls, and turn 2 reuses the cached history",
    async () => {
      const marker = join(mkdtempSync(join(tmpdir(), "glm-serve-marker-")), "made-by-claude");
      const call = thinkThen(
        "\n<tool_call>",
        "Bash",
        "\n<arg_key>",
        "command",
        "</arg_key>",
        "\n<arg_value>",
        `touch ${marker}`,
        "</arg_value>",
        "\n</tool_call>",
      );
      await using server = await agentServer(call, "<|observation|>");
      // A scripted model calls the tool on every turn; two turns are enough to see it run.
      const result = await claude(server, [
        "make the marker file",
        "--allowedTools",
        "Bash",
        "--max-turns",
        "2",
      ]);
      expect(existsSync(marker)).toBe(true);
      expect(result.stdout).toContain("max turns");
      const [turn1, turn2] = completions(server);
      expect(turn1?.prompt_tokens ?? 0).toBeGreaterThan(15_000);
      // Turn 2 prefills only what turn 1 added: the tool call and its result.
      expect(turn2?.cached_tokens ?? 0).toBeGreaterThan((turn1?.prompt_tokens ?? 0) - 64);
    },
    AGENT_TIMEOUT_MS,
  );
});

describe("Codex CLI over the Responses API", () => {
  test(
    "codex exec with a wire_api = responses provider prints the scripted model's reply",
    async () => {
      await using server = await agentServer(thinkThen("\nHello", " from", " glm-serve"));
      const home = mkdtempSync(join(tmpdir(), "glm-serve-codex-"));
      const work = join(home, "work");
      mkdirSync(work);
      writeFileSync(join(home, "config.toml"), codexConfig(server.url));
      const result = await run(
        [codexBinary(), "exec", "--skip-git-repo-check", "say hi"],
        { HOME: home, CODEX_HOME: home, GLM_API_KEY: API_KEY },
        work,
      );
      expect(result.stdout).toBe("Hello from glm-serve\n");
      expect(result.code).toBe(0);
      expect(completions(server)[0]?.prompt_tokens ?? 0).toBeGreaterThan(15_000);
    },
    AGENT_TIMEOUT_MS,
  );
});

/** The README's Codex config, pointed at `url`; plugins, analytics and OTel off (no network). */
export function codexConfig(url: string): string {
  return `model = "glm-4.5"
model_provider = "glm-serve"
check_for_update_on_startup = false

[model_providers.glm-serve]
name = "glm-serve"
base_url = "${url}/v1"
wire_api = "responses"
env_key = "GLM_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[feedback]
enabled = false

[features]
plugins = false

[otel]
exporter = "none"
metrics_exporter = "none"
trace_exporter = "none"
`;
}
