import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Elysia } from "elysia";

/** Where /docs loads Scalar from: this server, never a CDN (the machine may be offline). */
export const SCALAR_BUNDLE_ROUTE = "/docs/scalar.js";

/**
 * The pinned @scalar/api-reference's standalone bundle: $GLM_SCALAR_BUNDLE (the single binary
 * embeds it and says where), else the installed package.
 */
function bundlePath(): string {
  return (
    process.env.GLM_SCALAR_BUNDLE ??
    join(
      import.meta.dirname,
      "..",
      "..",
      "node_modules",
      "@scalar",
      "api-reference",
      "dist",
      "browser",
      "standalone.js",
    )
  );
}

/**
 * Pages may load scripts, styles and data from this server alone. Inline code stays allowed:
 * the chat page is one file, and Scalar injects its styles.
 */
export const PAGE_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'none'";

/** GET /docs/scalar.js, read once. */
export function docsAssetsRoute() {
  let bundle: Uint8Array<ArrayBuffer> | undefined;
  return new Elysia().get(
    SCALAR_BUNDLE_ROUTE,
    () => {
      bundle ??= new Uint8Array(readFileSync(bundlePath()));
      return new Response(bundle, {
        headers: {
          "content-type": "text/javascript; charset=utf-8",
          "cache-control": "public, max-age=86400",
        },
      });
    },
    { detail: { hide: true } },
  );
}
