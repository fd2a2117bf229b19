import { writeScriptedModel } from "./scripted-model.ts";

/** What the embedded demo model says, whatever it is asked. */
export const DEMO_REPLY =
  "Hello! I am the glm-serve demo model: a tiny scripted GGUF that gives this same reply to " +
  "every message, so you can try the API without downloading anything. To chat with a real " +
  "model, restart the server with a GLM GGUF file: make serve MODEL=path/to/glm-4-9b-chat.gguf";

/** One token per word keeps streaming visible; the writer merges any repeated word. */
export function demoChain(): string[] {
  return ["\n", ...(DEMO_REPLY.match(/\S+\s*/g) ?? [])];
}

export function writeDemoModel(path: string): void {
  writeScriptedModel(path, { chain: demoChain(), name: "glm-serve demo (scripted)" });
}
