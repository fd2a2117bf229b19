// The one inference thread: every step admits queued requests into free slots, puts each
// generating slot's next token plus prefill chunks into one llama_decode batch, then samples.
#include <algorithm>
#include <chrono>
#include <cmath>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "internal.h"

namespace {

struct Emission {
  std::shared_ptr<Request> request;
  llama_token token;
  std::string text;
  int32_t finish;
  std::vector<float> logprobs; // this token's entry, when the request asked for them
};

// A free slot, preferring the longest cached prefix, then the least recently used.
Slot *choose_slot(glm_engine *e, const Request &request) {
  Slot *best = nullptr;
  size_t best_prefix = 0;
  for (auto &slot : e->slots) {
    if (slot.request != nullptr) continue;
    const size_t prefix = common_prefix(slot.cache, request.prompt);
    const bool better = best == nullptr || prefix > best_prefix ||
                        (prefix == best_prefix && slot.last_used < best->last_used);
    if (better) {
      best = &slot;
      best_prefix = prefix;
    }
  }
  return best;
}

// Tokens the request may never sample. ignore_eos bans end-of-generation tokens. A grammar
// instead bans the other control tokens and the request's stop tokens: the grammar would read
// their text ("<|observation|>") as allowed characters, but they print as nothing or end the
// reply, so the visible text would leave the grammar. The grammar itself allows EOG at the end.
std::vector<llama_token> banned_tokens(const glm_engine *e, const Request &request) {
  std::vector<llama_token> banned;
  const llama_vocab *vocab = e->model->vocab;
  const int32_t n = llama_vocab_n_tokens(vocab);
  const bool grammar = !request.grammar.empty();
  if (!request.ignore_eos && !grammar) return banned;
  for (llama_token t = 0; t < n; ++t) {
    const bool eog = llama_vocab_is_eog(vocab, t);
    if (!grammar) {
      if (eog) banned.push_back(t);
      continue;
    }
    const bool control = (llama_vocab_get_attr(vocab, t) & LLAMA_TOKEN_ATTR_CONTROL) != 0;
    const auto &stops = request.stop_tokens;
    const bool stop = std::find(stops.begin(), stops.end(), t) != stops.end();
    if (!eog && (control || stop)) banned.push_back(t);
  }
  return banned;
}

// Keeps the slot's cached prefix of its new request's prompt (or a longer one restored from the
// host cache, after saving what the slot held there) and drops the rest of its KV cells. Runs
// outside the lock: a saved state may be gigabytes, and JS must not wait on its copy.
void start_request(glm_engine *e, Slot &slot) {
  Request &request = *slot.request;
  size_t keep = common_prefix(slot.cache, request.prompt);
  save_to_host(e, slot, keep);
  keep = restore_from_host(e, slot, request.prompt, keep);
  if (keep == request.prompt.size()) --keep; // the last prompt token is decoded again for logits
  llama_memory_t mem = llama_get_memory(e->ctx);
  if (!llama_memory_seq_rm(mem, slot.seq, static_cast<llama_pos>(keep), -1)) {
    llama_memory_seq_rm(mem, slot.seq, -1, -1);
    keep = 0;
  }
  slot.cache.resize(keep);
  slot.prompt_done = keep;
  slot.next_token = -1;
  slot.utf8_tail.clear();
  start_drafting(slot);
  slot.sampler = make_sampler(request.sampling, request.grammar, e->model->vocab, banned_tokens(e, request));
  std::lock_guard<std::mutex> lock(e->mu);
  request.n_cached = static_cast<int32_t>(keep);
}

void release_slot(glm_engine *e, Slot &slot) {
  if (slot.sampler != nullptr) llama_sampler_free(slot.sampler);
  slot.sampler = nullptr;
  slot.request.reset();
  slot.next_token = -1;
  slot.last_used = e->step;
}

// Under the lock: frees slots of cancelled or finished requests and gives queued ones free
// slots; returns those slots, whose requests start_request then starts.
std::vector<Slot *> schedule(glm_engine *e) {
  for (auto &slot : e->slots) {
    if (slot.request == nullptr) continue;
    if (slot.request->cancelled || slot.request->finish != GLM_FINISH_NONE) release_slot(e, slot);
  }
  std::vector<Slot *> admitted;
  while (!e->pending.empty()) {
    Slot *slot = choose_slot(e, *e->pending.front());
    if (slot == nullptr) break;
    slot->request = e->pending.front();
    e->pending.pop_front();
    admitted.push_back(slot);
  }
  llama_memory_t mem = llama_get_memory(e->ctx);
  for (size_t i = 0; i < e->slots.size(); ++i) {
    const auto &slot = e->slots[i];
    e->snapshot[i] = {slot.request != nullptr, slot.request ? slot.request->id : 0,
                      static_cast<int32_t>(slot.cache.size()),
                      llama_memory_seq_pos_max(mem, slot.seq) + 1};
  }
  return admitted;
}

// Called with the lock held when requests wait and no slot is busy: waits while more keep
// arriving within e->gather of each other (4 * e->gather in all), until every slot could start
// one. Clients that start together are then prefilled in one step; without this the first one is
// prefilled alone and the rest wait out that step, then stay a step behind it to the end.
void gather_burst(glm_engine *e, std::unique_lock<std::mutex> &lock) {
  if (e->gather.count() <= 0) return;
  const auto limit = std::chrono::steady_clock::now() + 4 * e->gather;
  size_t seen = e->pending.size();
  while (seen < e->slots.size()) {
    const auto until = std::min(limit, std::chrono::steady_clock::now() + e->gather);
    const bool more = e->cv.wait_until(
        lock, until, [e, seen] { return e->stopping || e->pending.size() > seen; });
    if (!more || e->stopping) return;
    seen = e->pending.size();
  }
}

bool has_active_slot(const glm_engine *e) {
  return std::any_of(e->slots.begin(), e->slots.end(),
                     [](const Slot &s) { return s.request != nullptr; });
}

// Prompt tokens a step may add while slots are generating (Sarathi-Serve's stall-free batching):
// what kPrefillSteps decode steps' time buys. Each chunked step also pays for the decode rows, so
// a prompt prefilled beside streams takes about 1 + 1 / kPrefillSteps times as long, and a
// stream waits at most about 1 + kPrefillSteps decode steps for its next token. But CPU matrix
// kernels lose per-token speed in small batches (on make bench's 2-core host a token cost 42 ms
// in 64-token chunks, 27 ms in 128, 22 ms in 512), so no chunk is smaller than kLeast: there,
// 96-token chunks kept a running stream's longest gap at 3.1-3.3 s against llama-server's 33 s
// and the long prompt's first token at 1.08-1.09 times llama-server's, where 16-64 cost it
// 1.4-1.8 times and 112-128 let the gap pass a tenth of llama-server's; 88 leaves both room.
int32_t prefill_allowance(const glm_engine *e) {
  if (e->prefill_budget == GLM_PREFILL_BUDGET_NONE) return e->n_batch;
  if (e->prefill_budget > 0) return e->prefill_budget;
  constexpr int32_t kLeast = 88;
  constexpr double kPrefillSteps = 5.0;
  const int32_t least = std::min(kLeast, e->n_batch);
  if (e->decode_step_ms <= 0.0 || e->prefill_ms_per_token <= 0.0) return least;
  const double tokens = kPrefillSteps * e->decode_step_ms / e->prefill_ms_per_token;
  return static_cast<int32_t>(
      std::clamp(tokens, static_cast<double>(least), static_cast<double>(e->n_batch)));
}

// Running averages of what decode steps and prompt tokens cost, for the AUTO budget.
void measure_step(glm_engine *e, double ms) {
  constexpr double kWeight = 0.2;
  const auto blend = [](double average, double sample) {
    return average <= 0.0 ? sample : average + kWeight * (sample - average);
  };
  if (e->step_draft_tokens > 0) return; // drafted rows cost neither a decode row nor a prompt token
  if (e->step_prefill_tokens == 0) {
    if (e->step_decode_rows > 0) e->decode_step_ms = blend(e->decode_step_ms, ms);
    return;
  }
  const double decode_part = e->step_decode_rows > 0 ? e->decode_step_ms : 0.0;
  const double per_token = (ms - decode_part) / e->step_prefill_tokens;
  if (per_token > 0.0) e->prefill_ms_per_token = blend(e->prefill_ms_per_token, per_token);
}

// Tokens a generating slot may draft this step: what its request allows, what its context and
// max_tokens leave room for, and what the step budget leaves once prompts waiting to prefill
// take their share (drafts come out of the same budget, after prompts).
int32_t draft_room(const glm_engine *e, const Slot &slot, int32_t budget_left) {
  const Request &request = *slot.request;
  if (!e->drafting || request.draft_max <= 0) return 0;
  // next_token takes cell cache.size(); each drafted token one more, all within the slot.
  const auto cells_left = e->n_ctx_slot - static_cast<int32_t>(slot.cache.size()) - 1;
  // Row i samples the request's (n_generated + 1 + i)-th token, so more rows are never used.
  const int32_t tokens_left = request.max_tokens - request.n_generated - 1;
  return std::max(0, std::min({request.draft_max, cells_left, tokens_left, budget_left}));
}

// Prompt tokens still to prefill, which drafts leave room for.
int32_t prompt_tokens_waiting(const glm_engine *e) {
  int32_t waiting = 0;
  for (const auto &slot : e->slots) {
    if (slot.request == nullptr || slot.next_token >= 0) continue;
    waiting += static_cast<int32_t>(slot.request->prompt.size() - slot.prompt_done);
  }
  return waiting;
}

// Generating slots go first so that a long prefill never starves running streams; each one's
// drafted tokens follow its next token directly.
void build_batch(glm_engine *e) {
  share_prefixes(e); // first, while every slot's cache is exactly its KV cells
  llama_batch &batch = e->batch;
  batch.n_tokens = 0;
  const auto generating = static_cast<int32_t>(std::count_if(
      e->slots.begin(), e->slots.end(),
      [](const Slot &s) { return s.request != nullptr && s.next_token >= 0; }));
  const int32_t limit =
      generating > 0 ? std::min(e->n_batch, generating + prefill_allowance(e)) : e->n_batch;
  int32_t draft_budget = std::max(0, limit - generating - prompt_tokens_waiting(e));
  std::vector<int32_t> draft_limits(e->slots.size(), 0);
  for (size_t i = 0; i < e->slots.size(); ++i) {
    Slot &slot = e->slots[i];
    slot.batch_index = -1;
    slot.draft.clear();
    if (slot.request == nullptr || slot.next_token < 0) continue;
    draft_limits[i] = draft_limit(slot, draft_room(e, slot, draft_budget));
    draft_budget -= draft_limits[i];
  }
  if (e->draft.ctx != nullptr) {
    draft_by_model(e, draft_limits);
  } else if (e->mtp.ctx != nullptr) {
    draft_by_mtp(e, draft_limits);
  } else {
    for (size_t i = 0; i < e->slots.size(); ++i) draft_by_lookup(e->slots[i], draft_limits[i]);
  }
  size_t shortest_draft = SIZE_MAX;
  for (const auto &slot : e->slots) {
    if (slot.request != nullptr && slot.next_token >= 0)
      shortest_draft = std::min(shortest_draft, slot.draft.size());
  }
  // Per-slot KV streams are decoded in passes with as many tokens from each sequence, each
  // pass reading every weight; drafts of different lengths would cost a pass each. So several
  // streams draft only all alike, as far as the shortest draft goes.
  int32_t drafted = 0;
  for (auto &slot : e->slots) {
    if (slot.request == nullptr || slot.next_token < 0) continue;
    if (generating > 1) slot.draft.resize(std::min(slot.draft.size(), shortest_draft));
    drafted += static_cast<int32_t>(slot.draft.size());
    slot.batch_index = batch.n_tokens;
    batch_add(batch, slot.next_token, static_cast<llama_pos>(slot.cache.size()), slot.seq, true);
    slot.cache.push_back(slot.next_token);
    slot.next_token = -1;
    for (const llama_token token : slot.draft) {
      batch_add(batch, token, static_cast<llama_pos>(slot.cache.size()), slot.seq, true);
      slot.cache.push_back(token);
    }
  }
  const int32_t decoding = batch.n_tokens;
  // While streams run, prompts share the budget first come, first served.
  std::vector<Slot *> order;
  for (auto &slot : e->slots) order.push_back(&slot);
  if (generating > 0) {
    std::stable_sort(order.begin(), order.end(), [](const Slot *a, const Slot *b) {
      const int32_t ia = a->request ? a->request->id : INT32_MAX;
      const int32_t ib = b->request ? b->request->id : INT32_MAX;
      return ia < ib;
    });
  }
  std::vector<const Slot *> prefilling;
  for (Slot *next : order) {
    Slot &slot = *next;
    if (slot.request == nullptr || slot.batch_index >= 0) continue;
    if (waits_for_shared_prefix(e, slot, prefilling)) continue;
    const auto &prompt = slot.request->prompt;
    const size_t end = prefill_end(e, slot);
    if (slot.prompt_done < end && batch.n_tokens < limit) prefilling.push_back(&slot);
    while (slot.prompt_done < end && batch.n_tokens < limit) {
      const bool last = slot.prompt_done + 1 == prompt.size();
      if (last) slot.batch_index = batch.n_tokens;
      batch_add(batch, prompt[slot.prompt_done], static_cast<llama_pos>(slot.cache.size()),
                slot.seq, last);
      slot.cache.push_back(prompt[slot.prompt_done]);
      ++slot.prompt_done;
    }
  }
  e->step_decode_rows = generating;
  e->step_draft_tokens = drafted;
  e->step_prefill_tokens = batch.n_tokens - decoding;
  if (generating > 0 && e->step_prefill_tokens > e->peak_prefill_while_decoding.load())
    e->peak_prefill_while_decoding.store(e->step_prefill_tokens);
}

bool is_stop_token(const glm_engine *e, const Request &request, llama_token token) {
  // A grammar's reply ends at EOG even with ignore_eos, since the grammar allows nothing after.
  const bool eos_ends = !request.ignore_eos || !request.grammar.empty();
  if (eos_ends && llama_vocab_is_eog(e->model->vocab, token)) return true;
  const auto &stops = request.stop_tokens;
  return std::find(stops.begin(), stops.end(), token) != stops.end();
}

std::string token_text(const glm_engine *e, llama_token token) {
  const auto &visible = e->model->visible;
  // Control tokens print as nothing, unless the chat format reads them (reply markers).
  const bool special = token >= 0 && static_cast<size_t>(token) < visible.size() &&
                       visible[static_cast<size_t>(token)];
  char buf[256];
  const int32_t n = llama_token_to_piece(e->model->vocab, token, buf, sizeof buf, 0, special);
  if (n >= 0) return std::string(buf, n);
  std::string big(static_cast<size_t>(-n), '\0');
  const int32_t m = llama_token_to_piece(e->model->vocab, token, big.data(), -n, 0, special);
  big.resize(std::max(m, 0));
  return big;
}

// log p(token) under the model's own distribution, then the n likeliest (id, log p) pairs.
std::vector<float> logprob_entry(const glm_engine *e, int32_t batch_index, llama_token token,
                                 int32_t n) {
  const float *logits = llama_get_logits_ith(e->ctx, batch_index);
  const int32_t n_vocab = llama_vocab_n_tokens(e->model->vocab);
  const float max = *std::max_element(logits, logits + n_vocab);
  double sum = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max));
  const float log_norm = max + static_cast<float>(std::log(sum));
  std::vector<float> entry{logits[token] - log_norm};
  if (n <= 0) return entry;
  std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
  for (int32_t i = 0; i < n_vocab; ++i) ids[static_cast<size_t>(i)] = i;
  const auto top = ids.begin() + std::min(n, n_vocab);
  std::partial_sort(ids.begin(), top, ids.end(),
                    [logits](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  for (auto it = ids.begin(); it != top; ++it) {
    entry.push_back(static_cast<float>(*it));
    entry.push_back(logits[*it] - log_norm);
  }
  return entry;
}

// Samples the slot's `earlier`-th token this step, from the logits of its row that many after
// batch_index, and decides whether it goes on; slot.cache holds the cells before the token's own.
Emission sample_slot(glm_engine *e, Slot &slot, int32_t earlier) {
  Request &request = *slot.request;
  const int32_t row = slot.batch_index + earlier;
  llama_token token = LLAMA_TOKEN_NULL;
  try {
    token = llama_sampler_sample(slot.sampler, e->ctx, row);
  } catch (const std::exception &) {
    // A grammar with no token left to allow throws; end this request, not the process.
    return {slot.request, token, "", GLM_FINISH_ERROR, {}};
  }
  const int32_t generated = request.n_generated + earlier + 1; // published under the lock in emit()
  if (is_stop_token(e, request, token)) return {slot.request, token, "", GLM_FINISH_STOP, {}};
  slot.utf8_tail += token_text(e, token);
  const size_t whole = utf8_complete_prefix(slot.utf8_tail);
  Emission out{slot.request, token, slot.utf8_tail.substr(0, whole), GLM_FINISH_NONE, {}};
  if (request.n_logprobs >= 0) {
    out.logprobs = logprob_entry(e, row, token, request.n_logprobs);
  }
  slot.utf8_tail.erase(0, whole);
  slot.next_token = token;
  const bool no_room = static_cast<int32_t>(slot.cache.size()) + 1 > e->n_ctx_slot;
  if (generated >= request.max_tokens || no_room) out.finish = GLM_FINISH_LENGTH;
  return out;
}

// Samples the slot's rows in order: row 0 follows its next token, row i + 1 follows drafted
// token i, which counts only while the target sampled that same token at row i. Sampling at
// every row with the request's own sampler, and keeping a draft only where it equals the
// sample, leaves each token's distribution the target's own (the standard acceptance rule for
// a draft that is one token, not a distribution); greedy output is unchanged token for token.
// The rejected drafts' KV cells are dropped.
void verify_and_sample(glm_engine *e, Slot &slot, std::vector<Emission> &out) {
  const size_t drafted = slot.draft.size();
  slot.cache.resize(slot.cache.size() - drafted);
  size_t accepted = 0;
  for (;;) {
    Emission emission = sample_slot(e, slot, static_cast<int32_t>(accepted));
    const bool kept = emission.finish == GLM_FINISH_NONE && accepted < drafted &&
                      emission.token == slot.draft[accepted];
    out.push_back(std::move(emission));
    if (!kept) break;
    slot.cache.push_back(slot.draft[accepted]);
    ++accepted;
  }
  if (drafted == 0) return;
  record_draft(e, slot, accepted);
  if (accepted == drafted) return;
  llama_memory_t mem = llama_get_memory(e->ctx);
  if (llama_memory_seq_rm(mem, slot.seq, static_cast<llama_pos>(slot.cache.size()), -1)) return;
  // The memory kept the rejected cells after all: this request ends with an error, and its
  // slot starts empty, so no other request is touched.
  llama_memory_seq_rm(mem, slot.seq, -1, -1);
  slot.cache.clear();
  out.back().finish = GLM_FINISH_ERROR;
}

// Under the lock: the snapshot of the slot running `request` shows it free.
void mark_idle(glm_engine *e, const Request *request) {
  for (size_t i = 0; i < e->slots.size(); ++i) {
    if (e->slots[i].request.get() == request) e->snapshot[i].busy = false;
  }
}

// A request that cannot start (out of memory, say) fails alone, and its slot is freed empty.
void start_or_fail(glm_engine *e, Slot &slot) {
  try {
    start_request(e, slot);
  } catch (const std::exception &) {
    llama_memory_seq_rm(llama_get_memory(e->ctx), slot.seq, -1, -1);
    slot.cache.clear();
    {
      std::lock_guard<std::mutex> lock(e->mu);
      slot.request->finish = GLM_FINISH_ERROR;
      mark_idle(e, slot.request.get());
    }
    release_slot(e, slot);
    engine_wake(e);
  }
}

void emit(glm_engine *e, std::vector<Emission> &emissions) {
  if (emissions.empty()) return;
  {
    std::lock_guard<std::mutex> lock(e->mu);
    for (auto &em : emissions) {
      Request &r = *em.request;
      ++r.n_generated;
      if (em.finish != GLM_FINISH_STOP && em.finish != GLM_FINISH_ERROR) {
        r.text += em.text;
        r.pieces.push_back(em.token);
        r.pieces.push_back(static_cast<int32_t>(em.text.size()));
        r.logprobs.insert(r.logprobs.end(), em.logprobs.begin(), em.logprobs.end());
      }
      r.finish = em.finish;
      // Slot state must not say busy once JS can see the request finished.
      if (em.finish != GLM_FINISH_NONE) mark_idle(e, em.request.get());
    }
  }
  engine_wake(e);
}

// A failed decode leaves the KV cells of its sequences unknown: clear them and fail their requests.
void fail_batch(glm_engine *e) {
  llama_memory_t mem = llama_get_memory(e->ctx);
  drop_fillers(e);
  std::lock_guard<std::mutex> lock(e->mu);
  for (auto &slot : e->slots) {
    if (slot.request == nullptr) continue;
    llama_memory_seq_rm(mem, slot.seq, -1, -1);
    slot.cache.clear();
    slot.request->finish = GLM_FINISH_ERROR;
  }
}

// Counts this step's tokens and distinct slots for glm_engine_stats_json.
void record_batch(glm_engine *e, int32_t fillers) {
  std::vector<bool> seen(e->slots.size(), false);
  int32_t sequences = 0;
  for (int32_t i = 0; i < e->batch.n_tokens; ++i) {
    const auto seq = static_cast<size_t>(e->batch.seq_id[i][0]);
    if (seq < seen.size() && !seen[seq]) {
      seen[seq] = true;
      ++sequences;
    }
  }
  sequences -= fillers; // each filler is alone in an idle slot's sequence
  const auto real = static_cast<uint64_t>(e->batch.n_tokens - fillers);
  e->decode_calls.fetch_add(1, std::memory_order_relaxed);
  e->decoded_tokens.fetch_add(real, std::memory_order_relaxed);
  e->filler_tokens.fetch_add(static_cast<uint64_t>(fillers), std::memory_order_relaxed);
  if (sequences > e->peak_batch_sequences.load(std::memory_order_relaxed)) {
    e->peak_batch_sequences.store(sequences, std::memory_order_relaxed);
  }
}

void run_step(glm_engine *e) {
  build_batch(e);
  if (e->batch.n_tokens == 0) return;
  const int32_t fillers = shape_batch(e);
  record_batch(e, fillers);
  const auto started = std::chrono::steady_clock::now();
  const int32_t status = llama_decode(e->ctx, e->batch);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
  drop_fillers(e);
  if (status == 0) measure_step(e, took.count());
  if (status != 0) {
    fail_batch(e);
    engine_wake(e);
    return;
  }
  std::vector<Emission> emissions;
  for (auto &slot : e->slots) {
    if (slot.request == nullptr || slot.batch_index < 0) continue;
    verify_and_sample(e, slot, emissions);
  }
  emit(e, emissions);
  if (e->mtp.ctx != nullptr) follow_with_mtp(e); // reads this decode's hidden states
}

void cancel_everything(glm_engine *e) {
  std::lock_guard<std::mutex> lock(e->mu);
  for (auto &slot : e->slots) {
    if (slot.request != nullptr) slot.request->finish = GLM_FINISH_CANCELLED;
  }
  for (auto &request : e->pending) request->finish = GLM_FINISH_CANCELLED;
  e->pending.clear();
}

// Inference (and the ggml workers it spawns, which inherit this) yields to the JS thread, so
// HTTP answers such as /health stay prompt while every core decodes. Failure is harmless.
void yield_to_javascript() {
#ifdef __linux__
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  setpriority(PRIO_PROCESS, tid, getpriority(PRIO_PROCESS, tid) + 5);
#endif
}

} // namespace

llama_token likeliest_token(llama_context *ctx, int32_t row, int32_t n_vocab) {
  const float *logits = llama_get_logits_ith(ctx, row);
  return static_cast<llama_token>(std::max_element(logits, logits + n_vocab) - logits);
}

size_t common_prefix(const std::vector<llama_token> &a, const std::vector<llama_token> &b) {
  size_t n = 0;
  const size_t limit = std::min(a.size(), b.size());
  while (n < limit && a[n] == b[n]) ++n;
  return n;
}

void batch_add(llama_batch &batch, llama_token token, llama_pos pos, llama_seq_id seq,
               bool logits) {
  const int32_t i = batch.n_tokens++;
  batch.token[i] = token;
  batch.pos[i] = pos;
  batch.n_seq_id[i] = 1;
  batch.seq_id[i][0] = seq;
  batch.logits[i] = logits;
}

void inference_loop(glm_engine *e) {
  yield_to_javascript();
  calibrate_padding(e); // before any request, so every batch of a run is padded alike
  for (;;) {
    std::vector<Slot *> admitted;
    {
      std::unique_lock<std::mutex> lock(e->mu);
      if (!has_active_slot(e) && !e->pending.empty()) gather_burst(e, lock);
      admitted = schedule(e);
      if (e->stopping) break;
      if (!has_active_slot(e)) {
        e->cv.wait(lock, [e] { return e->stopping || !e->pending.empty(); });
        continue;
      }
    }
    ++e->step;
    for (Slot *slot : admitted) start_or_fail(e, *slot);
    try {
      run_step(e);
    } catch (const std::exception &) {
      fail_batch(e); // e.g. out of memory: the batch's requests fail, the engine goes on
      engine_wake(e);
    }
  }
  cancel_everything(e);
  engine_wake(e);
  {
    std::lock_guard<std::mutex> lock(e->wake_mu);
    e->waker_stop = true;
  }
  e->wake_cv.notify_one();
}
