// Prompts that start alike share one prefill. A slot about to prefill copies the KV cells of
// another slot whose cache shares a longer prefix with its prompt (the same system prompt and
// tools, say), and a slot whose prompt another slot is prefilling right now waits a step for it
// instead of computing the same cells twice.
//
// Slots have separate KV streams, and llama.cpp copies between streams only whole: the copy
// takes the donor's entire stream (done inside the next llama_decode), then the cells past the
// shared prefix are removed again.
#include <algorithm>
#include <cmath>

#include "internal.h"

namespace {

// Below this many shared tokens, prefilling them costs less than the copy's fixed overhead.
constexpr size_t kMinShared = 8;
// A prefill token costs about 2 FLOPs per weight, ~10 ms per GB of weights on two CPU cores
// (llama-bench pp512 103 tok/s on the 1 GB bench model); a copy runs at memory speed, ~0.1 s
// per GB. So a copy as big as the model costs about as much as 10 prefill tokens.
constexpr double kTokensPerModelSizeCopied = 10.0;

bool is_prefilling(const Slot &slot) {
  return slot.request != nullptr && slot.prompt_done < slot.request->prompt.size();
}

// The last prompt token is always decoded by its own slot, which needs its logits.
size_t usable(const Slot &slot, size_t shared) {
  return std::min(shared, slot.request->prompt.size() - 1);
}

// Whether `receiver` gains enough by copying its first `shared` prompt tokens.
bool worth_copying(const glm_engine *e, const Slot &receiver, size_t shared) {
  return e->min_shared_tokens > 0 && shared >= receiver.prompt_done + e->min_shared_tokens;
}

} // namespace

void init_prefix_sharing(glm_engine *e) {
  const llama_model *model = e->model->model;
  // Recurrent state cannot be cut back to a prefix, and a sliding window may have dropped the
  // cells a copied prefix would need.
  if (llama_model_is_recurrent(model) || llama_model_is_hybrid(model) ||
      llama_model_n_swa(model) > 0) {
    e->min_shared_tokens = 0;
    return;
  }
  const double head_dim =
      static_cast<double>(llama_model_n_embd(model)) / std::max(llama_model_n_head(model), 1);
  const double stream_bytes = 2.0 /* K and V */ * 2.0 /* f16 */ * e->n_ctx_slot *
                              llama_model_n_layer(model) * llama_model_n_head_kv(model) * head_dim;
  const double model_bytes = std::max<double>(static_cast<double>(llama_model_size(model)), 1.0);
  e->min_shared_tokens =
      kMinShared + static_cast<size_t>(std::ceil(kTokensPerModelSizeCopied * stream_bytes / model_bytes));
}

void share_prefixes(glm_engine *e) {
  // Runs every step: no work (nor allocation) unless some slot is prefilling.
  if (e->min_shared_tokens == 0 || std::none_of(e->slots.begin(), e->slots.end(), is_prefilling))
    return;
  std::vector<bool> received(e->slots.size(), false);
  std::vector<bool> donated(e->slots.size(), false);
  llama_memory_t mem = llama_get_memory(e->ctx);
  for (size_t r = 0; r < e->slots.size(); ++r) {
    Slot &slot = e->slots[r];
    if (!is_prefilling(slot) || donated[r]) continue;
    size_t best = 0;
    Slot *donor = nullptr;
    for (size_t d = 0; d < e->slots.size(); ++d) {
      if (d == r || received[d]) continue;
      const size_t shared = usable(slot, common_prefix(e->slots[d].cache, slot.request->prompt));
      if (worth_copying(e, slot, shared) && shared > best) {
        best = shared;
        donor = &e->slots[d];
      }
    }
    if (donor == nullptr) continue;
    llama_memory_seq_cp(mem, donor->seq, slot.seq, -1, -1);
    if (!llama_memory_seq_rm(mem, slot.seq, static_cast<llama_pos>(best), -1)) {
      llama_memory_seq_rm(mem, slot.seq, -1, -1); // cannot cut the copy back: prefill it all
      best = 0;
    }
    slot.cache.assign(donor->cache.begin(), donor->cache.begin() + static_cast<ptrdiff_t>(best));
    slot.prompt_done = best;
    received[r] = true;
    donated[static_cast<size_t>(donor - e->slots.data())] = true;
    std::lock_guard<std::mutex> lock(e->mu);
    slot.request->n_cached = static_cast<int32_t>(best);
  }
}

size_t prefill_end(const glm_engine *e, const Slot &slot) {
  const auto &prompt = slot.request->prompt;
  size_t longest = 0;
  for (auto other = e->slots.begin() + (&slot - e->slots.data()) + 1; other != e->slots.end();
       ++other) {
    if (!is_prefilling(*other)) continue;
    const size_t shared = usable(*other, common_prefix(prompt, other->request->prompt));
    if (worth_copying(e, *other, shared)) longest = std::max(longest, shared);
  }
  return longest > slot.prompt_done ? longest : prompt.size();
}

bool waits_for_shared_prefix(const glm_engine *e, const Slot &slot,
                             const std::vector<const Slot *> &prefilling) {
  return std::any_of(prefilling.begin(), prefilling.end(), [&](const Slot *other) {
    return worth_copying(e, slot, usable(slot, common_prefix(other->cache, slot.request->prompt)));
  });
}
