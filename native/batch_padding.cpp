// Shapes each decode batch for llama.cpp's per-sequence KV streams, and rounds its rows up to
// 4-row tiles where that is faster.
//
// llama.cpp cuts a batch over split streams into micro-batches of consecutive sequence ids with
// equal token counts, in the order the batch lists them; so the batch is ordered by sequence.
// Its CPU kernels for repacked weights multiply 4 rows at a time and fall back to one row at a
// time for the rest, so 3 rows can cost more than 4: idle slots get one filler token each at the
// end of their cached history, dropped again after the decode, to fill the tile.
#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <numeric>

#include "internal.h"

namespace {

constexpr int32_t kTile = 4;

// Decodes n tokens in sequence 0 (empty before any request); returns the wall time in ms, or -1.
double time_rows(glm_engine *e, int32_t n) {
  llama_batch &batch = e->batch;
  batch.n_tokens = 0;
  for (int32_t i = 0; i < n; ++i) batch_add(batch, 0, i, 0, true);
  const auto started = std::chrono::steady_clock::now();
  const int32_t status = llama_decode(e->ctx, batch);
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - started;
  llama_memory_seq_rm(llama_get_memory(e->ctx), 0, -1, -1);
  batch.n_tokens = 0;
  return status == 0 ? elapsed.count() : -1.0;
}

void measure_and_choose(glm_engine *e) {
  if (e->padding == GLM_PADDING_OFF || e->slots.size() < 2) return; // one slot: nothing to fill
  if (e->padding == GLM_PADDING_ON) {
    std::fill(e->pad_remainder.begin() + 1, e->pad_remainder.end(), true);
    return;
  }
  std::array<double, kTile + 1> best;
  best.fill(std::numeric_limits<double>::infinity());
  if (time_rows(e, kTile) < 0) return; // warm-up: the first decode builds the graph
  for (int round = 0; round < 3; ++round) {
    for (int32_t rows = 1; rows <= kTile; ++rows) {
      const double ms = time_rows(e, rows);
      if (ms < 0) return;
      best[rows] = std::min(best[rows], ms);
    }
  }
  // Pad wherever 4 rows measured faster: filler rows never change the real rows' results.
  for (int32_t rest = 1; rest < kTile; ++rest) e->pad_remainder[rest] = best[kTile] < best[rest];
  for (int32_t rows = 1; rows <= kTile; ++rows) e->rows_ms[rows - 1] = best[rows];
}

// Adds filler tokens so the sequences in the batch form a run of consecutive ids whose length
// is a multiple of 4. A slot with no token this step is idle, or waits for a shared prefix
// (prefix_sharing.cpp); either way a filler at the end of its cache is dropped unseen.
void add_fillers(glm_engine *e) {
  llama_batch &batch = e->batch;
  const auto n_slots = static_cast<int32_t>(e->slots.size());
  std::vector<bool> present(e->slots.size(), false);
  for (int32_t i = 0; i < batch.n_tokens; ++i) present[batch.seq_id[i][0]] = true;
  const auto rows = static_cast<int32_t>(std::count(present.begin(), present.end(), true));
  const int32_t rest = rows % kTile;
  if (rest == 0 || !e->pad_remainder[rest]) return;
  const int32_t wanted = rows + kTile - rest;
  if (batch.n_tokens + wanted - rows > e->n_batch) return; // a full prefill batch: no tiles to fill
  const auto first = static_cast<int32_t>(std::find(present.begin(), present.end(), true) - present.begin());
  const auto last = static_cast<int32_t>(present.rend() - std::find(present.rbegin(), present.rend(), true)) - 1;
  const int32_t start = std::min(first, n_slots - wanted);
  if (start < 0 || start + wanted - 1 < last) return; // the active slots are too far apart
  for (int32_t s = start; s < start + wanted; ++s) {
    const bool full = static_cast<int32_t>(e->slots[s].cache.size()) + 1 > e->n_ctx_slot;
    if (!present[s] && full) return;
  }
  for (int32_t s = start; s < start + wanted; ++s) {
    if (present[s]) continue;
    const auto pos = static_cast<llama_pos>(e->slots[s].cache.size());
    batch_add(batch, 0, pos, s, true); // an output, so the last layer gets whole tiles too
    e->fillers.push_back({s, pos});
  }
}

// Stable-sorts the batch by sequence id and moves each slot's batch_index along.
void order_by_sequence(glm_engine *e) {
  llama_batch &batch = e->batch;
  std::vector<int32_t> order(static_cast<size_t>(batch.n_tokens));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&batch](int32_t a, int32_t b) {
    return batch.seq_id[a][0] < batch.seq_id[b][0];
  });
  std::vector<int32_t> moved_to(order.size());
  std::vector<llama_token> token(order.size());
  std::vector<llama_pos> pos(order.size());
  std::vector<llama_seq_id> seq(order.size());
  std::vector<int8_t> logits(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const int32_t from = order[i];
    moved_to[static_cast<size_t>(from)] = static_cast<int32_t>(i);
    token[i] = batch.token[from];
    pos[i] = batch.pos[from];
    seq[i] = batch.seq_id[from][0];
    logits[i] = batch.logits[from];
  }
  for (size_t i = 0; i < order.size(); ++i) {
    batch.token[i] = token[i];
    batch.pos[i] = pos[i];
    batch.seq_id[i][0] = seq[i];
    batch.logits[i] = logits[i];
  }
  for (auto &slot : e->slots) {
    if (slot.batch_index >= 0) slot.batch_index = moved_to[static_cast<size_t>(slot.batch_index)];
  }
}

} // namespace

void calibrate_padding(glm_engine *e) {
  try {
    measure_and_choose(e);
  } catch (const std::exception &) {
    e->pad_remainder.fill(false); // a failed timing only costs the speed-up
    llama_memory_seq_rm(llama_get_memory(e->ctx), 0, -1, -1);
  }
  e->calibrated.store(true, std::memory_order_release);
}

int32_t shape_batch(glm_engine *e) {
  e->fillers.clear();
  add_fillers(e);
  order_by_sequence(e);
  return static_cast<int32_t>(e->fillers.size());
}

void drop_fillers(glm_engine *e) {
  llama_memory_t mem = llama_get_memory(e->ctx);
  for (const auto &[seq, pos] : e->fillers) llama_memory_seq_rm(mem, seq, pos, -1);
  e->fillers.clear();
}
