// Drafting with a smaller model: it keeps a sequence per slot in its own context, catches up on
// what the slot's history gained since its last draft, then guesses greedily, one token per
// slot in each of its decodes. The target checks the guesses exactly as it checks prompt lookup's.
#include <algorithm>
#include <cstdlib>

#include "internal.h"

namespace {

// llama-server's limit (SPEC_VOCAB_MAX_SIZE_DIFFERENCE): models of one family often pad their
// vocabularies differently; the tokens past the shorter one are never drafted.
constexpr int32_t kMostVocabDifference = 128;

std::string token_text(const llama_vocab *vocab, llama_token token) {
  const char *text = llama_vocab_get_text(vocab, token);
  return text != nullptr ? text : "";
}

// Forgets what the draft context holds for every slot: after a failed draft decode its cells
// are unknown.
void reset_all(DraftContext &d) {
  llama_memory_t mem = llama_get_memory(d.ctx);
  for (size_t seq = 0; seq < d.cached.size(); ++seq) {
    llama_memory_seq_rm(mem, static_cast<llama_seq_id>(seq), -1, -1);
    d.cached[seq].clear();
  }
}

// One slot's place in the draft decodes.
struct Drafting {
  Slot *slot;
  size_t seq;
  int32_t limit;
  int32_t row; // its logits row in the batch being built, or -1
};

// Decodes the batch and appends each slot's best token at its row; false if the decode failed.
bool decode_and_guess(DraftContext &d, std::vector<Drafting> &drafting) {
  if (d.batch.n_tokens == 0) return true;
  const bool ok = llama_decode(d.ctx, d.batch) == 0;
  d.batch.n_tokens = 0;
  for (auto &one : drafting) {
    if (one.row < 0) continue;
    if (ok) one.slot->draft.push_back(likeliest_token(d.ctx, one.row, d.n_vocab));
    one.row = -1;
  }
  return ok;
}

// Adds one token of a slot's sequence, decoding first when the batch is full.
bool add_token(DraftContext &d, std::vector<Drafting> &drafting, Drafting &one,
               llama_token token, bool guess_after) {
  if (d.batch.n_tokens == d.n_batch && !decode_and_guess(d, drafting)) return false;
  auto &cached = d.cached[one.seq];
  if (guess_after) one.row = d.batch.n_tokens;
  batch_add(d.batch, token, static_cast<llama_pos>(cached.size()),
            static_cast<llama_seq_id>(one.seq), guess_after);
  cached.push_back(token);
  return true;
}

// Queues what the slot's history (its cache, then its next token) gained since the draft
// context last saw it; the last token's logits give the first guess.
bool catch_up(DraftContext &d, std::vector<Drafting> &drafting, Drafting &one) {
  const Slot &slot = *one.slot;
  auto &cached = d.cached[one.seq];
  size_t keep = common_prefix(cached, slot.cache);
  if (keep == slot.cache.size() && cached.size() > keep && cached[keep] == slot.next_token) ++keep;
  const size_t history = slot.cache.size() + 1;
  if (keep == history) --keep; // the last token is decoded again for its logits
  llama_memory_t mem = llama_get_memory(d.ctx);
  const auto seq = static_cast<llama_seq_id>(one.seq);
  if (!llama_memory_seq_rm(mem, seq, static_cast<llama_pos>(keep), -1)) {
    llama_memory_seq_rm(mem, seq, -1, -1);
    keep = 0;
  }
  cached.resize(keep);
  for (size_t i = keep; i < history; ++i) {
    const llama_token token = i < slot.cache.size() ? slot.cache[i] : slot.next_token;
    if (!add_token(d, drafting, one, token, i + 1 == history)) return false;
  }
  return true;
}

} // namespace

std::string draft_mismatch(const glm_model *target, const glm_model *draft) {
  const llama_vocab *tv = target->vocab;
  const llama_vocab *dv = draft->vocab;
  if (llama_model_is_recurrent(draft->model) || llama_model_is_hybrid(draft->model))
    return "the draft model is recurrent or hybrid, so it cannot drop rejected tokens";
  if (llama_vocab_type(tv) != llama_vocab_type(dv))
    return "the draft model's tokenizer is of another kind than the target's";
  const int32_t nt = llama_vocab_n_tokens(tv);
  const int32_t nd = llama_vocab_n_tokens(dv);
  if (std::abs(nt - nd) > kMostVocabDifference)
    return "the draft model has " + std::to_string(nd) + " tokens and the target " +
           std::to_string(nt) + "; they may differ by at most " +
           std::to_string(kMostVocabDifference);
  const int32_t n = std::min(nt, nd);
  for (llama_token t = 0; t < n; ++t) {
    const std::string a = token_text(tv, t);
    const std::string b = token_text(dv, t);
    if (a != b)
      return "token " + std::to_string(t) + " is " + json_escape(a) + " in the target and " +
             json_escape(b) + " in the draft model";
  }
  return "";
}

bool open_draft_context(glm_engine *e, int32_t n_ctx, int32_t n_threads, int32_t n_slots) {
  DraftContext &d = e->draft;
  glm_reset_llama_log_error();
  d.ctx = llama_init_from_model(e->model->draft->model,
                                slot_context_params(e, n_ctx, n_threads, n_slots));
  if (d.ctx == nullptr) {
    glm_fail(GLM_ERR_INTERNAL,
             "cannot create the draft model's context: " + glm_last_llama_log_error());
    return false;
  }
  if (static_cast<int32_t>(llama_n_ctx_seq(d.ctx)) < e->n_ctx_slot) {
    glm_fail(GLM_ERR_INTERNAL, "the draft model's context holds fewer tokens per slot than the target's");
    close_draft_context(e);
    return false;
  }
  d.n_batch = e->n_batch;
  d.batch = llama_batch_init(d.n_batch, 0, 1);
  d.n_vocab = std::min(llama_vocab_n_tokens(e->model->vocab),
                       llama_vocab_n_tokens(e->model->draft->vocab));
  d.cached.assign(static_cast<size_t>(n_slots), {});
  return true;
}

void close_draft_context(glm_engine *e) {
  DraftContext &d = e->draft;
  if (d.batch.token != nullptr) llama_batch_free(d.batch);
  if (d.ctx != nullptr) llama_free(d.ctx);
  d = DraftContext{};
}

void draft_by_model(glm_engine *e, const std::vector<int32_t> &limits) {
  DraftContext &d = e->draft;
  std::vector<Drafting> drafting;
  for (size_t i = 0; i < e->slots.size(); ++i) {
    e->slots[i].draft.clear();
    if (limits[i] > 0) drafting.push_back({&e->slots[i], i, limits[i], -1});
  }
  if (drafting.empty()) return;
  d.batch.n_tokens = 0;
  bool ok = true;
  for (auto &one : drafting) ok = ok && catch_up(d, drafting, one);
  ok = ok && decode_and_guess(d, drafting);
  // Each further decode feeds every slot its latest guess, while it may guess more.
  while (ok) {
    for (auto &one : drafting) {
      auto &draft = one.slot->draft;
      if (draft.empty() || static_cast<int32_t>(draft.size()) >= one.limit) continue;
      ok = ok && add_token(d, drafting, one, draft.back(), true);
    }
    if (d.batch.n_tokens == 0) break;
    ok = ok && decode_and_guess(d, drafting);
  }
  if (ok) return;
  reset_all(d);
  for (auto &one : drafting) one.slot->draft.clear();
}
