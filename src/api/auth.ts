import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** The key a request presents: `Authorization: Bearer <key>` (OpenAI) or `x-api-key` (Anthropic). */
export function presentedKey(authorization: string | null, apiKey: string | null): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  const bearer = match?.[1]?.trim();
  if (bearer) return bearer;
  const key = apiKey?.trim();
  return key ? key : null;
}

/** Checks a presented key in constant time against every configured key. */
export function createKeyCheck(keys: string[]): (key: string | null) => boolean {
  const digests = keys.map(digest);
  return (key) => {
    const given = digest(key ?? "");
    // Compare with every key so the time taken does not reveal which one matched.
    let ok = false;
    for (const expected of digests) ok = timingSafeEqual(expected, given) || ok;
    return ok && key !== null;
  };
}
