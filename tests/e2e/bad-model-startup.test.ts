import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GgufWriter } from "../../src/gguf/gguf-writer.ts";
import { TensorType } from "../../src/gguf/tensor-types.ts";
import { Prng } from "../fuzz/prng.ts";
import { scratchPath, scriptedModelPath } from "../support/test-models.ts";

const root = join(import.meta.dir, "..", "..");

interface Startup {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `bun src/main.ts --model <path> --port 0` to its end; a bad model must end it at once. */
async function start(model: string, args: string[]): Promise<Startup> {
  const child = Bun.spawn(
    [process.execPath, join(root, "src", "main.ts"), "--model", model, "--port", "0", ...args],
    { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(killer);
  return { exitCode, stdout, stderr };
}

/**
 * Exit code 2, nothing on stdout, no stack trace, and one `glm-serve:` error line matching
 * `problem`. The only other `glm-serve:` line allowed is the "listening ...; loading" notice,
 * printed before loading begins.
 */
async function expectRefused(model: string, problem: RegExp, args: string[] = []): Promise<string> {
  const result = await start(model, args);
  const context = `${model}\n${result.stderr}`;
  expect(result.exitCode, context).toBe(2);
  expect(result.stdout, context).not.toContain("ready");
  expect(result.stderr, context).not.toMatch(/^\s+at /m);
  expect(result.stderr, context).not.toMatch(/ready on|panic|Segmentation|core dumped/i);
  const lines = result.stderr.split("\n").filter((line) => line.startsWith("glm-serve:"));
  const errors = lines.filter((line) => !/^glm-serve: listening on \S+; loading /.test(line));
  expect(errors, context).toHaveLength(1);
  const line = errors[0] ?? "";
  expect(line, context).toMatch(problem);
  return line;
}

/** Byte offsets where each part of a GGUF v3 file starts, read the way a loader walks it. */
function ggufRegions(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensorCount = Number(view.getBigUint64(8, true));
  const metadataCount = Number(view.getBigUint64(16, true));
  let at = 24;
  const skipString = () => {
    at += 8 + Number(view.getBigUint64(at, true));
  };
  const scalarSize: Record<number, number> = {
    0: 1,
    1: 1,
    2: 2,
    3: 2,
    4: 4,
    5: 4,
    6: 4,
    7: 1,
    10: 8,
    11: 8,
    12: 8,
  };
  const skipValue = (type: number): void => {
    if (type === 8) {
      skipString();
      return;
    }
    if (type === 9) {
      const elementType = view.getUint32(at, true);
      const count = Number(view.getBigUint64(at + 4, true));
      at += 12;
      for (let i = 0; i < count; i++) skipValue(elementType);
      return;
    }
    at += scalarSize[type] ?? 0;
  };
  for (let i = 0; i < metadataCount; i++) {
    skipString();
    const type = view.getUint32(at, true);
    at += 4;
    skipValue(type);
  }
  const tensorInfos = at;
  for (let i = 0; i < tensorCount; i++) {
    skipString();
    const dims = view.getUint32(at, true);
    at += 4 + dims * 8 + 4 + 8;
  }
  const data = Math.ceil(at / 32) * 32;
  return { metadata: 24, tensorInfos, data, end: bytes.length };
}

const aTensor = {
  name: "token_embd.weight",
  dims: [32, 4],
  type: TensorType.F32,
  chunks: () => [new Uint8Array(32 * 4 * 4)],
};

describe("a bad model file stops the server at startup with one clear line", () => {
  test("a missing file", async () => {
    await expectRefused("/nonexistent/glm.gguf", /not found: \/nonexistent\/glm\.gguf/);
  });

  test("a directory", async () => {
    const folder = scratchPath("model-folder");
    mkdirSync(folder, { recursive: true });
    await expectRefused(folder, /directory/);
  });

  test("an empty file", async () => {
    const path = scratchPath("empty.gguf");
    writeFileSync(path, "");
    await expectRefused(path, /cannot load .*empty\.gguf: .*GGUF/);
  });

  test("wrong magic", async () => {
    const path = scratchPath("wrong-magic.gguf");
    const bytes = new Uint8Array(readFileSync(scriptedModelPath({ chain: [" hi"] })));
    bytes.set(new TextEncoder().encode("GGML"), 0);
    writeFileSync(path, bytes);
    await expectRefused(path, /cannot load .*: .*magic/i);
  });

  test("a header claiming 2^40 tensors", async () => {
    const path = scratchPath("huge-tensor-count.gguf");
    const bytes = new Uint8Array(readFileSync(scriptedModelPath({ chain: [" hi"] })));
    new DataView(bytes.buffer).setBigUint64(8, 2n ** 40n, true);
    writeFileSync(path, bytes);
    await expectRefused(path, /cannot load .*huge-tensor-count\.gguf: \S/);
  });

  test("a header claiming 2^40 metadata entries", async () => {
    const path = scratchPath("huge-metadata-count.gguf");
    const bytes = new Uint8Array(readFileSync(scriptedModelPath({ chain: [" hi"] })));
    new DataView(bytes.buffer).setBigUint64(16, 2n ** 40n, true);
    writeFileSync(path, bytes);
    await expectRefused(path, /cannot load .*huge-metadata-count\.gguf: \S/);
  });

  test("an unknown architecture", async () => {
    const path = scratchPath("startup-wrong-arch.gguf");
    new GgufWriter().string("general.architecture", "not-a-real-arch").tensor(aTensor).write(path);
    await expectRefused(path, /cannot load .*: .*not-a-real-arch/);
  });

  test("a scripted GGUF truncated at 10 seeded offsets in every region", async () => {
    const whole = new Uint8Array(readFileSync(scriptedModelPath({ chain: [" hi", " there"] })));
    const regions = ggufRegions(whole);
    expect(regions.tensorInfos).toBeGreaterThan(regions.metadata);
    expect(regions.data).toBeGreaterThan(regions.tensorInfos);
    expect(regions.end).toBeGreaterThan(regions.data);
    const prng = new Prng(0x6a1f);
    const offsets = [
      prng.int(1, regions.metadata),
      prng.int(1, regions.metadata),
      prng.int(regions.metadata, regions.tensorInfos),
      prng.int(regions.metadata, regions.tensorInfos),
      prng.int(regions.metadata, regions.tensorInfos),
      prng.int(regions.tensorInfos, regions.data),
      prng.int(regions.tensorInfos, regions.data),
      prng.int(regions.data, regions.end),
      prng.int(regions.data, regions.end),
      regions.end - 1,
    ];
    // Spawns run two at a time: each is fast, and the machine is shared.
    for (let i = 0; i < offsets.length; i += 2) {
      await Promise.all(
        offsets.slice(i, i + 2).map(async (offset) => {
          const path = scratchPath(`truncated-at-${offset}.gguf`);
          writeFileSync(path, whole.subarray(0, offset));
          await expectRefused(path, new RegExp(`cannot load .*truncated-at-${offset}\\.gguf: \\S`));
        }),
      );
    }
  }, 60_000);
});

describe("a draft model that cannot draft stops the server at startup with one clear line", () => {
  const target = () => scriptedModelPath({ chain: [" ping", " pong"] });

  test("a missing draft model", async () => {
    await expectRefused(target(), /draft model file not found: \/nonexistent\/d\.gguf/, [
      "--draft-model",
      "/nonexistent/d.gguf",
    ]);
  });

  test("a draft model with another tokenizer", async () => {
    const chatglm3 = scriptedModelPath({ chain: [" ping"], vocabulary: "chatglm3" });
    await expectRefused(target(), /draft model .* cannot draft: .*tokenizer is of another kind/, [
      "--spec",
      "draft",
      "--draft-model",
      chatglm3,
    ]);
  });

  test("a draft model whose tokens differ", async () => {
    const other = scriptedModelPath({ chain: [" alpha", " beta"] });
    await expectRefused(target(), /cannot draft: token \d+ is ".*" in the target/, [
      "--draft-model",
      other,
    ]);
  });

  test("--spec mtp on a model without MTP layers", async () => {
    await expectRefused(target(), /cannot draft with MTP: the model has no MTP \(nextn\) layers/, [
      "--spec",
      "mtp",
    ]);
  });

  test("--spec draft with no draft model", async () => {
    await expectRefused(target(), /^glm-serve: --spec draft needs --draft-model/, [
      "--spec",
      "draft",
    ]);
  });
});
