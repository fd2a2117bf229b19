import { afterAll, beforeAll, expect, test } from "bun:test";
import { rawRequest, type ServerProcess, startServer } from "./server-process.ts";

/** More conversations than slots: /slots shows the host cache keeping and restoring them. */
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer({ model: { chain: ["\n", "Noted", "."] }, args: ["--parallel", "1"] });
});
afterAll(async () => {
  await server.stop("SIGKILL");
});

interface HostCacheBody {
  host_cache: {
    entries: number;
    mib: number;
    budget_mib: number | null;
    hits: number;
    saves: number;
    evictions: number;
  };
  slots: Array<{ cached_tokens: number; kv_tokens: number }>;
}

const ask = (who: string) => ({
  model: "x",
  messages: [
    { role: "user" as const, content: `${who} says: ${"a long shared document ".repeat(40)}` },
  ],
});

test("a returning conversation is restored from RAM and counted as cached", async () => {
  const first = await server.client.chat.completions.create(ask("alice"));
  await server.client.chat.completions.create(ask("bob")); // alice's history goes to RAM
  const before = (await rawRequest(server, "/slots")).body as HostCacheBody;
  expect(before.host_cache).toMatchObject({ entries: 1, saves: 1, hits: 0, budget_mib: 8192 });
  expect(before.host_cache.mib).toBeGreaterThan(0);
  const back = await server.client.chat.completions.create(ask("alice"));
  expect(back.choices[0]?.message.content).toBe(first.choices[0]?.message.content ?? "-");
  const prompt = back.usage?.prompt_tokens ?? 0;
  expect(back.usage?.prompt_tokens_details?.cached_tokens).toBe(prompt - 1);
  const after = (await rawRequest(server, "/slots")).body as HostCacheBody;
  expect(after.host_cache).toMatchObject({ entries: 1, saves: 2, hits: 1 });
  for (const slot of after.slots) expect(slot.kv_tokens).toBe(slot.cached_tokens);
});
