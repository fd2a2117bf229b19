import { capRequests } from "./api/request-cap.ts";
import type { Config } from "./config.ts";
import type { ExchangeHandlers } from "./http/connection.ts";
import { serveHttp } from "./http/serve.ts";

export interface Listener {
  port: number;
  stop(): Promise<void>;
}

type ListenConfig = Pick<
  Config,
  "host" | "port" | "maxBody" | "timeout" | "keepAlive" | "maxConnections"
>;

/** How long answers still going out get at shutdown before their connections close. */
const STOP_GRACE_MS = 1000;

/**
 * Listens with this runtime's server: on Bun, glm-serve's own HTTP/1.1 layer (src/http/); on
 * Deno, Deno.serve, with the request cap in front of the app.
 */
export function listen(handlers: ExchangeHandlers, config: ListenConfig): Listener {
  if (typeof globalThis.Bun !== "undefined") {
    const server = serveHttp({
      hostname: config.host,
      port: config.port,
      head: { maxBytes: 64 * 1024, maxHeaders: 256 },
      maxBody: config.maxBody,
      receiveMs: config.timeout * 1000,
      keepAliveMs: config.keepAlive * 1000,
      maxRequests: config.maxConnections,
      exempt: (path) => path === "/health",
      handlers,
    });
    return { port: server.port, stop: () => server.stop(STOP_GRACE_MS) };
  }
  return denoListen(handlers, config);
}

type Fetch = (request: Request) => Response | Promise<Response>;

interface DenoServe {
  serve(
    options: { port: number; hostname: string; onListen?: () => void },
    handler: Fetch,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

function denoListen(handlers: ExchangeHandlers, config: ListenConfig): Listener {
  const deno = (globalThis as unknown as { Deno: DenoServe }).Deno;
  const capped = capRequests((request) => handlers.fetch(routable(request)), config.maxConnections);
  const server = deno.serve(
    { port: config.port, hostname: config.host, onListen: () => {} },
    capped,
  );
  return { port: server.addr.port, stop: () => server.shutdown() };
}

/**
 * Elysia finds the path from the URL's 12th character on, past "https://" and a host of at
 * least 3 characters; a shorter Host ("Host: x") would route every request wrong. Such a
 * request is re-addressed to a longer host with the same path (and the same body and signal).
 */
function routable(request: Request): Request {
  const url = URL.canParse(request.url) ? new URL(request.url) : undefined;
  if (url && url.host.length >= 4) return request;
  const path = url ? `${url.pathname}${url.search}` : request.url;
  return new Request(new URL(path, "http://localhost").href, request);
}
