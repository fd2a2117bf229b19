import { fileURLToPath } from "node:url";

export { dirname, join } from "node:path";

export function fromFileUrl(url: string): string {
  return fileURLToPath(url);
}
