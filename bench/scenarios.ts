import { decodeRate, percentile, sampleHealth, timedStream } from "./measure.ts";
import { type BenchServer, residentMiB } from "./servers.ts";

export interface ServerFigures {
  singleTokensPerSecond: number;
  aggregateTokensPerSecond: number;
  /** The same 8 requests with 2 and then 3 clients: steps of 2 and 3 rows. */
  twoClientTokensPerSecond: number;
  threeClientTokensPerSecond: number;
  turn2FirstTokenMs: number;
  turn2PromptTokens: number;
  /** The longest gap between two tokens of 3 running streams while a long prompt prefills. */
  stallMs: number;
  /** That long prompt's time to first token. */
  longPromptFirstTokenMs: number;
  healthMaxMs: number;
  healthP50Ms: number;
  residentMiB: number;
  /** RSS after the warm-up and single streams, before any load, to compare with q8_0 KV's. */
  singleResidentMiB: number;
  /** Measured once per server (first round only), since the first pass prefills 8 histories. */
  returningFirstTokenMs?: number;
  /** The same server restarted with q8_0 K and V caches (first round only). */
  kvQ8SingleTokensPerSecond?: number;
  kvQ8ResidentMiB?: number;
}

const SYSTEM = "You are a helpful assistant.";
/** About 1,300 tokens of history with the bench vocabulary (mostly one token per character). */
const HISTORY = Array.from({ length: 130 }, (_, i) => `item ${String(i).padStart(3, "0")}.`).join(
  " ",
);

/** About 1,500 tokens that no other request shares (the bench vocabulary is mostly a token a character). */
const DOCUMENT = Array.from(
  { length: 60 },
  (_, i) => `pasted line ${String(i).padStart(2, "0")}: abc.`,
).join(" ");

async function decodeStall(server: BenchServer): Promise<{ gapMs: number; ttftMs: number }> {
  const stamps: number[][] = [[], [], []];
  const running = stamps.map((own, i) =>
    timedStream(server.url, [{ role: "user", content: `Stream ${i} tells a story.` }], 400, own),
  );
  while (stamps.some((own) => own.length < 3)) await Bun.sleep(20);
  const sent = performance.now();
  const document = await timedStream(
    server.url,
    [{ role: "user", content: `${DOCUMENT} Summarize it.` }],
    4,
  );
  const prefilled = sent + document.firstTokenMs;
  await Promise.all(running);
  let gapMs = 0;
  for (const own of stamps) {
    for (let i = 1; i < own.length; i++) {
      const [before, after] = [own[i - 1] ?? 0, own[i] ?? 0];
      if (after > sent && before < prefilled) gapMs = Math.max(gapMs, after - before);
    }
  }
  return { gapMs, ttftMs: document.firstTokenMs };
}

/** About 1,000 tokens of one conversation's own history; no two share more than the template. */
function conversationHistory(id: number): string {
  return Array.from({ length: 100 }, (_, i) => `c${id} note ${String(i).padStart(2, "0")}.`).join(
    " ",
  );
}

/**
 * 8 conversations with distinct ~1,000-token histories take turns on the 4 slots for 3 rounds,
 * one request at a time. Each returns after 7 others, so its slot holds another history by then;
 * the figure is the p50 time to first token of rounds 2 and 3.
 */
export async function returningConversations(server: BenchServer): Promise<number> {
  type Message = { role: "user" | "assistant"; content: string };
  const conversations: Message[][] = Array.from({ length: 8 }, (_, id) => [
    { role: "user", content: `${conversationHistory(id)} Remember these.` },
  ]);
  const returning: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const messages of conversations) {
      if (round > 0) messages.push({ role: "user", content: `Round ${round}: which came first?` });
      const timing = await timedStream(server.url, messages, 4);
      messages.push({ role: "assistant", content: timing.text });
      if (round > 0) returning.push(timing.firstTokenMs);
    }
  }
  return percentile(returning, 50);
}

/** Single-stream decode and RSS of a server started with quantized KV caches. */
export async function kvFigures(
  server: BenchServer,
): Promise<{ singleTokensPerSecond: number; residentMiB: number }> {
  await timedStream(server.url, [{ role: "user", content: "warm up" }], 8);
  const singleTokensPerSecond = await singleStream(server);
  return { singleTokensPerSecond, residentMiB: await residentMiB(server.pid) };
}

/** Single-stream decode tok/s: the mean of three 96-token replies. */
export async function singleStream(server: BenchServer): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const timing = await timedStream(
      server.url,
      [{ role: "user", content: `Count to ${i + 10}.` }],
      96,
    );
    rates.push(decodeRate(timing));
  }
  return rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
}

export async function aggregate(
  server: BenchServer,
  clients: number,
): Promise<{ rate: number; health: number[] }> {
  const health = sampleHealth(server.url, 20);
  const queue = Array.from({ length: 8 }, (_, i) => i);
  let tokens = 0;
  const started = performance.now();
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const timing = await timedStream(
        server.url,
        [{ role: "user", content: `Story number ${next}.` }],
        64,
      );
      tokens += timing.tokens;
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { rate: tokens / seconds, health: await health.stop() };
}

async function turnTwo(server: BenchServer): Promise<{ ms: number; promptTokens: number }> {
  const turn1 = [
    { role: "system" as const, content: SYSTEM },
    { role: "user" as const, content: `Here is my list: ${HISTORY} Summarize it.` },
  ];
  const reply = await timedStream(server.url, turn1, 16);
  const turn2 = [
    ...turn1,
    { role: "assistant" as const, content: reply.text },
    { role: "user" as const, content: "Which item comes last?" },
  ];
  const timing = await timedStream(server.url, turn2, 4);
  const promptTokens = await promptTokensOf(server, turn2);
  return { ms: timing.firstTokenMs, promptTokens };
}

async function promptTokensOf(server: BenchServer, messages: unknown[]): Promise<number> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "bench", messages, max_tokens: 1, temperature: 0 }),
  });
  const json = (await response.json()) as { usage?: { prompt_tokens?: number } };
  return json.usage?.prompt_tokens ?? 0;
}

/**
 * Every figure for one server, in a fixed order: warm-up, single, 4-client aggregate (+health,
 * RSS), turn 2, then 2- and 3-client aggregates, which come after so the figures are
 * measured as before.
 */
export async function measureServer(server: BenchServer): Promise<ServerFigures> {
  await timedStream(server.url, [{ role: "user", content: "warm up" }], 8);
  const singleTokensPerSecond = await singleStream(server);
  const singleResidentMiB = await residentMiB(server.pid);
  const load = await aggregate(server, 4);
  const rss = await residentMiB(server.pid);
  const turn2 = await turnTwo(server);
  const two = await aggregate(server, 2);
  const three = await aggregate(server, 3);
  const stall = await decodeStall(server);
  return {
    stallMs: stall.gapMs,
    longPromptFirstTokenMs: stall.ttftMs,
    singleTokensPerSecond,
    aggregateTokensPerSecond: load.rate,
    twoClientTokensPerSecond: two.rate,
    threeClientTokensPerSecond: three.rate,
    turn2FirstTokenMs: turn2.ms,
    turn2PromptTokens: turn2.promptTokens,
    healthMaxMs: Math.max(...load.health),
    healthP50Ms: percentile(load.health, 50),
    residentMiB: rss,
    singleResidentMiB,
  };
}
