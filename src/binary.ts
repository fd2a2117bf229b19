/**
 * Entry point of the single binary (`make binary`): libglm is embedded in the executable, and
 * since dlopen needs a real file, it is copied out to a temporary folder first.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import embeddedLibrary from "../build/libglm.so" with { type: "file" };
import embeddedScalar from "../node_modules/@scalar/api-reference/dist/browser/standalone.js" with {
  type: "file",
};

// /docs reads the embedded API reference bundle straight from the executable.
process.env.GLM_SCALAR_BUNDLE ??= embeddedScalar;

if (!process.env.GLM_LIBRARY) {
  const folder = mkdtempSync(join(tmpdir(), "glm-serve-lib-"));
  process.on("exit", () => rmSync(folder, { recursive: true, force: true }));
  const path = join(folder, "libglm.so");
  writeFileSync(path, new Uint8Array(await Bun.file(embeddedLibrary).arrayBuffer()));
  process.env.GLM_LIBRARY = path;
}

await import("./main.ts");
