import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ServerProcess, startServer } from "../e2e/server-process.ts";
import { Prng, seedFromEnv } from "./prng.ts";

/**
 * HTTP-level fuzzing: malformed framing, methods, paths and headers, raw over TCP, on every
 * route. Each case must get an answer that is not a 5xx, or a closed connection, within a few
 * seconds; afterwards the server must still serve.
 */
const SEED = seedFromEnv(20261202);
const CASES = 240;
const ANSWER_MS = 4000;
const KEY = "fuzz-key";

const ROUTES = [
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/messages",
  "/v1/messages/count_tokens",
  "/v1/responses",
  "/v1/responses/input_tokens",
  "/v1/models",
  "/v1/models/x",
  "/health",
  "/",
  "/slots",
  "/metrics",
  "/tokenize",
  "/detokenize",
  "/docs",
  "/docs/json",
  "/docs/scalar.js",
];
const BODY = JSON.stringify({
  model: "x",
  max_tokens: 2,
  messages: [{ role: "user", content: "hi" }],
});
const auth = `Authorization: Bearer ${KEY}\r\n`;

type Build = (prng: Prng, route: string) => string | Uint8Array;

/** One request per kind of abuse; each returns the bytes to send. */
const KINDS: Record<string, Build> = {
  "invalid method": (prng, route) =>
    `${prng.pick(["FOO", "get", "G E T", "PATCH", "DELETE", "CONNECT", "TRACE", "X".repeat(5000)])} ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
  "invalid path": (prng) =>
    `GET ${prng.pick(["/%00", "//", "/../../etc/passwd", "*", "http://evil/v1/models", "/v1/models/%ff%fe", "/%", `/${"a".repeat(9000)}`, "/v1/chat/completions?x=%zz"])} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
  "NUL in the path": (_prng, route) =>
    `GET ${route}\u0000x HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
  "a 64 KB header": (prng, route) =>
    `GET ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}X-Big: ${"v".repeat(prng.int(64 * 1024, 96 * 1024))}\r\n\r\n`,
  "thousands of headers": (prng, route) =>
    `GET ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}${Array.from({ length: prng.int(2000, 6000) }, (_, i) => `X-H${i}: ${i}\r\n`).join("")}\r\n`,
  "broken chunked encoding": (prng, route) =>
    `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${prng.pick(["zz\r\n{}\r\n0\r\n\r\n", "5\r\n{}\r\n0\r\n\r\n", "ffffffffffff\r\n{", "3\r\n{}}", "2\r\n{}0\r\n\r\n", "-1\r\n\r\n"])}`,
  "pipelined requests": (_prng, route) =>
    `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\nGET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`,
  "HTTP/1.0 without Host": (prng, route) =>
    prng.next() < 0.5
      ? `GET ${route} HTTP/1.0\r\n${auth}\r\n`
      : `POST ${route} HTTP/1.0\r\n${auth}Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  "Expect: 100-continue": (_prng, route) =>
    `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  "Content-Length that disagrees with the body": (prng, route) => {
    const length = prng.pick([0, 5, BODY.length - 7, BODY.length + 40, 2 ** 31, -1]);
    return `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${BODY}`;
  },
  "two Content-Lengths": (_prng, route) =>
    `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  "duplicate Authorization headers": (prng, route) =>
    `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\n${prng.shuffle([auth, "Authorization: Bearer wrong\r\n"]).join("")}Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
  "garbage bytes": (prng) => {
    const bytes = new Uint8Array(prng.int(1, 4096));
    for (let i = 0; i < bytes.length; i++) bytes[i] = prng.int(0, 256);
    return bytes;
  },
};

interface Outcome {
  statuses: number[];
  closed: boolean;
  answeredMs: number;
}

/** Sends the bytes and collects status lines until the server closes or ANSWER_MS passes. */
async function exchange(
  port: number,
  payload: string | Uint8Array,
  expected: number,
): Promise<Outcome> {
  const started = performance.now();
  let text = "";
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, data) => {
        text += new TextDecoder("latin1").decode(data);
      },
      close: () => {
        closed = true;
      },
      error: () => {
        closed = true;
      },
    },
  });
  socket.write(payload);
  const statuses = () => [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
  // A 100 Continue is an interim answer; the final one follows it.
  const finals = () => statuses().filter((status) => status !== 100);
  while (!closed && finals().length < expected && performance.now() - started < ANSWER_MS) {
    await Bun.sleep(10);
  }
  const answeredMs = performance.now() - started;
  socket.end();
  return { statuses: finals(), closed, answeredMs };
}

let server: ServerProcess;
beforeAll(async () => {
  server = await startServer({
    model: { chain: [" hi"] },
    args: ["--api-key", KEY, "--timeout", "1", "--parallel", "2"],
    apiKey: KEY,
  });
});
afterAll(async () => {
  await server.stop("SIGKILL");
});

test(`HTTP-level fuzzing on every route (seed ${SEED}, ${CASES} cases): no 5xx, no hang, no crash`, async () => {
  const prng = new Prng(SEED);
  const port = Number(new URL(server.url).port);
  const kinds = Object.keys(KINDS);
  const failures: string[] = [];
  const seen = new Map<string, Set<number>>();
  for (let i = 0; i < CASES; i += 8) {
    const batch = Array.from({ length: Math.min(8, CASES - i) }, (_, j) => {
      const kind = kinds[(i + j) % kinds.length] as string;
      const route = prng.pick(ROUTES);
      const payload = (KINDS[kind] as Build)(prng, route);
      return { kind, route, payload };
    });
    const outcomes = await Promise.all(
      batch.map(({ kind, payload }) =>
        exchange(port, payload, kind === "pipelined requests" ? 3 : 1),
      ),
    );
    for (const [j, outcome] of outcomes.entries()) {
      const { kind, route } = batch[j] as (typeof batch)[number];
      const label = `${kind} on ${route}`;
      for (const status of outcome.statuses) {
        if (!seen.has(kind)) seen.set(kind, new Set());
        seen.get(kind)?.add(status);
      }
      const faults = outcome.statuses.filter((status) => status >= 500);
      if (faults.length > 0) failures.push(`${label}: ${outcome.statuses}`);
      const answered = outcome.statuses.length > 0 || outcome.closed;
      if (!answered) failures.push(`${label}: no answer and still open after ${ANSWER_MS} ms`);
    }
    expect(server.process.exitCode).toBeNull();
  }
  console.log(
    [...seen].map(([kind, statuses]) => `${kind}: ${[...statuses].sort().join(", ")}`).join("\n"),
  );
  expect(failures).toEqual([]);
  const health = await fetch(`${server.url}/health`);
  expect(health.status).toBe(200);
  const reply = await server.client.chat.completions.create({
    model: "x",
    messages: [{ role: "user", content: "hi" }],
  });
  expect(reply.choices[0]?.message.content).toBe(" hi");
}, 120_000);
