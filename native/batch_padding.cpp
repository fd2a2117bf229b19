// Rounds decode batches up to whole 4-row tiles where that is faster. llama.cpp's CPU kernels for
// repacked weights multiply 4 rows at a time and fall back to one row at a time for the rest, so
// 3 rows can cost more than 4. Filler tokens go into a scratch sequence and are dropped after.
#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <numeric>

#include "internal.h"

namespace {

constexpr int32_t kTile = 4;
// Pad wherever 4 rows measured faster: filler rows never change the real rows' results.
constexpr double kWorthIt = 1.0;

// Decodes n filler tokens in the scratch sequence; returns the wall time in ms, or -1.
double time_filler_decode(glm_engine *e, int32_t n) {
  llama_batch &batch = e->batch;
  batch.n_tokens = 0;
  for (int32_t i = 0; i < n; ++i) batch_add(batch, 0, i, e->scratch_seq, true);
  const auto started = std::chrono::steady_clock::now();
  const int32_t status = llama_decode(e->ctx, batch);
  const std::chrono::duration<double, std::milli> elapsed =
      std::chrono::steady_clock::now() - started;
  llama_memory_seq_rm(llama_get_memory(e->ctx), e->scratch_seq, -1, -1);
  batch.n_tokens = 0;
  return status == 0 ? elapsed.count() : -1.0;
}

int32_t kv_cells_in_use(const glm_engine *e) {
  return std::accumulate(e->slots.begin(), e->slots.end(), 0, [](int32_t sum, const Slot &s) {
    return sum + static_cast<int32_t>(s.cache.size());
  });
}

} // namespace

namespace {

void measure_and_choose(glm_engine *e) {
  if (e->padding == GLM_PADDING_OFF || e->scratch_seq < 0 || e->n_ubatch < kTile) return;
  if (e->padding == GLM_PADDING_ON) {
    std::fill(e->pad_remainder.begin() + 1, e->pad_remainder.end(), true);
    return;
  }
  if (e->slots.size() < 2) return; // one stream never has more than one row to round up
  std::array<double, kTile + 1> best;
  best.fill(std::numeric_limits<double>::infinity());
  if (time_filler_decode(e, kTile) < 0) return; // warm-up: the first decode builds the graph
  for (int round = 0; round < 3; ++round) {
    for (int32_t rows = 1; rows <= kTile; ++rows) {
      const double ms = time_filler_decode(e, rows);
      if (ms < 0) return;
      best[rows] = std::min(best[rows], ms);
    }
  }
  for (int32_t rest = 1; rest < kTile; ++rest) {
    e->pad_remainder[rest] = best[kTile] < kWorthIt * best[rest];
  }
  for (int32_t rows = 1; rows <= kTile; ++rows) e->rows_ms[rows - 1] = best[rows];
}

} // namespace

void calibrate_padding(glm_engine *e) {
  try {
    measure_and_choose(e);
  } catch (const std::exception &) {
    e->pad_remainder.fill(false); // a failed timing only costs the speed-up
    drop_padding(e);
  }
  e->calibrated.store(true, std::memory_order_release);
}

int32_t pad_batch(glm_engine *e) {
  llama_batch &batch = e->batch;
  int32_t fillers = 0;
  const int32_t rest = batch.n_tokens % kTile;
  if (rest != 0 && e->pad_remainder[rest]) {
    const int32_t wanted = kTile - rest;
    const bool fits = batch.n_tokens + wanted <= e->n_ubatch &&
                      kv_cells_in_use(e) + wanted <= static_cast<int32_t>(llama_n_ctx(e->ctx));
    if (fits) {
      for (int32_t i = 0; i < wanted; ++i) batch_add(batch, 0, i, e->scratch_seq, true);
      fillers = wanted;
    }
  }
  // Only output rows reach the last layer and the vocabulary projection, so round those up
  // too, with prompt tokens whose logits are computed and then ignored.
  int32_t outputs = 0;
  for (int32_t i = 0; i < batch.n_tokens; ++i) outputs += batch.logits[i] != 0;
  const int32_t output_rest = outputs % kTile;
  const bool enough = batch.n_tokens - outputs >= kTile - output_rest;
  if (output_rest != 0 && e->pad_remainder[output_rest] && enough) {
    for (int32_t i = 0; i < batch.n_tokens && outputs % kTile != 0; ++i) {
      if (batch.logits[i] != 0) continue;
      batch.logits[i] = true;
      ++outputs;
    }
  }
  return fillers;
}

void drop_padding(glm_engine *e) {
  if (e->scratch_seq < 0) return; // seq_rm of -1 would clear every sequence
  llama_memory_seq_rm(llama_get_memory(e->ctx), e->scratch_seq, -1, -1);
}
