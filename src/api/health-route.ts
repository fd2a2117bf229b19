import { Elysia } from "elysia";
import { Health } from "./schemas.ts";
import type { ServerState } from "./server-state.ts";

/** GET /health: 200 when ready, 503 while loading or shutting down. Never needs a key. */
export function healthRoute(state: ServerState) {
  return new Elysia().get(
    "/health",
    () => {
      state.ready();
      return { status: "ok" };
    },
    { response: { 200: Health }, detail: { summary: "Readiness", tags: ["health"] } },
  );
}
