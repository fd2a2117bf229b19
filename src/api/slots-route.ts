import { Elysia, t } from "elysia";
import type { ServerState } from "./server-state.ts";

const Slot = t.Object({
  id: t.Integer(),
  busy: t.Boolean(),
  cached_tokens: t.Integer(),
  kv_tokens: t.Integer(),
});

/** GET /slots, as in llama-server: which slots are busy and how much prompt each caches. */
export function slotsRoute(state: ServerState) {
  return new Elysia().get(
    "/slots",
    () => {
      const service = state.ready();
      const queue = service.queue;
      return {
        queue: { active: queue.active, waiting: queue.waiting },
        slots: service.engine.slots().map((slot) => ({
          id: slot.id,
          busy: slot.busy,
          cached_tokens: slot.cachedTokens,
          kv_tokens: slot.kvTokens,
        })),
      };
    },
    {
      response: {
        200: t.Object({
          queue: t.Object({ active: t.Integer(), waiting: t.Integer() }),
          slots: t.Array(Slot),
        }),
      },
      detail: { summary: "Slot and queue state", tags: ["health"] },
    },
  );
}
