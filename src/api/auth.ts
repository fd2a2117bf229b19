import { createHash, timingSafeEqual } from "node:crypto";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Checks `Authorization: Bearer <key>` in constant time against every configured key. */
export function createKeyCheck(keys: string[]): (authorization: string | null) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
    const given = digest(match?.[1]?.trim() ?? "");
    // Compare with every key so the time taken does not reveal which one matched.
    let ok = false;
    for (const key of digests) ok = timingSafeEqual(key, given) || ok;
    return ok && match !== null;
  };
}
