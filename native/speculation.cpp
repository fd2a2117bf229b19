// Prompt-lookup speculation: a slot guesses its next tokens by copying what followed the latest
// earlier occurrence of its last few tokens, in its prompt or its own reply. Guessing costs no
// model; the target decodes the guesses in the step's one batch and keeps those it samples too.
#include <algorithm>

#include "internal.h"

namespace {

// Suffix lengths tried, longest first: a longer match is likelier to go on as it went before.
// A single token matches only where it occurred once before: a rare token, such as an
// identifier, starts a copied stretch a step sooner, while common ones ("(", " the") recur
// everywhere and would guess wrong.
constexpr size_t kLongestMatch = 4;
constexpr size_t kShortestMatch = 1;
// Draft sizes are 3, 7, 15, ... tokens: with the next token, whole 4-row tiles, which the CPU
// kernels for repacked weights multiply at once (on the bench model 4 rows cost 100 ms, 5 rows
// 148). A new request starts at the smallest, since on a CPU each drafted row costs about a
// prompt token and a wrong guess must stay cheap until the slot's guesses have held.
constexpr int32_t kFirstCap = 3;
// After a draft the target rejects outright, the slot waits 2, 4, ... up to this many steps.
constexpr int32_t kLongestPause = 32;

// Token i of the slot's history: its cached tokens, then its next token.
llama_token history_at(const std::vector<llama_token> &cache, llama_token next, size_t i) {
  return i < cache.size() ? cache[i] : next;
}

// Where the last `length` tokens of history + next occurred before, latest first; -1 if nowhere.
std::ptrdiff_t latest_match(const std::vector<llama_token> &cache, llama_token next,
                            size_t length) {
  const size_t n = cache.size() + 1;
  if (n <= length) return -1;
  const auto at = [&](size_t i) { return history_at(cache, next, i); };
  const size_t tail = n - length;
  for (size_t start = tail; start-- > 0;) {
    size_t k = 0;
    while (k < length && at(start + k) == at(tail + k)) ++k;
    if (k == length) return static_cast<std::ptrdiff_t>(start);
  }
  return -1;
}

// The largest draft size within the request's limit.
int32_t largest_cap(int32_t request_max) {
  int32_t cap = kFirstCap;
  while (2 * cap + 1 <= request_max) cap = 2 * cap + 1;
  return std::min(cap, request_max);
}

} // namespace

void init_speculation(glm_engine *e) {
  const llama_model *model = e->model->model;
  // A recurrent state cannot drop its last tokens, and a sliding window may already have
  // evicted cells that the position after a rejected draft still needs (llama-server keeps
  // checkpoints for those).
  e->drafting = !llama_model_is_recurrent(model) && !llama_model_is_hybrid(model) &&
                llama_model_n_swa(model) == 0;
}

void start_drafting(Slot &slot) {
  slot.draft.clear();
  slot.draft_cap = std::min(kFirstCap, slot.request ? slot.request->draft_max : 0);
  slot.draft_pause = 0;
  slot.draft_misses = 0;
}

int32_t draft_limit(Slot &slot, int32_t room) {
  if (slot.draft_pause > 0) {
    --slot.draft_pause;
    return 0;
  }
  return std::max(0, std::min(room, slot.draft_cap));
}

void draft_by_lookup(Slot &slot, int32_t limit_tokens) {
  slot.draft.clear();
  const auto limit = static_cast<size_t>(std::max(0, limit_tokens));
  if (limit == 0) return;
  const auto &cache = slot.cache;
  const llama_token next = slot.next_token;
  for (size_t length = kLongestMatch; length >= kShortestMatch; --length) {
    const std::ptrdiff_t start = latest_match(cache, next, length);
    if (start < 0) continue;
    if (length == 1 && std::count(cache.begin(), cache.end(), next) > 1) return;
    // Copy what followed; past the end of the history the copy reads its own output, so a
    // repeating stretch is drafted as long as the room allows.
    const size_t n = cache.size() + 1;
    for (size_t i = static_cast<size_t>(start) + length; slot.draft.size() < limit; ++i) {
      const llama_token token = i < n ? history_at(cache, next, i) : slot.draft[i - n];
      slot.draft.push_back(token);
    }
    return;
  }
}

void record_draft(glm_engine *e, Slot &slot, size_t accepted) {
  e->drafted_tokens.fetch_add(slot.draft.size(), std::memory_order_relaxed);
  e->accepted_tokens.fetch_add(accepted, std::memory_order_relaxed);
  const int32_t request_max = slot.request ? slot.request->draft_max : 0;
  if (accepted == slot.draft.size()) {
    // Every guess held: the next draft may be twice as long.
    slot.draft_cap = std::min(largest_cap(request_max), 2 * slot.draft_cap + 1);
    slot.draft_misses = 0;
  } else if (accepted > 0) {
    // The copied stretch ended inside the draft; the next one may copy as far again.
    slot.draft_misses = 0;
  } else {
    slot.draft_cap = std::min(kFirstCap, request_max);
    slot.draft_misses = std::min(slot.draft_misses + 1, 5);
    slot.draft_pause = std::min(kLongestPause, 1 << slot.draft_misses);
  }
  slot.draft.clear();
}
