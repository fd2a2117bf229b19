import { expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scriptedModelPath } from "../support/test-models.ts";

const root = join(import.meta.dir, "..", "..");

/** Runs the binary from `folder` with a bare environment until it says "ready", then asks once. */
async function serveOnce(binary: string, folder: string, args: string[]) {
  const started = performance.now();
  const child = Bun.spawn([binary, "--port", "0", ...args], {
    cwd: folder,
    env: { PATH: "/usr/bin:/bin", HOME: folder },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const reader = child.stdout.getReader();
    let out = "";
    let url: string | undefined;
    while (!url) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`binary exited: ${await new Response(child.stderr).text()}`);
      out += new TextDecoder().decode(value);
      url = /ready on (http:\/\/\S+)/.exec(out)?.[1];
    }
    const readyMs = performance.now() - started;
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    });
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    // /docs's API reference comes from inside the binary too.
    const scalar = await fetch(`${url}/docs/scalar.js`);
    const scalarBytes = scalar.ok ? (await scalar.arrayBuffer()).byteLength : 0;
    return { readyMs, content: body.choices[0]?.message.content ?? "", scalarBytes };
  } finally {
    child.kill("SIGKILL");
    await child.exited;
  }
}

test("the single binary, copied alone into an empty folder, serves the demo model and a GGUF", async () => {
  const build = mkdtempSync(join(tmpdir(), "glm-serve-binary-"));
  const alone = mkdtempSync(join(tmpdir(), "glm-serve-alone-"));
  try {
    const compile = Bun.spawn(
      [
        process.execPath,
        "build",
        "--compile",
        join(root, "src", "binary.ts"),
        "--outfile",
        join(build, "glm-serve"),
      ],
      { cwd: root, stdout: "ignore", stderr: "pipe" },
    );
    expect(await compile.exited).toBe(0);
    const binary = join(alone, "glm-serve");
    copyFileSync(join(build, "glm-serve"), binary);

    const demo = await serveOnce(binary, alone, []);
    expect(demo.content).toContain("demo model");
    expect(demo.scalarBytes).toBeGreaterThan(1_000_000);
    const worker = Bun.spawnSync([binary, "rpc-worker", "--help"], { cwd: alone });
    expect(worker.exitCode).toBe(0);
    expect(worker.stdout.toString()).toContain("glm-serve rpc-worker");
    const model = scriptedModelPath({ chain: ["\n", "From", " the", " binary"] });
    const real = await serveOnce(binary, alone, ["--model", model]);
    expect(real.content).toBe("From the binary");
    const megabytes = statSync(binary).size / 2 ** 20;
    console.log(
      `binary: ${megabytes.toFixed(0)} MiB, ready in ${demo.readyMs.toFixed(0)} ms (demo)`,
    );
  } finally {
    rmSync(build, { recursive: true, force: true });
    rmSync(alone, { recursive: true, force: true });
  }
}, 120_000);
