import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { isDeno, test } from "../support/runtime-test.ts";
import { scriptedModelPath } from "../support/test-models.ts";
import { dirname, fromFileUrl, join } from "./paths.ts";

const root = join(dirname(fromFileUrl(import.meta.url)), "..", "..");

/** Starts the server under whichever runtime runs this suite, on a scripted model. */
async function startInThisRuntime(chain: string[]) {
  const main = join(root, "src", "main.ts");
  const runtimeArgs = isDeno ? ["run", "--allow-all", main] : [main];
  const args = [
    ...runtimeArgs,
    "--model",
    scriptedModelPath({ chain }),
    "--port",
    "0",
    "--threads",
    "1",
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (data: Uint8Array) => {
    stderr += new TextDecoder().decode(data);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (data: Uint8Array) => {
      out += new TextDecoder().decode(data);
      const match = /ready on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    /** Sends SIGTERM; resolves with the exit code and what the server logged. */
    async stop() {
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      return { code: await exited, stderr };
    },
  };
}

async function post(url: string, body: unknown): Promise<Response> {
  return await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("the server answers, streams and reports errors the same under this runtime", async () => {
  const server = await startInThisRuntime(["\n", "Same", " on", " both"]);
  try {
    const messages = [{ role: "user", content: "hi" }];
    const plain = await (await post(server.url, { messages })).json();
    assert.equal(plain.choices[0].message.content, "Same on both");

    const stream = await (await post(server.url, { messages, stream: true })).text();
    const events = stream.split("\n\n").filter(Boolean);
    assert.equal(events.at(-1), "data: [DONE]");
    const text = events
      .slice(0, -1)
      .map((event) => JSON.parse(event.slice("data: ".length)).choices[0]?.delta.content ?? "")
      .join("");
    assert.equal(text, "Same on both");

    const bad = await post(server.url, { messages: [] });
    assert.equal(bad.status, 400);
    const error = await bad.json();
    assert.deepEqual(Object.keys(error.error).sort(), ["code", "message", "param", "type"]);
  } finally {
    const { code, stderr } = await server.stop();
    assert.match(stderr, /SIGTERM: finishing/);
    // Deno's node:child_process reports a signalled child as code null even when it exits 0.
    if (!isDeno) assert.equal(code, 0);
  }
});

/** Reads an SSE body into its named events. */
function namedEvents(body: string): Array<{ event: string; data: Record<string, unknown> }> {
  return body
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1] ?? "";
      const data = JSON.parse(/^data: (.+)$/m.exec(block)?.[1] ?? "null");
      return { event, data };
    });
}

test("the Messages and Responses routes stream their own events under this runtime", async () => {
  const server = await startInThisRuntime(["\n", "Same", " on", " both"]);
  const call = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  try {
    const messages = [{ role: "user", content: "hi" }];
    const message = namedEvents(
      await (
        await call("/v1/messages", { model: "x", max_tokens: 50, messages, stream: true })
      ).text(),
    );
    assert.equal(message[0]?.event, "message_start");
    assert.equal(message.at(-1)?.event, "message_stop");
    const text = message
      .map((event) => (event.data.delta as { text?: string } | undefined)?.text ?? "")
      .join("");
    assert.equal(text, "Same on both");

    const response = namedEvents(
      await (await call("/v1/responses", { input: "hi", stream: true })).text(),
    );
    assert.equal(response[0]?.event, "response.created");
    assert.equal(response.at(-1)?.event, "response.completed");
    const deltas = response
      .filter((event) => event.event === "response.output_text.delta")
      .map((event) => event.data.delta)
      .join("");
    assert.equal(deltas, "Same on both");

    const bad = await call("/v1/messages", { model: "x", messages });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { type: string }).type, "error");
  } finally {
    await server.stop();
  }
});
