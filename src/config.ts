import { readFileSync } from "node:fs";
import { type Static, Type as t } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** A bad flag or environment value: main prints the message and exits with code 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export const ConfigSchema = t.Object({
  model: t.Optional(t.String({ minLength: 1 })),
  alias: t.Optional(t.String({ minLength: 1 })),
  host: t.String({ minLength: 1 }),
  port: t.Integer({ minimum: 0, maximum: 65535 }),
  threads: t.Optional(t.Integer({ minimum: 1, maximum: 1024 })),
  ctxSize: t.Optional(t.Integer({ minimum: 64 })),
  parallel: t.Integer({ minimum: 1, maximum: 256 }),
  batchSize: t.Integer({ minimum: 1 }),
  batchPadding: t.Union([t.Literal("auto"), t.Literal("on"), t.Literal("off")]),
  gpuLayers: t.Integer({ minimum: -1 }),
  loadMode: t.Union([t.Literal("auto"), t.Literal("read"), t.Literal("mmap")]),
  hugePages: t.Union([t.Literal("on"), t.Literal("off")]),
  cacheTypeK: t.Union([t.Literal("f16"), t.Literal("q8_0"), t.Literal("q4_0")]),
  cacheTypeV: t.Union([t.Literal("f16"), t.Literal("q8_0"), t.Literal("q4_0")]),
  flashAttn: t.Union([t.Literal("auto"), t.Literal("on"), t.Literal("off")]),
  prefillBudget: t.String({ pattern: "^(auto|[0-9]+)$" }),
  cacheRam: t.Integer({ minimum: -1 }),
  spec: t.Union([
    t.Literal("auto"),
    t.Literal("ngram"),
    t.Literal("draft"),
    t.Literal("mtp"),
    t.Literal("off"),
  ]),
  draftModel: t.Optional(t.String({ minLength: 1 })),
  specDraftMax: t.Integer({ minimum: 1, maximum: 64 }),
  rpc: t.Array(t.String({ pattern: "^(\\[[0-9a-fA-F:.]+\\]|[^\\s:,\\[\\]]+):[0-9]{1,5}$" })),
  tensorSplit: t.Array(t.Number({ minimum: 0 })),
  apiKeys: t.Array(t.String({ minLength: 1 })),
  corsOrigin: t.Array(t.String({ minLength: 1 })),
  timeout: t.Number({ exclusiveMinimum: 0, maximum: 86_400 }),
  // At least the 5 s between a quiet stream's pings, with a second to spare.
  keepAlive: t.Integer({ minimum: 6, maximum: 255 }),
  maxConnections: t.Integer({ minimum: 1 }),
  queueLimit: t.Integer({ minimum: 0 }),
  maxBody: t.Integer({ minimum: 1024 }),
  drainSeconds: t.Number({ minimum: 0 }),
  chatFormat: t.Union([
    t.Literal("auto"),
    t.Literal("glm4"),
    t.Literal("glm4-0414"),
    t.Literal("chatglm3"),
    t.Literal("glm45"),
    t.Literal("glm47"),
    t.Literal("jinja"),
  ]),
  reasoning: t.Union([t.Literal("on"), t.Literal("off"), t.Literal("auto")]),
  logPrompts: t.Boolean(),
  help: t.Boolean(),
  version: t.Boolean(),
});
export type Config = Static<typeof ConfigSchema>;
type Key = keyof Config;

type Kind = "string" | "integer" | "number" | "bytes" | "boolean" | "switch" | "list" | "numbers";
interface Flag {
  key: Key;
  names: string[];
  kind: Kind;
  env?: string[];
  help: string;
}

/** Every flag, like llama-server's where one exists, each with an environment twin. */
export const FLAGS: Flag[] = [
  {
    key: "model",
    names: ["--model", "-m"],
    kind: "string",
    env: ["GLM_MODEL", "MODEL"],
    help: "GGUF file to serve (default: the built-in demo model)",
  },
  {
    key: "alias",
    names: ["--alias", "-a"],
    kind: "string",
    help: "model id in answers and /v1/models (default: file name)",
  },
  {
    key: "host",
    names: ["--host"],
    kind: "string",
    help: "address to listen on (default 127.0.0.1)",
  },
  {
    key: "port",
    names: ["--port"],
    kind: "integer",
    env: ["GLM_PORT", "PORT"],
    help: "port (default 8000; 0 picks a free one)",
  },
  {
    key: "threads",
    names: ["--threads", "-t"],
    kind: "integer",
    help: "CPU threads for inference (default: all cores)",
  },
  {
    key: "ctxSize",
    names: ["--ctx-size", "-c"],
    kind: "integer",
    help: "total context in tokens, split across slots (default: per slot the model's training context, at most 32768, less where memory is short)",
  },
  {
    key: "parallel",
    names: ["--parallel", "-np"],
    kind: "integer",
    help: "slots decoded together (default 4)",
  },
  {
    key: "batchSize",
    names: ["--batch-size", "-b"],
    kind: "integer",
    help: "tokens per decode step (default 512)",
  },
  {
    key: "batchPadding",
    names: ["--batch-padding"],
    kind: "string",
    help: "auto|on|off: round 2-3 row decode steps up to 4 where a startup timing shows it is faster (default auto)",
  },
  {
    key: "gpuLayers",
    names: ["--n-gpu-layers", "-ngl"],
    kind: "integer",
    env: ["GLM_N_GPU_LAYERS"],
    help: "layers on the GPU; -1 = all (default -1)",
  },
  {
    key: "loadMode",
    names: ["--load-mode", "-lm"],
    kind: "string",
    help: "auto|read|mmap: how weights come off disk; auto reads them when all stay on the CPU, else maps them (default auto)",
  },
  {
    key: "hugePages",
    names: ["--huge-pages"],
    kind: "string",
    help: "on|off: put weights read into memory on transparent huge pages, for faster decoding (default on)",
  },
  {
    key: "prefillBudget",
    names: ["--prefill-budget"],
    kind: "string",
    help: "auto|N: prompt tokens a step may carry while other slots generate, so they never stall; auto lets a step's prefill take about five decode steps' time, 0 = no cap (default auto)",
  },
  {
    key: "cacheRam",
    names: ["--cache-ram", "-cram"],
    kind: "integer",
    help: "MiB of RAM that keep slot histories when other prompts take their slots, so returning conversations skip their prefill; -1 = no limit, 0 = off (default 8192)",
  },
  {
    key: "spec",
    names: ["--spec"],
    kind: "string",
    help: "auto|ngram|draft|mtp|off: speculative decoding; each step checks the drafted tokens, so output is unchanged; ngram copies what followed the reply's last few tokens earlier in the prompt or reply; draft asks --draft-model; mtp asks the model's own next-token layers (GLM-4.5 and later); auto = draft with --draft-model, else ngram (default auto)",
  },
  {
    key: "draftModel",
    names: ["--draft-model", "-md"],
    kind: "string",
    env: ["GLM_DRAFT_MODEL"],
    help: "smaller GGUF with the model's vocabulary that drafts tokens for --spec draft (or auto)",
  },
  {
    key: "specDraftMax",
    names: ["--spec-draft-max"],
    kind: "integer",
    help: "most tokens a request drafts a step, 1-64; a slot drafts 3, then 7, 15, ... while its drafts hold (default 16)",
  },
  {
    key: "rpc",
    names: ["--rpc"],
    kind: "list",
    help: "host:port,...: llama.cpp RPC workers (glm-serve rpc-worker on each machine) that take the model's offloaded layers (-ngl) before this machine's GPUs; the protocol has no authentication, so keep them on a private network",
  },
  {
    key: "tensorSplit",
    names: ["--tensor-split", "-ts"],
    kind: "numbers",
    help: "N,N,...: each device's share of the offloaded layers, RPC workers first (default: by free memory)",
  },
  {
    key: "cacheTypeK",
    names: ["--cache-type-k", "-ctk"],
    kind: "string",
    help: "f16|q8_0|q4_0: KV cache type for K; q8_0 halves its memory (default f16)",
  },
  {
    key: "cacheTypeV",
    names: ["--cache-type-v", "-ctv"],
    kind: "string",
    help: "f16|q8_0|q4_0: KV cache type for V; quantized V needs flash attention (default f16)",
  },
  {
    key: "flashAttn",
    names: ["--flash-attn", "-fa"],
    kind: "string",
    help: "auto|on|off: flash attention; auto lets llama.cpp choose per device (default auto)",
  },
  {
    key: "apiKeys",
    names: ["--api-key"],
    kind: "list",
    env: ["GLM_API_KEY"],
    help: "require 'Authorization: Bearer KEY'; repeat or comma-separate for several",
  },
  {
    key: "corsOrigin",
    names: ["--cors-origin"],
    kind: "list",
    help: "web origins (https://app.example,...) whose pages may read replies, or * for any (default: none without --api-key, any with one)",
  },
  {
    key: "timeout",
    names: ["--timeout", "-to"],
    kind: "number",
    help: "seconds a request's body may take to arrive, else 408, up to 86400 (default 30); generation is never cut by it",
  },
  {
    key: "keepAlive",
    names: ["--keep-alive"],
    kind: "integer",
    help: "seconds an idle keep-alive connection stays open between requests, 6-255 (default 60)",
  },
  {
    key: "maxConnections",
    names: ["--max-connections"],
    kind: "integer",
    help: "requests received or worked on at once; beyond it 503 at once, /health excepted (default: the open-file limit less 64)",
  },
  {
    key: "queueLimit",
    names: ["--queue-limit"],
    kind: "integer",
    help: "requests that may wait for a slot before 429 (default 64)",
  },
  {
    key: "maxBody",
    names: ["--max-body"],
    kind: "bytes",
    help: "largest request body, e.g. 8MiB (default 8MiB)",
  },
  {
    key: "drainSeconds",
    names: ["--drain-seconds"],
    kind: "number",
    help: "on SIGINT/SIGTERM, time to let requests finish (default 10)",
  },
  {
    key: "chatFormat",
    names: ["--chat-format"],
    kind: "string",
    help: "auto|glm4|glm4-0414|chatglm3|glm45|glm47|jinja (default auto, from the GGUF's template and arch)",
  },
  {
    key: "reasoning",
    names: ["--reasoning"],
    kind: "switch",
    help: "on|off|auto: whether GLM-4.5 and later think when a request does not say; auto follows the template (they think); bare --reasoning is on (default off)",
  },
  {
    key: "logPrompts",
    names: ["--log-prompts"],
    kind: "boolean",
    help: "include prompt and reply text in logs",
  },
  { key: "help", names: ["--help", "-h"], kind: "boolean", env: [], help: "show this help" },
  { key: "version", names: ["--version"], kind: "boolean", env: [], help: "print the version" },
];

/** File descriptors kept back for what is not a client: the model, libraries, RPC workers. */
const RESERVED_DESCRIPTORS = 64;

/** --max-connections' default: what this process's open-file limit leaves for clients. */
function defaultMaxConnections(): number {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (soft > 2 * RESERVED_DESCRIPTORS) return soft - RESERVED_DESCRIPTORS;
  } catch {
    // not Linux: the common default below
  }
  return 1024 - RESERVED_DESCRIPTORS;
}

const DEFAULTS: Config = {
  host: "127.0.0.1",
  port: 8000,
  parallel: 4,
  batchSize: 512,
  batchPadding: "auto",
  gpuLayers: -1,
  loadMode: "auto",
  hugePages: "on",
  cacheTypeK: "f16",
  cacheTypeV: "f16",
  flashAttn: "auto",
  prefillBudget: "auto",
  cacheRam: 8192,
  spec: "auto",
  specDraftMax: 16,
  rpc: [],
  tensorSplit: [],
  apiKeys: [],
  corsOrigin: [],
  timeout: 30,
  keepAlive: 60,
  maxConnections: defaultMaxConnections(),
  queueLimit: 64,
  maxBody: 8 * 1024 * 1024,
  drainSeconds: 10,
  chatFormat: "auto",
  reasoning: "off",
  logPrompts: false,
  help: false,
  version: false,
};

/** Flags win over environment variables, which win over defaults. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>): Config {
  const values: Record<string, unknown> = { ...DEFAULTS };
  for (const flag of FLAGS) {
    const name = envNames(flag).find((candidate) => env[candidate] !== undefined);
    if (name) values[flag.key] = convert(flag, env[name] ?? "", name, undefined);
  }
  const fromFlags = new Set<Key>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [name, inline] =
      arg.startsWith("--") && arg.includes("=") ? splitOnce(arg) : [arg, undefined];
    const flag = FLAGS.find((candidate) => candidate.names.includes(name));
    if (!flag) throw new ConfigError(`unknown option '${arg}' (see --help)`);
    if (flag.kind === "boolean" || (flag.kind === "switch" && !isSwitchValue(argv[i + 1]))) {
      const bare = flag.kind === "boolean" ? true : "on";
      values[flag.key] = inline === undefined ? bare : convert(flag, inline, name, undefined);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new ConfigError(`${name} needs a value`);
    const previous = fromFlags.has(flag.key) ? values[flag.key] : undefined;
    values[flag.key] = convert(flag, raw, name, previous);
    fromFlags.add(flag.key);
  }
  return validate(values);
}

/** The kind of speculation the flags ask for. */
export function speculationKind(config: Config): "ngram" | "draft" | "mtp" | "off" {
  if (config.spec === "auto") return config.draftModel === undefined ? "ngram" : "draft";
  return config.spec;
}

function validate(values: Record<string, unknown>): Config {
  const error = Value.Errors(ConfigSchema, values).First();
  if (!error) return checkSpeculation(values as Config);
  const key = error.path.split("/")[1] as Key;
  const flag = FLAGS.find((candidate) => candidate.key === key);
  const shown = JSON.stringify(values[key]);
  throw new ConfigError(`${flag?.names[0] ?? key} ${shown}: ${error.message.toLowerCase()}`);
}

function checkSpeculation(config: Config): Config {
  if (config.spec === "draft" && config.draftModel === undefined) {
    throw new ConfigError("--spec draft needs --draft-model FILE.gguf");
  }
  if (config.draftModel !== undefined && config.spec !== "draft" && config.spec !== "auto") {
    throw new ConfigError(
      `--draft-model drafts only with --spec draft or auto, not ${config.spec}`,
    );
  }
  return config;
}

function convert(flag: Flag, raw: string, source: string, previous: unknown): unknown {
  switch (flag.kind) {
    case "string":
      return raw;
    case "integer":
      if (!/^-?\d+$/.test(raw.trim()))
        throw new ConfigError(`${source} must be an integer, not '${raw}'`);
      return Number(raw);
    case "number":
      if (!Number.isFinite(Number(raw)) || raw.trim() === "") {
        throw new ConfigError(`${source} must be a number, not '${raw}'`);
      }
      return Number(raw);
    case "bytes":
      return parseBytes(raw, source);
    case "boolean":
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off|)$/i.test(raw)) return false;
      throw new ConfigError(`${source} must be true or false, not '${raw}'`);
    case "switch":
      if (/^auto$/i.test(raw)) return "auto";
      if (/^(1|true|yes|on)$/i.test(raw)) return "on";
      if (/^(0|false|no|off|)$/i.test(raw)) return "off";
      throw new ConfigError(`${source} must be on, off or auto, not '${raw}'`);
    case "list": {
      const items = raw
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
      if (items.length === 0) throw new ConfigError(`${source} must not be empty`);
      return [...((previous as string[] | undefined) ?? []), ...items];
    }
    case "numbers": {
      // llama-server takes "3,1" or "3/1".
      const items = raw.split(/[,/]/).map((item) => item.trim());
      if (items.some((item) => item === "" || !Number.isFinite(Number(item)))) {
        throw new ConfigError(`${source} must be numbers like 3,1, not '${raw}'`);
      }
      return items.map(Number);
    }
  }
}

const UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1 << 20,
  g: 1e9,
  gb: 1e9,
  gib: 1 << 30,
};

function parseBytes(raw: string, source: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = UNITS[match?.[2]?.toLowerCase() ?? "?"];
  if (!match || unit === undefined)
    throw new ConfigError(`${source} must be a size like 8MiB, not '${raw}'`);
  return Math.floor(Number(match[1]) * unit);
}

/** A switch flag takes the next argument only when it is one of its values. */
function isSwitchValue(next: string | undefined): boolean {
  return next !== undefined && /^(auto|on|off|true|false|yes|no|1|0)$/i.test(next);
}

function envNames(flag: Flag): string[] {
  return flag.env ?? [`GLM_${flag.key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`];
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf("=");
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/** The --help text, generated from FLAGS so it cannot drift. */
export function helpText(): string {
  const lines = FLAGS.map((flag) => {
    const value = flag.kind === "boolean" ? "" : flag.kind === "switch" ? " [value]" : " <value>";
    const names = `${flag.names.join(", ")}${value}`.padEnd(30);
    const env = envNames(flag);
    return `  ${names} ${flag.help}${env.length ? ` [env ${env.join(", ")}]` : ""}`;
  });
  return ["usage: glm-serve [options]", "", "options:", ...lines].join("\n");
}
