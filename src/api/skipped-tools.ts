import type { RequestLog } from "../request-log.ts";

/** Notes a tool the server cannot run; a type is logged once, as agents resend tools each turn. */
export type SkipTool = (type: string, name?: string) => void;

export function skippedToolLog(log: RequestLog): SkipTool {
  const seen = new Set<string>();
  return (type, name) => {
    if (seen.has(type)) return;
    seen.add(type);
    log.info("skipped a tool type this server cannot run", { type, ...(name ? { name } : {}) });
  };
}
