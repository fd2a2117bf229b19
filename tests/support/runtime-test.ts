/**
 * `test` for suites that run under both `bun test` and `deno test`: bun:test on Bun,
 * Deno.test (without the op/resource sanitizers, which flag native threads) on Deno.
 */
type TestBody = () => void | Promise<void>;
type TestFn = (name: string, body: TestBody, timeoutMs?: number) => void;

interface DenoTestApi {
  test(options: {
    name: string;
    fn: TestBody;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
  }): void;
}

function denoTest(name: string, body: TestBody): void {
  const deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;
  deno.test({ name, fn: body, sanitizeOps: false, sanitizeResources: false });
}

async function bunTest(): Promise<TestFn> {
  const { test } = await import("bun:test");
  return (name, body, timeoutMs) => test(name, body, timeoutMs);
}

export const test: TestFn = typeof globalThis.Bun !== "undefined" ? await bunTest() : denoTest;
export const isDeno = typeof globalThis.Bun === "undefined";
