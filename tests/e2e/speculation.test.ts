import { afterAll, beforeAll, expect, test } from "bun:test";
import { GLM4_CHAT_TEMPLATE } from "../../src/gguf/glm-templates.ts";
import { deepseek2ModelPath, scriptedModelPath } from "../support/test-models.ts";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

/** The same looping reply from a server speculating by default and from one with --spec off. */
const model = { chain: [" tick", " tock", " tack"], loop: true };
let speculating: ServerProcess;
let plain: ServerProcess;
/** The model drafting for itself through --draft-model. */
let drafting: ServerProcess;
beforeAll(async () => {
  [speculating, plain, drafting] = await Promise.all([
    startServer({ model }),
    startServer({ model, args: ["--spec", "off"] }),
    startServer({ model, args: ["--spec", "draft", "--draft-model", scriptedModelPath(model)] }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain, speculating, drafting].map((server) => server.stop("SIGKILL")));
});

const ask = { model: "x", messages: [{ role: "user" as const, content: "go" }], max_tokens: 60 };
/** Drafting starts at the 5th token; this stop string ends at the 10th, inside a drafted run. */
const stop = " tack tick tock tack tick tock tack tick";

async function draftCounters(
  server: ServerProcess,
): Promise<{ drafted: number; accepted: number }> {
  const text = (await rawRequest(server, "/metrics")).text;
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
  return {
    drafted: value("glm_draft_tokens_total"),
    accepted: value("glm_draft_accepted_tokens_total"),
  };
}

test("speculation is on by default, and a reply reads the same as with --spec off", async () => {
  const [on, off] = await Promise.all(
    [speculating, plain].map((server) => server.client.chat.completions.create(ask)),
  );
  expect(on?.choices[0]?.message.content).toBe(off?.choices[0]?.message.content ?? "-");
  expect(on?.usage).toEqual(off?.usage);
  const drafts = await draftCounters(speculating);
  expect(drafts.accepted).toBeGreaterThan(10);
  expect(drafts.accepted).toBeLessThanOrEqual(drafts.drafted);
  expect(await draftCounters(plain)).toEqual({ drafted: 0, accepted: 0 });
  const slots = (await rawRequest(speculating, "/slots")).body as {
    speculation: { drafted: number; accepted: number; acceptance: number };
  };
  expect(slots.speculation).toMatchObject(drafts);
  expect(slots.speculation.acceptance).toBeCloseTo(drafts.accepted / drafts.drafted, 2);
});

test("a stream ends at a stop string met inside a drafted run, as it does without drafts", async () => {
  const streamed = async (server: ServerProcess) => {
    const stream = await server.client.chat.completions.create({
      ...ask,
      stop: [stop],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    return { text, usage };
  };
  const [on, off] = await Promise.all([streamed(speculating), streamed(plain)]);
  expect(off.text).toBe(" tick tock");
  expect(on.text).toBe(off.text);
  expect(on.usage).toEqual(off.usage);
  expect(on.usage).toMatchObject({ completion_tokens: 10 });
});

test("--spec draft with a --draft-model reads the same as --spec off, and says so at startup", async () => {
  expect(drafting.readyLine).toMatch(/ · drafts by model-\d+\.gguf · /);
  expect(speculating.readyLine).toMatch(/ · drafts by prompt lookup · /);
  expect(plain.readyLine).toMatch(/ · no speculation · /);
  // Without an API key, no other web origin may read replies.
  expect(plain.readyLine).toMatch(
    / · no other web origin may call it \(--cors-origin to allow one\)$/,
  );
  const [on, off] = await Promise.all(
    [drafting, plain].map((server) => server.client.chat.completions.create(ask)),
  );
  expect(on?.choices[0]?.message.content).toBe(off?.choices[0]?.message.content ?? "-");
  // plain served this prompt before, so only its cached count may differ.
  expect(on?.usage?.completion_tokens).toBe(off?.usage?.completion_tokens ?? -1);
  const drafts = await draftCounters(drafting);
  expect(drafts.accepted).toBeGreaterThan(40);
  expect(drafts.accepted).toBe(drafts.drafted);
});

test("--spec mtp drafts with the model's MTP layers, and a reply reads the same as --spec off", async () => {
  // GLM-4.7-Flash's layout; its head guesses what the trunk says next, so its drafts hold.
  const path = deepseek2ModelPath(GLM4_CHAT_TEMPLATE, { mtp: true, passThrough: true });
  const common = ["--model", path, "--ctx-size", "2048", "--parallel", "1"];
  await using mtp = await startServer({ args: [...common, "--spec", "mtp"] });
  await using off = await startServer({ args: [...common, "--spec", "off"] });
  expect(mtp.readyLine).toMatch(/ · drafts by its MTP layers · /);
  const request = { ...ask, temperature: 0, ignore_eos: true } as typeof ask;
  const [on, plainReply] = await Promise.all(
    [mtp, off].map((server) => server.client.chat.completions.create(request)),
  );
  expect(on?.choices[0]?.message.content).toBe(plainReply?.choices[0]?.message.content ?? "-");
  expect(on?.usage).toEqual(plainReply?.usage);
  const drafts = await draftCounters(mtp);
  expect(drafts.accepted).toBeGreaterThan(30);
  expect(drafts.accepted).toBe(drafts.drafted);
});
