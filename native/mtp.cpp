// Drafting with the model's own next-token (MTP) head, as GLM-4.5 and later ship one: a block
// after the trunk that reads a token with the trunk's last hidden state before it and predicts
// the token after. Its context holds a KV sequence per slot, which follows every token the
// target keeps, paired with the target's hidden state of the position before; drafting then
// runs the head on its own hidden states, one token per slot in each of its decodes.
//
// The target hands over its hidden state only at rows it computes logits for: every generated
// and drafted token, and each prompt's last. llama.cpp can hand over every row's, but stores
// them in the order it splits a batch into per-sequence passes, which with one KV stream per
// slot is not the batch's order, and no API says which is which; logits rows it does map back.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "internal.h"
// llama.cpp's staging API: the target's hidden states that the MTP head reads.
#include "llama-ext.h"

namespace {

// The hidden state that goes with a token at `pos`: the target's at pos - 1 where the slot has
// it; zeros where it does not (inside a prompt, or after a restored or shared prefix), which
// only makes the head's guesses worse, never the output.
const float *hidden_before(const MtpContext &m, const MtpSequence &seq, llama_pos pos) {
  return seq.h_pos >= 0 && seq.h_pos == pos - 1 ? seq.h.data() : m.zeros.data();
}

bool flush(MtpContext &m) {
  if (m.batch.n_tokens == 0) return true;
  const bool ok = llama_decode(m.ctx, m.batch) == 0;
  m.batch.n_tokens = 0;
  return ok;
}

// Adds a token with the hidden state before it, decoding first when the batch is full.
bool add_row(MtpContext &m, llama_seq_id seq, llama_token token, llama_pos pos, const float *h,
             bool logits) {
  if (m.batch.n_tokens == m.n_batch && !flush(m)) return false;
  const int32_t i = m.batch.n_tokens;
  std::memcpy(m.batch.embd + static_cast<size_t>(i) * m.n_embd, h, sizeof(float) * m.n_embd);
  batch_add(m.batch, token, pos, seq, logits);
  m.seqs[static_cast<size_t>(seq)].cached.push_back(token);
  return true;
}

void forget_all(MtpContext &m) {
  llama_memory_t mem = llama_get_memory(m.ctx);
  for (size_t i = 0; i < m.seqs.size(); ++i) {
    llama_memory_seq_rm(mem, static_cast<llama_seq_id>(i), -1, -1);
    m.seqs[i].cached.clear();
    m.seqs[i].h_pos = -1;
  }
}

// Drops the sequence's cells from `pos` on (all of them if the memory cannot); returns where
// it now ends.
size_t cut_back(MtpContext &m, llama_seq_id seq, size_t pos) {
  MtpSequence &s = m.seqs[static_cast<size_t>(seq)];
  llama_memory_t mem = llama_get_memory(m.ctx);
  if (!llama_memory_seq_rm(mem, seq, static_cast<llama_pos>(pos), -1)) {
    llama_memory_seq_rm(mem, seq, -1, -1);
    pos = 0;
  }
  s.cached.resize(std::min(pos, s.cached.size()));
  return s.cached.size();
}

} // namespace

bool open_mtp_context(glm_engine *e, int32_t n_ctx, int32_t n_threads, int32_t n_slots) {
  MtpContext &m = e->mtp;
  auto params = slot_context_params(e, n_ctx, n_threads, n_slots);
  params.ctx_type = LLAMA_CONTEXT_TYPE_MTP;
  glm_reset_llama_log_error();
  m.ctx = llama_init_from_model(e->model->model, params);
  if (m.ctx == nullptr) {
    glm_fail(GLM_ERR_INTERNAL, "cannot create the MTP head's context: " + glm_last_llama_log_error());
    return false;
  }
  // Both hand over hidden states at the rows they compute logits for (see the top of the file).
  llama_set_embeddings_nextn(e->ctx, true, true);
  llama_set_embeddings_nextn(m.ctx, true, true);
  m.n_batch = e->n_batch;
  m.n_embd = llama_model_n_embd_out(e->model->model);
  m.n_vocab = llama_vocab_n_tokens(e->model->vocab);
  m.batch = llama_batch_init(m.n_batch, m.n_embd, 1);
  // llama_batch_init gives a batch tokens or embeddings; the head reads both.
  m.batch.token = static_cast<llama_token *>(std::malloc(sizeof(llama_token) * m.n_batch));
  m.zeros.assign(static_cast<size_t>(m.n_embd), 0.0f);
  m.seqs.assign(static_cast<size_t>(n_slots), {});
  return m.batch.token != nullptr;
}

void close_mtp_context(glm_engine *e) {
  MtpContext &m = e->mtp;
  if (m.batch.pos != nullptr) llama_batch_free(m.batch);
  if (m.ctx != nullptr) llama_free(m.ctx);
  m = MtpContext{};
}

void follow_with_mtp(glm_engine *e) {
  MtpContext &m = e->mtp;
  const llama_batch &decoded = e->batch;
  // Each slot's kept rows, in position order; rejected drafts and fillers are not kept.
  std::vector<std::vector<int32_t>> rows(e->slots.size());
  for (int32_t r = 0; r < decoded.n_tokens; ++r) {
    const auto seq = static_cast<size_t>(decoded.seq_id[r][0]);
    if (seq >= e->slots.size()) continue;
    const Slot &slot = e->slots[seq];
    const auto pos = static_cast<size_t>(decoded.pos[r]);
    if (slot.request == nullptr || pos >= slot.cache.size()) continue;
    rows[seq].push_back(r);
  }
  m.batch.n_tokens = 0;
  bool ok = true;
  for (size_t i = 0; i < rows.size() && ok; ++i) {
    if (rows[i].empty()) continue;
    const Slot &slot = e->slots[i];
    const auto seq = static_cast<llama_seq_id>(i);
    MtpSequence &s = m.seqs[i];
    const auto first = static_cast<size_t>(decoded.pos[rows[i].front()]);
    size_t at = cut_back(m, seq, std::min(common_prefix(s.cached, slot.cache), first));
    // Positions the head never saw (a restored or shared prefix) get it in step again.
    for (; at < first && ok; ++at) {
      const auto pos = static_cast<llama_pos>(at);
      ok = add_row(m, seq, slot.cache[at], pos, hidden_before(m, s, pos), false);
      s.h_pos = -1;
    }
    for (const int32_t r : rows[i]) {
      if (!ok) break;
      const llama_pos pos = decoded.pos[r];
      ok = add_row(m, seq, decoded.token[r], pos, hidden_before(m, s, pos), false);
      if (decoded.logits[r] == 0) {
        s.h_pos = -1; // a prompt row: its state stays unknown
        continue;
      }
      const float *h = llama_get_embeddings_nextn_ith(e->ctx, r);
      if (h == nullptr) {
        ok = false;
        break;
      }
      s.h.assign(h, h + m.n_embd);
      s.h_pos = pos;
    }
  }
  if (!(ok && flush(m))) forget_all(m);
}

void draft_by_mtp(glm_engine *e, const std::vector<int32_t> &limits) {
  MtpContext &m = e->mtp;
  struct Drafting {
    Slot *slot;
    llama_seq_id seq;
    int32_t limit;
    int32_t row;
    std::vector<float> h; // the head's own hidden state after its latest guess
  };
  std::vector<Drafting> drafting;
  m.batch.n_tokens = 0;
  for (size_t i = 0; i < e->slots.size(); ++i) {
    Slot &slot = e->slots[i];
    slot.draft.clear();
    MtpSequence &s = m.seqs[i];
    // The head must hold the slot's whole history and the target's state at its end.
    const size_t n = slot.cache.size();
    const bool in_step =
        common_prefix(s.cached, slot.cache) == n && s.h_pos == static_cast<llama_pos>(n) - 1;
    if (limits[i] <= 0 || !in_step) continue;
    const auto seq = static_cast<llama_seq_id>(i);
    if (cut_back(m, seq, n) != n) continue; // the memory dropped the whole sequence
    drafting.push_back({&slot, seq, limits[i], m.batch.n_tokens, {}});
    add_row(m, seq, slot.next_token, static_cast<llama_pos>(n), s.h.data(), true);
  }
  bool ok = true;
  while (ok && m.batch.n_tokens > 0) {
    ok = flush(m);
    for (auto &one : drafting) {
      if (!ok || one.row < 0) continue;
      const float *h = llama_get_embeddings_nextn_ith(m.ctx, one.row);
      if (h == nullptr) {
        ok = false;
        break;
      }
      one.slot->draft.push_back(likeliest_token(m.ctx, one.row, m.n_vocab));
      one.h.assign(h, h + m.n_embd);
      one.row = -1;
    }
    for (auto &one : drafting) {
      auto &draft = one.slot->draft;
      if (!ok || static_cast<int32_t>(draft.size()) >= one.limit) continue;
      one.row = m.batch.n_tokens;
      const auto pos = static_cast<llama_pos>(m.seqs[static_cast<size_t>(one.seq)].cached.size());
      add_row(m, one.seq, draft.back(), pos, one.h.data(), true);
    }
  }
  if (ok) return;
  forget_all(m);
  for (auto &one : drafting) one.slot->draft.clear();
}
