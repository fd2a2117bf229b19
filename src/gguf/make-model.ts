import { writeDemoModel } from "./demo-model.ts";
import { RANDOM_PRESETS, writeRandomModel } from "./random-model.ts";
import { writeScriptedModel } from "./scripted-model.ts";
import { TensorType } from "./tensor-types.ts";

const usage = `usage: bun src/gguf/make-model.ts <kind> --out <file.gguf> [options]
kinds:
  demo                      the embedded demo model (a scripted reply about itself)
  scripted --reply <text>   greedy output is exactly <text>, one token per word
  random-tiny               small random-weight model for tests
  random-bench [--q8]       ~2B random-weight GLM-4-shaped model, Q4_0 (or Q8_0)`;

function fail(message: string): never {
  console.error(`make-model: ${message}\n${usage}`);
  process.exit(2);
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--")) fail(`${name} needs a value`);
  return value;
}

function main(args: string[]): void {
  const [kind, ...rest] = args;
  const out = option(rest, "--out");
  if (!kind || kind === "--help") fail("no kind given");
  if (!out) fail("--out <file.gguf> is required");
  const started = performance.now();
  switch (kind) {
    case "demo":
      writeDemoModel(out);
      break;
    case "scripted": {
      const reply = option(rest, "--reply") ?? fail("scripted needs --reply <text>");
      writeScriptedModel(out, { chain: ["\n", ...(reply.match(/\S+\s*|\s+/g) ?? [])] });
      break;
    }
    case "random-tiny":
      writeRandomModel(out, RANDOM_PRESETS.tiny);
      break;
    case "random-bench": {
      const weights = rest.includes("--q8") ? TensorType.Q8_0 : TensorType.Q4_0;
      writeRandomModel(out, { ...RANDOM_PRESETS.bench, weights });
      break;
    }
    default:
      fail(`unknown kind "${kind}"`);
  }
  console.error(
    `make-model: wrote ${out} (${kind}) in ${Math.round(performance.now() - started)} ms`,
  );
}

main(process.argv.slice(2));
