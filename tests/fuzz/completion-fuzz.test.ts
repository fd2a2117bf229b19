import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ServerProcess, startServer } from "../e2e/server-process.ts";
import { coverageCases, type FuzzCase, randomCase } from "./mutators.ts";
import { Prng, seedFromEnv } from "./prng.ts";
import { type FuzzTarget, TARGETS } from "./targets.ts";

const MAX_BODY = 2 * 1024 * 1024;
const COUNT = Number(process.env.FUZZ_COUNT ?? 300);
const SEED = seedFromEnv(20_240_601);
/** A request still running after this is a hang. */
const HANG_MS = 30_000;
const CHECK_EVERY = 50;

interface Outcome {
  /** e.g. "400 invalid_value", "200", or "hang" */
  label: string;
  /** Why this outcome is a bug, or undefined when it is fine. */
  problem?: string;
}

/** Per route and bad-input class, how often each outcome was seen: the README's table. */
const seen = new Map<string, Map<string, Map<string, number>>>();

function record(target: FuzzTarget, kind: string, label: string): void {
  const kinds = seen.get(target.name) ?? new Map<string, Map<string, number>>();
  const outcomes = kinds.get(kind) ?? new Map<string, number>();
  outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
  kinds.set(kind, outcomes);
  seen.set(target.name, kinds);
}

describe.each(TARGETS)("fuzzed $name requests ($path)", (target) => {
  let server: ServerProcess;
  const failures: string[] = [];

  beforeAll(async () => {
    server = await startServer({
      model: { chain: [" ping", " pong"] },
      args: ["--max-body", "2MiB", "--parallel", "2", "--ctx-size", "4096"],
    });
  });
  afterAll(async () => {
    await server.stop("SIGKILL");
    if (process.env.FUZZ_TABLE) console.log(formatTable(target));
  });

  async function send(fuzz: FuzzCase): Promise<Outcome> {
    const body = typeof fuzz.body === "function" ? fuzz.body() : fuzz.body;
    const headers: Record<string, string> = fuzz.contentType
      ? { "content-type": fuzz.contentType }
      : {};
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${server.url}${target.path}`, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(HANG_MS),
        ...(typeof fuzz.body === "function" ? { duplex: "half" } : {}),
      } as RequestInit);
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === "TimeoutError") return { label: "hang", problem: `no answer in ${HANG_MS} ms` };
      return { label: "network error", problem: `request failed: ${(error as Error).message}` };
    }
    const status = response.status;
    if (status === 200) {
      const problem = fuzz.mustFail
        ? "200 for input that can never be valid"
        : target.successProblem(response.headers.get("content-type") ?? "", text);
      return problem ? { label: "200", problem } : { label: "200" };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const label = `${status} ${target.errorLabel(parsed)}`.trim();
    if (status >= 500) return { label, problem: `server error: ${text.slice(0, 300)}` };
    if (status < 400) return { label, problem: `unexpected status: ${text.slice(0, 300)}` };
    const shape = target.errorShapeProblem(parsed);
    return shape ? { label, problem: `${shape}: ${text.slice(0, 300)}` } : { label };
  }

  /** A valid request answers 200 with the scripted reply: the server is alive and sane. */
  async function expectStillServing(after: string): Promise<void> {
    expect(server.process.exitCode, `server exited after ${after}`).toBeNull();
    const response = await fetch(`${server.url}${target.path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(target.valid()),
      signal: AbortSignal.timeout(HANG_MS),
    });
    const body = await response.json();
    expect(response.status, `valid request after ${after}`).toBe(200);
    expect(target.replyText(body)).toBe(" ping pong");
  }

  async function run(cases: FuzzCase[], label: string): Promise<void> {
    for (const [index, fuzz] of cases.entries()) {
      const outcome = await send(fuzz);
      record(target, fuzz.kind, outcome.label);
      if (outcome.problem)
        failures.push(`${label} #${index} [${fuzz.kind}] ${fuzz.detail}: ${outcome.problem}`);
      if ((index + 1) % CHECK_EVERY === 0) await expectStillServing(`${label} #${index}`);
    }
    await expectStillServing(`the last ${label} case`);
  }

  test("the base request is valid", async () => {
    await expectStillServing("nothing");
  });

  test("every field with every bad value class, and each structural class", async () => {
    await run(coverageCases(target, new Prng(SEED), MAX_BODY), "coverage");
    expect(failures).toEqual([]);
  }, 120_000);

  test(`${COUNT} seeded random mutations (FUZZ_COUNT, FUZZ_SEED=${SEED})`, async () => {
    const prng = new Prng(SEED ^ 0x5eed);
    const cases = Array.from({ length: COUNT }, () => randomCase(target, prng, MAX_BODY));
    await run(cases, "random");
    expect(failures).toEqual([]);
  }, 600_000);

  test("no class of bad input was ever answered 5xx, and every class was tried", () => {
    const kinds = seen.get(target.name) ?? new Map<string, Map<string, number>>();
    const labels = [...kinds.values()].flatMap((outcomes) => [...outcomes.keys()]);
    expect(labels.filter((label) => /^5|hang|network/.test(label))).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(17);
  });
});

function formatTable(target: FuzzTarget): string {
  const rows = [...(seen.get(target.name) ?? new Map<string, Map<string, number>>()).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, outcomes]) => {
      const total = [...outcomes.values()].reduce((sum, n) => sum + n, 0);
      const parts = [...outcomes.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([label, n]) => `${label} ×${n}`);
      return `| ${kind} | ${total} | ${parts.join(", ")} |`;
    });
  const header = [`${target.name} (${target.path}):`, "", "| bad input | requests | outcomes |"];
  return [...header, "| --- | --- | --- |", ...rows].join("\n");
}
