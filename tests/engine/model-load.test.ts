import { expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { Engine } from "../../src/engine/engine.ts";
import type { ModelLoad } from "../../src/engine/types.ts";
import { randomQ4ModelPath } from "../support/test-models.ts";

/** File-backed resident memory of this process, in bytes. */
function residentFileBytes(): number {
  const status = readFileSync("/proc/self/status", "utf8");
  return Number(/RssFile:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** Bytes of this process's mappings advised onto huge pages (VmFlags "hg" in smaps). */
function hugePageAdvisedBytes(): number {
  let total = 0;
  let size = 0;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (line.startsWith("Size:")) size = Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
    if (line.startsWith("VmFlags:") && line.split(/\s+/).includes("hg")) total += size;
  }
  return total;
}

async function openAndGenerate(load: ModelLoad) {
  const before = residentFileBytes();
  await using engine = await Engine.open(randomQ4ModelPath(), { slots: 1, ctxSize: 512, load });
  const mapped = residentFileBytes() - before;
  const prompt = engine.tokenize("[gMASK]<sop><|user|>\nhello<|assistant|>", true);
  const ids: number[] = [];
  for await (const event of engine.generate(prompt, { maxTokens: 16, ignoreEos: true })) {
    if (event.kind === "piece") ids.push(event.tokenId);
  }
  return { mapped, ids };
}

test("read mode keeps no mapped copy of repacked weights; both modes generate the same tokens", async () => {
  const size = statSync(randomQ4ModelPath()).size;
  const mapped = await openAndGenerate("mmap");
  const read = await openAndGenerate("read");
  const auto = await openAndGenerate("auto"); // this build has no GPU, so auto reads
  console.log(`model ${size} B; mapped RssFile +${mapped.mapped}, read +${read.mapped}`);
  expect(mapped.mapped).toBeGreaterThan(size * 0.8);
  expect(read.mapped).toBeLessThan(size * 0.2);
  expect(auto.mapped).toBeLessThan(size * 0.2);
  expect(read.ids).toEqual(mapped.ids);
  expect(auto.ids).toEqual(mapped.ids);
});

test("weights read into memory are advised onto huge pages unless hugePages is false", async () => {
  const size = statSync(randomQ4ModelPath()).size;
  const advisedBy = async (options: { load: ModelLoad; hugePages: boolean }) => {
    const before = hugePageAdvisedBytes();
    await using engine = await Engine.open(randomQ4ModelPath(), {
      slots: 1,
      ctxSize: 256,
      ...options,
    });
    expect(engine.info.nVocab).toBeGreaterThan(0);
    return hugePageAdvisedBytes() - before;
  };
  const read = await advisedBy({ load: "read", hugePages: true });
  const off = await advisedBy({ load: "read", hugePages: false });
  const mapped = await advisedBy({ load: "mmap", hugePages: true });
  console.log(`model ${size} B; huge-page advised: read +${read}, off +${off}, mmap +${mapped}`);
  expect(read).toBeGreaterThan(size * 0.5);
  expect(off).toBe(0);
  expect(mapped).toBe(0);
});
