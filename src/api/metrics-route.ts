import { Elysia } from "elysia";
import type { Metrics } from "./metrics.ts";
import type { ServerState } from "./server-state.ts";

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(state: ServerState, metrics: Metrics) {
  return new Elysia().get(
    "/metrics",
    () =>
      new Response(metrics.render(state), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      }),
    { detail: { summary: "Prometheus metrics", tags: ["health"] } },
  );
}
