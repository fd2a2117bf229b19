import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ConfigError, parseConfig, speculationKind } from "../src/config.ts";

const parse = (argv: string[], env: Record<string, string> = {}) => parseConfig(argv, env);

describe("parseConfig", () => {
  test("defaults with no flags and no environment", () => {
    expect(parse([])).toEqual({
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
      maxConnections: expect.any(Number),
      queueLimit: 64,
      maxBody: 8 * 1024 * 1024,
      drainSeconds: 10,
      chatFormat: "auto",
      reasoning: "off",
      logPrompts: false,
      help: false,
      version: false,
    });
  });

  const flagCases: Array<[string, string[], Record<string, unknown>]> = [
    ["--cache-ram off", ["--cache-ram", "0"], { cacheRam: 0 }],
    ["--cache-ram without a limit", ["-cram", "-1"], { cacheRam: -1 }],
    ["--spec off", ["--spec", "off"], { spec: "off" }],
    ["--spec-draft-max", ["--spec-draft-max", "8"], { specDraftMax: 8 }],
    [
      "--rpc and --tensor-split",
      ["--rpc", "10.0.0.2:50052,[::1]:50053", "-ts", "3/1"],
      { rpc: ["10.0.0.2:50052", "[::1]:50053"], tensorSplit: [3, 1] },
    ],
    [
      "--spec draft with -md",
      ["--spec", "draft", "-md", "small.gguf"],
      { spec: "draft", draftModel: "small.gguf" },
    ],
    [
      "--model and --port",
      ["--model", "a.gguf", "--port", "9000"],
      { model: "a.gguf", port: 9000 },
    ],
    ["--flag=value", ["--port=9001", "--host=0.0.0.0"], { port: 9001, host: "0.0.0.0" }],
    ["a value holding '='", ["--alias=a=b"], { alias: "a=b" }],
    ["-m", ["-m", "b.gguf"], { model: "b.gguf" }],
    ["-c", ["-c", "4096"], { ctxSize: 4096 }],
    ["-np", ["-np", "2"], { parallel: 2 }],
    ["-t", ["-t", "3"], { threads: 3 }],
    ["-ngl", ["-ngl", "0"], { gpuLayers: 0 }],
    ["-b", ["-b", "64"], { batchSize: 64 }],
    ["-a", ["-a", "glm"], { alias: "glm" }],
    ["a repeated --api-key", ["--api-key", "k1", "--api-key", "k2"], { apiKeys: ["k1", "k2"] }],
    ["a comma-separated --api-key", ["--api-key", "k1, k2,"], { apiKeys: ["k1", "k2"] }],
    [
      "both forms of --api-key",
      ["--api-key=k1,k2", "--api-key", "k3"],
      { apiKeys: ["k1", "k2", "k3"] },
    ],
    ["--max-body 8MiB", ["--max-body", "8MiB"], { maxBody: 8 * 1024 * 1024 }],
    ["--max-body 2048", ["--max-body", "2048"], { maxBody: 2048 }],
    ["--max-body 64kb", ["--max-body", "64kb"], { maxBody: 64_000 }],
    ["--max-body 1.5 MiB", ["--max-body", "1.5 MiB"], { maxBody: 1.5 * 1024 * 1024 }],
    ["--drain-seconds 0.2", ["--drain-seconds", "0.2"], { drainSeconds: 0.2 }],
    ["a bare switch is on", ["--reasoning"], { reasoning: "on" }],
    ["a switch set false", ["--reasoning=false"], { reasoning: "off" }],
    ["a switch given its value", ["--reasoning", "auto"], { reasoning: "auto" }],
    [
      "a bare switch before another flag",
      ["--reasoning", "--port", "1"],
      { reasoning: "on", port: 1 },
    ],
    ["-h", ["-h"], { help: true }],
    ["--chat-format glm45", ["--chat-format", "glm45"], { chatFormat: "glm45" }],
    ["--batch-padding off", ["--batch-padding", "off"], { batchPadding: "off" }],
    ["-lm mmap", ["-lm", "mmap"], { loadMode: "mmap" }],
    ["--huge-pages off", ["--huge-pages", "off"], { hugePages: "off" }],
    ["--port 0 picks a free port", ["--port", "0"], { port: 0 }],
    ["the last of a repeated flag wins", ["--port", "1", "--port", "2"], { port: 2 }],
  ];
  test.each(flagCases)("%s", (_, argv, expected) => {
    expect(parse(argv)).toMatchObject(expected);
  });

  const envCases: Array<[string, Record<string, string>, Record<string, unknown>]> = [
    ["GLM_MODEL", { GLM_MODEL: "e.gguf" }, { model: "e.gguf" }],
    ["GLM_BATCH_PADDING", { GLM_BATCH_PADDING: "on" }, { batchPadding: "on" }],
    ["GLM_HUGE_PAGES", { GLM_HUGE_PAGES: "off" }, { hugePages: "off" }],
    ["MODEL", { MODEL: "m.gguf" }, { model: "m.gguf" }],
    ["GLM_MODEL before MODEL", { MODEL: "m.gguf", GLM_MODEL: "g.gguf" }, { model: "g.gguf" }],
    ["PORT", { PORT: "7000" }, { port: 7000 }],
    ["GLM_CTX_SIZE", { GLM_CTX_SIZE: "2048" }, { ctxSize: 2048 }],
    ["GLM_API_KEY with commas", { GLM_API_KEY: "a,b" }, { apiKeys: ["a", "b"] }],
    ["GLM_MAX_BODY", { GLM_MAX_BODY: "1MiB" }, { maxBody: 1 << 20 }],
    ["GLM_REASONING=1", { GLM_REASONING: "1" }, { reasoning: "on" }],
    ["GLM_REASONING=auto", { GLM_REASONING: "auto" }, { reasoning: "auto" }],
    ["GLM_N_GPU_LAYERS", { GLM_N_GPU_LAYERS: "10" }, { gpuLayers: 10 }],
  ];
  test.each(envCases)("environment %s", (_, env, expected) => {
    expect(parse([], env)).toMatchObject(expected);
  });

  test("--spec auto drafts with a draft model where one is given, else by prompt lookup", () => {
    expect(speculationKind(parse([], {}))).toBe("ngram");
    expect(speculationKind(parse(["-md", "d.gguf"], {}))).toBe("draft");
    expect(speculationKind(parse([], { GLM_DRAFT_MODEL: "d.gguf" }))).toBe("draft");
    expect(speculationKind(parse(["--spec", "off"], {}))).toBe("off");
    expect(speculationKind(parse(["--spec", "mtp"], {}))).toBe("mtp");
  });

  test("flags override the environment", () => {
    const config = parse(["--port", "9000", "--api-key", "flag"], {
      PORT: "7000",
      GLM_API_KEY: "env",
      GLM_CTX_SIZE: "2048",
    });
    expect(config).toMatchObject({ port: 9000, apiKeys: ["flag"], ctxSize: 2048 });
  });

  test("--help and --version are not read from the environment", () => {
    expect(parse([], { GLM_HELP: "1", GLM_VERSION: "1" })).toMatchObject({
      help: false,
      version: false,
    });
  });

  const errorCases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ["a bad integer", ["--port", "abc"], {}, /^--port must be an integer, not 'abc'$/],
    ["a fractional integer", ["-c", "1.5"], {}, /^-c must be an integer/],
    ["a bad integer in the environment", [], { PORT: "eighty" }, /^PORT must be an integer/],
    ["an unknown flag", ["--bogus"], {}, /^unknown option '--bogus'/],
    ["an unknown flag with a value", ["--bogus=1"], {}, /^unknown option '--bogus=1'/],
    ["a positional argument", ["model.gguf"], {}, /^unknown option 'model.gguf'/],
    ["a missing value", ["--port"], {}, /^--port needs a value$/],
    ["a port out of range", ["--port", "70000"], {}, /^--port 70000: .*65535/],
    ["a negative port", ["--port", "-1"], {}, /^--port -1: /],
    ["zero slots", ["-np", "0"], {}, /^--parallel 0: /],
    ["a tiny context", ["-c", "8"], {}, /^--ctx-size 8: /],
    ["zero threads", ["-t", "0"], {}, /^--threads 0: /],
    ["-ngl below -1", ["-ngl", "-2"], {}, /^--n-gpu-layers -2: /],
    ["a negative queue limit", ["--queue-limit", "-1"], {}, /^--queue-limit -1: /],
    ["a bad switch", ["--reasoning=maybe"], {}, /^--reasoning must be on, off or auto/],
    ["a bad prefill budget", ["--prefill-budget", "lots"], {}, /^--prefill-budget "lots"/],
    ["a cache budget below -1", ["--cache-ram", "-2"], {}, /^--cache-ram -2: /],
    ["an unknown speculation kind", ["--spec", "eagle"], {}, /^--spec "eagle": /],
    ["a draft above 64 tokens", ["--spec-draft-max", "65"], {}, /^--spec-draft-max 65: /],
    ["an RPC worker without a port", ["--rpc", "10.0.0.2"], {}, /^--rpc \["10.0.0.2"\]: /],
    ["a tensor split that is not numbers", ["-ts", "3,x"], {}, /^-ts must be numbers like 3,1/],
    [
      "--spec draft without a draft model",
      ["--spec", "draft"],
      {},
      /^--spec draft needs --draft-model/,
    ],
    [
      "a draft model with --spec ngram",
      ["--spec", "ngram", "--draft-model", "d.gguf"],
      {},
      /^--draft-model drafts only with --spec draft or auto, not ngram$/,
    ],
    [
      "a draft model with --spec mtp",
      ["--spec", "mtp", "-md", "d.gguf"],
      {},
      /^--draft-model drafts only with --spec draft or auto, not mtp$/,
    ],
    ["a bad boolean", ["--log-prompts=maybe"], {}, /^--log-prompts must be true or false/],
    ["a bad size", ["--max-body", "8 parsecs"], {}, /^--max-body must be a size like 8MiB/],
    ["a bad number", ["--drain-seconds", "soon"], {}, /^--drain-seconds must be a number/],
    ["negative drain seconds", ["--drain-seconds", "-1"], {}, /^--drain-seconds -1: /],
    ["an unknown chat format", ["--chat-format", "gpt"], {}, /^--chat-format "gpt": /],
    ["an unknown padding mode", ["--batch-padding", "always"], {}, /^--batch-padding "always": /],
    ["an unknown load mode", ["--load-mode", "none"], {}, /^--load-mode "none": /],
    ["a huge-pages value not on or off", ["--huge-pages", "yes"], {}, /^--huge-pages "yes": /],
    ["an empty api key", ["--api-key", ","], {}, /^--api-key must not be empty$/],
    ["an empty model", ["--model="], {}, /^--model "": /],
  ];
  test.each(errorCases)("%s is a one-line ConfigError", (_, argv, env, message) => {
    let thrown: unknown;
    try {
      parse(argv, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const text = (thrown as ConfigError).message;
    expect(text).toMatch(message);
    expect(text).not.toContain("\n");
  });
});

describe("main's exit code", () => {
  const root = join(import.meta.dir, "..");
  async function runMain(args: string[]): Promise<{ code: number; stderr: string }> {
    const child = Bun.spawn([process.execPath, join(root, "src", "main.ts"), ...args], {
      cwd: root,
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    });
    const stderr = await new Response(child.stderr).text();
    return { code: await child.exited, stderr };
  }

  const cases: Array<[string, string[], string]> = [
    [
      "a missing model file",
      ["--model", "/nope.gguf"],
      "glm-serve: model file not found: /nope.gguf\n",
    ],
    ["a bad flag", ["--port", "abc"], "glm-serve: --port must be an integer, not 'abc'\n"],
    [
      "an unknown flag",
      ["--frobnicate"],
      "glm-serve: unknown option '--frobnicate' (see --help)\n",
    ],
    [
      "an RPC worker's bad port",
      ["rpc-worker", "--port", "0"],
      "glm-serve: rpc-worker --port must be an integer in 1..65535, not '0'\n",
    ],
    [
      "an RPC worker's unknown flag",
      ["rpc-worker", "--gpu", "1"],
      "glm-serve: rpc-worker: unknown option '--gpu' (see glm-serve rpc-worker --help)\n",
    ],
  ];
  test.each(cases)("%s exits 2 with one line", async (_, args, stderr) => {
    expect(await runMain(args)).toEqual({ code: 2, stderr });
  });

  test("--version exits 0", async () => {
    expect((await runMain(["--version"])).code).toBe(0);
  });
});
