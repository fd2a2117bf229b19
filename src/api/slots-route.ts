import { Elysia, t } from "elysia";
import type { ServerState } from "./server-state.ts";

const Slot = t.Object({
  id: t.Integer(),
  busy: t.Boolean(),
  cached_tokens: t.Integer(),
  kv_tokens: t.Integer(),
});

const HostCache = t.Object({
  entries: t.Integer(),
  mib: t.Number(),
  /** null: no limit; 0: off. */
  budget_mib: t.Union([t.Number(), t.Null()]),
  hits: t.Integer(),
  saves: t.Integer(),
  evictions: t.Integer(),
});

const Speculation = t.Object({
  drafted: t.Integer(),
  accepted: t.Integer(),
  /** accepted / drafted; null before any draft. */
  acceptance: t.Union([t.Number(), t.Null()]),
});

/** One buffer type's memory: "CPU", or a worker's "RPC0[host:port]". */
const Buffer = t.Object({
  buffer: t.String(),
  weights_mib: t.Number(),
  kv_cache_mib: t.Number(),
  compute_mib: t.Number(),
});

const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

/**
 * GET /slots, as in llama-server: which slots are busy and how much prompt each caches, and
 * the host prompt cache that keeps histories for more conversations than slots, and how
 * many drafted tokens speculation got right; `memory` says which devices (this machine's,
 * or RPC workers') hold the weights and the KV cache.
 */
export function slotsRoute(state: ServerState) {
  return new Elysia().get(
    "/slots",
    () => {
      const service = state.ready();
      const queue = service.queue;
      const { hostCache: host, speculation, memory } = service.engine.stats();
      return {
        queue: { active: queue.active, waiting: queue.waiting },
        slots: service.engine.slots().map((slot) => ({
          id: slot.id,
          busy: slot.busy,
          cached_tokens: slot.cachedTokens,
          kv_tokens: slot.kvTokens,
        })),
        host_cache: {
          entries: host.entries,
          mib: mib(host.bytes),
          budget_mib: host.budgetBytes === null ? null : host.budgetBytes / MIB,
          hits: host.hits,
          saves: host.saves,
          evictions: host.evictions,
        },
        speculation: {
          ...speculation,
          acceptance:
            speculation.drafted > 0
              ? Math.round((speculation.accepted / speculation.drafted) * 1000) / 1000
              : null,
        },
        memory: memory.map((entry) => ({
          buffer: entry.buffer,
          weights_mib: mib(entry.model),
          kv_cache_mib: mib(entry.context),
          compute_mib: mib(entry.compute),
        })),
      };
    },
    {
      response: {
        200: t.Object({
          queue: t.Object({ active: t.Integer(), waiting: t.Integer() }),
          slots: t.Array(Slot),
          host_cache: HostCache,
          speculation: Speculation,
          memory: t.Array(Buffer),
        }),
      },
      detail: { summary: "Slot and queue state", tags: ["health"] },
    },
  );
}
