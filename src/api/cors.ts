/**
 * Which web origins may read this server's answers. Without an API key anything a browser can
 * reach (a page the user opens) could otherwise read their local model, so the default then
 * allows none; with a key a caller must present it anyway, so the default allows any.
 */
export interface CorsPolicy {
  /** The access-control headers for a request from `origin` (none for an origin not allowed). */
  headers(origin: string | null): Record<string, string>;
  /** For the start-up line: who may call. */
  describe(): string;
  /** Why the policy is risky, or undefined. */
  warning(): string | undefined;
}

const ALLOWED = {
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers":
    "authorization, content-type, x-api-key, anthropic-version, anthropic-beta",
  "access-control-max-age": "86400",
};

/** `origins` from --cors-origin: empty for the default, "*" for any. */
export function corsPolicy(origins: string[], hasApiKey: boolean): CorsPolicy {
  const listed = origins.length > 0 ? origins : hasApiKey ? ["*"] : [];
  const any = listed.includes("*");
  const allowed = new Set(listed.map((origin) => origin.replace(/\/$/, "")));
  return {
    headers(origin): Record<string, string> {
      if (any) return { "access-control-allow-origin": "*", ...ALLOWED };
      if (origin === null || !allowed.has(origin)) return { vary: "Origin" };
      return { "access-control-allow-origin": origin, vary: "Origin", ...ALLOWED };
    },
    describe() {
      if (any) return "any web origin may call it";
      if (allowed.size === 0) return "no other web origin may call it (--cors-origin to allow one)";
      return `web origins allowed: ${[...allowed].join(", ")}`;
    },
    warning() {
      if (!any || hasApiKey) return undefined;
      return "--cors-origin * without --api-key lets any web page the user opens read this server's replies";
    },
  };
}
