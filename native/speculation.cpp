// Prompt-lookup speculation: a slot guesses its next tokens by copying what followed the latest
// earlier occurrence of its last few tokens, in its prompt or its own reply. Guessing costs no
// model; the target decodes the guesses in the step's one batch and keeps those it samples too.
#include <algorithm>

#include "internal.h"

namespace {

// Suffix lengths tried, longest first: a longer match is likelier to go on as it went before.
constexpr size_t kLongestMatch = 4;
constexpr size_t kShortestMatch = 2;
// A new request's first draft is small: on a CPU each drafted row costs about a prompt token,
// so a wrong guess must stay cheap until the slot has shown that its guesses hold.
constexpr int32_t kFirstCap = 4;
constexpr int32_t kLeastCap = 2;
// After a draft the target rejects outright, the slot waits 2, 4, ... up to this many steps.
constexpr int32_t kLongestPause = 32;

// Where the last `length` tokens of history + next occurred before, latest first; -1 if nowhere.
std::ptrdiff_t latest_match(const std::vector<llama_token> &cache, llama_token next,
                            size_t length) {
  const size_t n = cache.size() + 1;
  if (n <= length) return -1;
  const auto at = [&](size_t i) { return i < cache.size() ? cache[i] : next; };
  const size_t tail = n - length;
  for (size_t start = tail; start-- > 0;) {
    size_t k = 0;
    while (k < length && at(start + k) == at(tail + k)) ++k;
    if (k == length) return static_cast<std::ptrdiff_t>(start);
  }
  return -1;
}

} // namespace

void start_drafting(Slot &slot) {
  slot.draft.clear();
  slot.draft_cap = kFirstCap;
  slot.draft_pause = 0;
  slot.draft_misses = 0;
}

void draft_tokens(Slot &slot, int32_t room) {
  slot.draft.clear();
  if (slot.draft_pause > 0) {
    --slot.draft_pause;
    return;
  }
  const auto limit = static_cast<size_t>(std::min(room, slot.draft_cap));
  if (limit == 0) return;
  const auto &cache = slot.cache;
  const llama_token next = slot.next_token;
  for (size_t length = kLongestMatch; length >= kShortestMatch; --length) {
    const std::ptrdiff_t start = latest_match(cache, next, length);
    if (start < 0) continue;
    // Copy what followed; past the end of the history the copy reads its own output, so a
    // repeating stretch is drafted as long as the room allows.
    const size_t n = cache.size() + 1;
    for (size_t i = static_cast<size_t>(start) + length; slot.draft.size() < limit; ++i) {
      const llama_token token =
          i < cache.size() ? cache[i] : i == cache.size() ? next : slot.draft[i - n];
      slot.draft.push_back(token);
    }
    return;
  }
}

void record_draft(glm_engine *e, Slot &slot, size_t accepted) {
  const auto drafted = static_cast<int32_t>(slot.draft.size());
  e->drafted_tokens.fetch_add(slot.draft.size(), std::memory_order_relaxed);
  e->accepted_tokens.fetch_add(accepted, std::memory_order_relaxed);
  const int32_t request_max = slot.request ? slot.request->draft_max : 0;
  if (accepted == slot.draft.size()) {
    slot.draft_cap = std::min(request_max, 2 * std::max(slot.draft_cap, drafted));
    slot.draft_misses = 0;
  } else if (accepted > 0) {
    slot.draft_cap = std::max(kLeastCap, static_cast<int32_t>(accepted) + 1);
    slot.draft_misses = 0;
  } else {
    slot.draft_cap = kLeastCap;
    slot.draft_misses = std::min(slot.draft_misses + 1, 5);
    slot.draft_pause = std::min(kLongestPause, 1 << slot.draft_misses);
  }
  slot.draft.clear();
}
