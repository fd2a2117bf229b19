import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomQ4ModelPath, scriptedModelPath } from "../support/test-models.ts";
import { collectText, rawRequest, type ServerProcess, startServer } from "./server-process.ts";
import { ask, families, getWeather, modelOf } from "./tool-families.ts";

const root = join(import.meta.dir, "..", "..");

interface Worker {
  endpoint: string;
  process: Bun.Subprocess<"ignore", "pipe", "pipe">;
  stderr(): string;
}

function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = listener;
  listener.stop(true);
  return port;
}

async function answers(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** `glm-serve rpc-worker` on a free loopback port, once it accepts connections. */
async function startWorker(): Promise<Worker> {
  const port = freePort();
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      "rpc-worker",
      "--port",
      String(port),
      "--threads",
      "1",
    ],
    { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const errText = collectText(child.stderr);
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`worker did not listen: ${errText()}`);
    }
    await Bun.sleep(20);
  }
  return { endpoint: `127.0.0.1:${port}`, process: child, stderr: errText };
}

/** Resident memory of a process, in MiB. */
function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

let workers: Worker[];
beforeAll(async () => {
  workers = await Promise.all([startWorker(), startWorker()]);
});
afterAll(() => {
  for (const worker of workers) worker.process.kill("SIGKILL");
});

const rpcArgs = () => ["--rpc", workers.map((worker) => worker.endpoint).join(",")];
const greedy = { model: "x", messages: ask, max_tokens: 24, temperature: 0, ignore_eos: true };

test("a model split over two workers replies token for token as it does locally", async () => {
  const model = ["--model", randomQ4ModelPath(), "--ctx-size", "1024", "--parallel", "1"];
  const before = workers.map((worker) => residentMiB(worker.process.pid));
  await using split = await startServer({ args: [...model, ...rpcArgs()] });
  await using local = await startServer({ args: model });
  const [first, second] = workers.map((worker) => worker.endpoint.replaceAll(".", "\\."));
  expect(split.readyLine).toMatch(
    new RegExp(`weights on RPC0\\[${first}\\] [\\d.]+ MiB, RPC0\\[${second}\\] [\\d.]+ MiB`),
  );
  const request = { ...greedy, logprobs: true };
  const [remote, here] = await Promise.all(
    [split, local].map((server) => server.client.chat.completions.create(request)),
  );
  const tokens = (reply: typeof remote) =>
    reply?.choices[0]?.logprobs?.content?.map((entry) => entry.token) ?? [];
  expect(tokens(remote)).toHaveLength(24);
  expect(tokens(remote)).toEqual(tokens(here));
  // The model's ~40 MB of weights went to the workers, about half each.
  const grown = workers.map((worker, i) => residentMiB(worker.process.pid) - (before[i] ?? 0));
  for (const mib of grown) expect(mib).toBeGreaterThan(10);
  const slots = (await rawRequest(split, "/slots")).body as {
    memory: Array<{ buffer: string; weights_mib: number }>;
  };
  const onWorkers = slots.memory.filter((entry) => entry.buffer.startsWith("RPC"));
  expect(onWorkers).toHaveLength(2);
  for (const entry of onWorkers) expect(entry.weights_mib).toBeGreaterThan(10);
}, 60_000);

test("--tensor-split sets each worker's share of the layers", async () => {
  const model = ["--model", randomQ4ModelPath(), "--ctx-size", "1024", "--parallel", "1"];
  const weights = async (split: string) => {
    await using server = await startServer({ args: [...model, ...rpcArgs(), "-ts", split] });
    const slots = (await rawRequest(server, "/slots")).body as {
      memory: Array<{ buffer: string; weights_mib: number }>;
    };
    return workers.map(
      (worker) =>
        slots.memory.find((entry) => entry.buffer.includes(worker.endpoint))?.weights_mib ?? 0,
    );
  };
  const [firstHeavy, secondLight] = await weights("5,1");
  const [firstLight, secondHeavy] = await weights("1,5");
  expect(firstHeavy).toBeGreaterThan(2 * (secondLight ?? 0));
  expect(secondHeavy).toBeGreaterThan(2 * (firstLight ?? 0));
}, 60_000);

test("over the workers, a stream and a tool call read as they do locally", async () => {
  const glm4 = families[0];
  if (!glm4) throw new Error("no GLM-4 family");
  const model = ["--model", scriptedModelPath(modelOf(glm4, glm4.call, "<|observation|>"))];
  // Each worker serves one client at a time; the server before this one has gone.
  await using split = await startServer({ args: [...model, ...rpcArgs()] });
  const completion = await split.client.chat.completions.create({
    model: "x",
    messages: ask,
    tools: [getWeather],
  });
  const call = completion.choices[0]?.message.tool_calls?.[0];
  expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
  expect(call?.type === "function" ? JSON.parse(call.function.arguments) : null).toEqual(
    glm4.expected,
  );
  const stream = await split.client.chat.completions.create({ ...greedy, stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  const plain = await split.client.chat.completions.create(greedy);
  expect(text).toBe(plain.choices[0]?.message.content ?? "-");
}, 60_000);

test("a worker that cannot be reached stops the start with one line naming it", async () => {
  const port = freePort();
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      "--model",
      scriptedModelPath({ chain: [" hi"] }),
      "--port",
      "0",
      "--rpc",
      `127.0.0.1:${port}`,
    ],
    { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  expect(code).toBe(2);
  const errors = stderr.split("\n").filter((line) => /^glm-serve: (?!listening)/.test(line));
  expect(errors).toEqual([
    expect.stringMatching(new RegExp(`cannot reach RPC worker 127\\.0\\.0\\.1:${port}: `)),
  ]);
});

test("a worker killed mid-stream fails the running and the queued request, /health turns 503, and the server exits 1", async () => {
  const loop = scriptedModelPath({ chain: [" tick", " tock"], loop: true });
  const server: ServerProcess = await startServer({
    args: ["--model", loop, "--spec", "off", "--parallel", "1", ...rpcArgs()],
  });
  const post = (body: Record<string, unknown>) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...greedy, max_tokens: 100_000, ...body }),
    });
  const response = await post({ stream: true });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("tock")) text += decoder.decode((await reader.read()).value);
  // With one slot, this one waits in the queue behind the stream.
  const queued = post({});
  await Bun.sleep(100);
  const killedAt = Date.now();
  workers[1]?.process.kill("SIGKILL");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  expect(Date.now() - killedAt).toBeLessThan(5000);
  expect(text).toMatch(
    /data: \{"error":\{"message":"the inference engine failed: [^"]+","type":"server_error"/,
  );
  const waited = await queued;
  expect(waited.status).toBe(500);
  expect(((await waited.json()) as { error: { code: string } }).error.code).toBe("engine_failed");
  const health = await fetch(`${server.url}/health`);
  expect(health.status).toBe(503);
  expect(await server.process.exited).toBe(1);
  const lines = server.stderr().split("\n");
  expect(lines).toContainEqual(
    expect.stringMatching(
      /^glm-serve: the inference engine failed: .*RPC.*; exiting so that a supervisor can restart the server$/,
    ),
  );
  expect(server.stderr()).not.toMatch(/^\s+at /m);
}, 60_000);

test("a worker listening beyond loopback warns that the protocol has no authentication", async () => {
  const child = Bun.spawn(
    [
      process.execPath,
      join(root, "src", "main.ts"),
      "rpc-worker",
      "--host",
      "0.0.0.0",
      "--port",
      String(freePort()),
    ],
    { cwd: root, stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  const reader = child.stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes("serve with --rpc") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  child.kill("SIGKILL");
  expect(text).toMatch(/^glm-serve: warning: .*no authentication.*private network$/m);
});
