import { existsSync } from "node:fs";
import { join } from "node:path";
import { EngineError } from "./errors.ts";
import type { NativeLibrary } from "./native-library.ts";

const suffix = process.platform === "darwin" ? "dylib" : "so";

/** Where libglm is: $GLM_LIBRARY, else the Makefile's build output next to src/. */
export function libraryPath(): string {
  const fromEnv = process.env.GLM_LIBRARY;
  if (fromEnv) return fromEnv;
  return join(import.meta.dirname, "..", "..", "build", `libglm.${suffix}`);
}

let cached: NativeLibrary | undefined;

/** Opens libglm once per process with this runtime's FFI. */
export async function loadNativeLibrary(path = libraryPath()): Promise<NativeLibrary> {
  if (cached) return cached;
  if (!existsSync(path)) {
    throw new EngineError("internal", `native library not found at ${path}: run \`make\` first`);
  }
  if (typeof globalThis.Bun !== "undefined") {
    const { openBunLibrary } = await import("./ffi-bun.ts");
    cached = openBunLibrary(path);
  } else {
    const { openDenoLibrary } = await import("./ffi-deno.ts");
    cached = openDenoLibrary(path);
  }
  return cached;
}
