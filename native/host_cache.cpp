// The host-memory prompt cache (llama-server's --cache-ram). Before a slot's history is cut for
// another prompt, the sequence's KV state is copied to RAM; a request whose prompt shares a
// longer prefix with a saved state than with its slot restores that state, then prefills only
// the rest. Entries are evicted least recently used first, within a byte budget.
#include <algorithm>
#include <new>

#include "internal.h"

namespace {

// Saving and restoring copy the state at memory speed; below this many tokens, prefilling
// them again costs about as little.
constexpr size_t kMinTokens = 64;

size_t total_bytes(const HostCache &cache) {
  size_t bytes = 0;
  for (const auto &entry : cache.entries) bytes += entry.state.size();
  return bytes;
}

void publish(HostCache &cache) {
  cache.n_entries.store(static_cast<int32_t>(cache.entries.size()));
  cache.n_bytes.store(static_cast<int64_t>(total_bytes(cache)));
}

// Drops least recently used entries until `incoming` more bytes fit the budget.
void make_room(HostCache &cache, size_t incoming) {
  size_t bytes = total_bytes(cache);
  while (!cache.entries.empty() && bytes + incoming > cache.budget) {
    auto oldest = std::min_element(
        cache.entries.begin(), cache.entries.end(),
        [](const HostCacheEntry &a, const HostCacheEntry &b) { return a.last_used < b.last_used; });
    bytes -= oldest->state.size();
    cache.entries.erase(oldest);
    cache.evictions.fetch_add(1);
  }
}

} // namespace

void init_host_cache(glm_engine *e, int32_t cache_ram_mib) {
  const llama_model *model = e->model->model;
  // A recurrent state cannot be cut back to a shared prefix after a restore, and a sliding
  // window may have dropped cells the prefix needs; llama-server saves those differently.
  const bool savable = !llama_model_is_recurrent(model) && !llama_model_is_hybrid(model) &&
                       llama_model_n_swa(model) == 0;
  constexpr size_t kMiB = 1024 * 1024;
  if (!savable || cache_ram_mib == 0) e->host_cache.budget = 0;
  else if (cache_ram_mib < 0) e->host_cache.budget = SIZE_MAX;
  else e->host_cache.budget = static_cast<size_t>(cache_ram_mib) * kMiB;
}

void save_to_host(glm_engine *e, const Slot &slot, size_t keep) {
  HostCache &cache = e->host_cache;
  if (cache.budget == 0 || slot.cache.size() < keep + kMinTokens) return;
  const size_t size = llama_state_seq_get_size_ext(e->ctx, slot.seq, LLAMA_STATE_SEQ_FLAGS_NONE);
  if (size == 0 || size > cache.budget) return;
  // Copy first, so a failure costs no entry already saved (RAM then briefly holds one too many).
  HostCacheEntry entry;
  try {
    entry.state.resize(size);
    entry.tokens = slot.cache;
  } catch (const std::bad_alloc &) {
    return; // no room in RAM after all: the history is prefilled again if it returns
  }
  const size_t written = llama_state_seq_get_data_ext(e->ctx, entry.state.data(), size, slot.seq,
                                                      LLAMA_STATE_SEQ_FLAGS_NONE);
  if (written == 0) return;
  entry.state.resize(written);
  entry.last_used = ++cache.clock;
  // An entry this history extends holds nothing the new one does not.
  cache.entries.remove_if([&](const HostCacheEntry &old) {
    return common_prefix(old.tokens, entry.tokens) == old.tokens.size();
  });
  make_room(cache, written);
  cache.entries.push_back(std::move(entry));
  cache.saves.fetch_add(1);
  publish(cache);
}

size_t restore_from_host(glm_engine *e, Slot &slot, const std::vector<llama_token> &prompt,
                         size_t have) {
  HostCache &cache = e->host_cache;
  auto best = cache.entries.end();
  size_t best_prefix = 0;
  for (auto it = cache.entries.begin(); it != cache.entries.end(); ++it) {
    const size_t prefix = common_prefix(it->tokens, prompt);
    if (prefix > best_prefix) {
      best = it;
      best_prefix = prefix;
    }
  }
  if (best == cache.entries.end() || best_prefix < have + kMinTokens) return have;
  llama_memory_t mem = llama_get_memory(e->ctx);
  llama_memory_seq_rm(mem, slot.seq, -1, -1);
  const size_t read = llama_state_seq_set_data_ext(e->ctx, best->state.data(), best->state.size(),
                                                   slot.seq, LLAMA_STATE_SEQ_FLAGS_NONE);
  // The state now lives in the slot, and is saved again when the slot is next taken.
  std::vector<llama_token> tokens = std::move(best->tokens);
  cache.entries.erase(best);
  publish(cache);
  if (read == 0) {
    llama_memory_seq_rm(mem, slot.seq, -1, -1);
    slot.cache.clear();
    return 0;
  }
  cache.hits.fetch_add(1);
  slot.cache = std::move(tokens);
  return best_prefix;
}
