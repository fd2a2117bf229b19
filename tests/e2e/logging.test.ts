import { expect, test } from "bun:test";
import { type ServerProcess, startServer } from "./server-process.ts";

const secret = "my-private-question-7731";

async function completionLog(server: ServerProcess): Promise<Record<string, unknown>> {
  await server.client.chat.completions.create({
    model: "x",
    messages: [{ role: "user", content: secret }],
  });
  // The log line is written as the reply finishes; give stderr a moment to arrive.
  for (let i = 0; i < 50 && !server.stderr().includes('"event":"completion"'); i++)
    await Bun.sleep(10);
  const line = server
    .stderr()
    .split("\n")
    .find((entry) => entry.includes('"event":"completion"'));
  if (!line) throw new Error(`no completion log line in: ${server.stderr()}`);
  return JSON.parse(line);
}

test("one structured line per completion, without the prompt text by default", async () => {
  await using server = await startServer({ model: { chain: ["\n", "Fine", "."] } });
  const entry = await completionLog(server);
  expect(entry).toMatchObject({ status: 200, finish: "stop", stream: false });
  expect(entry.prompt_tokens).toBeGreaterThan(0);
  expect(entry.completion_tokens).toBe(4); // the chain, then <|endoftext|>
  expect(typeof entry.ttft_ms).toBe("number");
  expect(server.stderr()).not.toContain(secret);
  expect(server.stderr()).not.toContain("Fine");
});

test("--log-prompts adds the prompt and the reply to that line", async () => {
  await using server = await startServer({
    model: { chain: ["\n", "Fine", "."] },
    args: ["--log-prompts"],
  });
  const entry = await completionLog(server);
  expect(String(entry.prompt)).toContain(secret);
  expect(entry.reply).toBe("\nFine.");
});
