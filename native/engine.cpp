// The engine's ABI: a context with n_slots sequences, a request table, and its worker thread.
#include <algorithm>
#include <cstring>

#include "internal.h"

// One KV stream per slot: attention then spans only the slot's own cells. A unified cache would
// make every token's attention walk (masked) past the other slots' cached histories too, which
// measured 5-8% slower on a long second-turn prompt.
llama_context_params slot_context_params(const glm_engine *e, int32_t n_ctx, int32_t n_threads,
                                         int32_t n_slots) {
  auto params = llama_context_default_params();
  params.n_ctx = static_cast<uint32_t>(n_ctx);
  params.n_batch = static_cast<uint32_t>(e->n_batch);
  params.n_ubatch = static_cast<uint32_t>(std::min(e->n_batch, 512));
  params.n_seq_max = static_cast<uint32_t>(n_slots);
  params.n_threads = n_threads;
  params.n_threads_batch = n_threads;
  params.no_perf = true;
  params.kv_unified = false;
  return params;
}

void engine_wake(glm_engine *e) {
  if (e->wake == nullptr || e->wake_pending.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(e->wake_mu);
    e->wake_requested = true;
  }
  e->wake_cv.notify_one();
}

void waker_loop(glm_engine *e) {
  std::unique_lock<std::mutex> lock(e->wake_mu);
  for (;;) {
    e->wake_cv.wait(lock, [e] { return e->wake_requested || e->waker_stop; });
    if (e->wake_requested) {
      e->wake_requested = false;
      lock.unlock();
      e->wake();
      lock.lock();
      continue;
    }
    break;
  }
  e->stopped.store(true);
}

namespace {

struct KvOptions {
  int32_t type_k;
  int32_t type_v;
  int32_t flash_attn;
};

bool is_kv_type(int32_t type) {
  return type == GLM_KV_F16 || type == GLM_KV_Q8_0 || type == GLM_KV_Q4_0;
}

llama_context *create_context(glm_engine *e, int32_t n_ctx, int32_t n_threads, int32_t n_slots,
                              const KvOptions &kv) {
  auto params = slot_context_params(e, n_ctx, n_threads, n_slots);
  params.type_k = static_cast<ggml_type>(kv.type_k);
  params.type_v = static_cast<ggml_type>(kv.type_v);
  params.flash_attn_type = static_cast<llama_flash_attn_type>(kv.flash_attn);
  return llama_init_from_model(e->model->model, params);
}

void init_slots(glm_engine *e, int32_t n_slots) {
  e->slots.resize(n_slots);
  e->snapshot.resize(n_slots);
  for (int32_t i = 0; i < n_slots; ++i) e->slots[i].seq = i;
}

// Parses the grammar once at submit, so a bad one is the caller's error, not a failed request.
bool grammar_parses(const glm_engine *e, const std::string &grammar) {
  llama_sampler *probe = llama_sampler_init_grammar(e->model->vocab, grammar.c_str(), "root");
  if (probe == nullptr) return false;
  llama_sampler_free(probe);
  return true;
}

bool is_valid_sampling(const SamplingParams &s) {
  auto finite = [](float x) { return x == x && x - x == 0.0f; };
  return finite(s.temperature) && finite(s.top_p) && finite(s.min_p) &&
         finite(s.repeat_penalty) && s.repeat_penalty > 0.0f && finite(s.presence_penalty) &&
         finite(s.frequency_penalty);
}

// Validates a submission; returns GLM_OK or a status with the message set.
int32_t check_submission(glm_engine *e, const int32_t *tokens, int32_t n_tokens,
                         int32_t max_tokens, const SamplingParams &sampling) {
  if (tokens == nullptr || n_tokens <= 0) return glm_fail(GLM_ERR_INVALID, "prompt is empty");
  if (max_tokens <= 0) return glm_fail(GLM_ERR_INVALID, "max_tokens must be at least 1");
  if (!is_valid_sampling(sampling)) return glm_fail(GLM_ERR_INVALID, "invalid sampling value");
  if (n_tokens >= e->n_ctx_slot) {
    return glm_fail(GLM_ERR_CONTEXT, "prompt has " + std::to_string(n_tokens) +
                                         " tokens but a slot holds " +
                                         std::to_string(e->n_ctx_slot));
  }
  const int32_t n_vocab = llama_vocab_n_tokens(e->model->vocab);
  for (int32_t i = 0; i < n_tokens; ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      return glm_fail(GLM_ERR_INVALID, "token id out of range: " + std::to_string(tokens[i]));
    }
  }
  return GLM_OK;
}

std::shared_ptr<Request> find_request(glm_engine *e, int32_t id) {
  auto it = e->requests.find(id);
  return it == e->requests.end() ? nullptr : it->second;
}

} // namespace

extern "C" {

GLM_API glm_engine *glm_engine_open(glm_model *model, int32_t n_ctx, int32_t n_threads,
                                    int32_t n_slots, int32_t n_batch, int32_t padding,
                                    int32_t gather_ms, int32_t type_k, int32_t type_v,
                                    int32_t flash_attn, int32_t prefill_budget,
                                    int32_t cache_ram_mib, glm_wake_fn wake) {
  if (model == nullptr || model->status.load() != GLM_OK) {
    glm_fail(GLM_ERR_INVALID, "model is not loaded");
    return nullptr;
  }
  if (n_slots <= 0 || n_slots > 256 || n_ctx < n_slots * 8) {
    glm_fail(GLM_ERR_INVALID, "need 1..256 slots and at least 8 context tokens per slot");
    return nullptr;
  }
  if (padding != GLM_PADDING_AUTO && padding != GLM_PADDING_OFF && padding != GLM_PADDING_ON) {
    glm_fail(GLM_ERR_INVALID, "padding must be GLM_PADDING_AUTO, _OFF or _ON");
    return nullptr;
  }
  if (gather_ms < 0 || gather_ms > 1000) {
    glm_fail(GLM_ERR_INVALID, "gather_ms must be 0..1000");
    return nullptr;
  }
  if (!is_kv_type(type_k) || !is_kv_type(type_v)) {
    glm_fail(GLM_ERR_INVALID, "type_k and type_v must be GLM_KV_F16, _Q8_0 or _Q4_0");
    return nullptr;
  }
  if (flash_attn < GLM_FLASH_ATTN_AUTO || flash_attn > GLM_FLASH_ATTN_ON) {
    glm_fail(GLM_ERR_INVALID, "flash_attn must be GLM_FLASH_ATTN_AUTO, _OFF or _ON");
    return nullptr;
  }
  if (prefill_budget < GLM_PREFILL_BUDGET_AUTO) {
    glm_fail(GLM_ERR_INVALID, "prefill_budget must be GLM_PREFILL_BUDGET_AUTO, _NONE or a count");
    return nullptr;
  }
  if (cache_ram_mib < -1) {
    glm_fail(GLM_ERR_INVALID, "cache_ram_mib must be -1 (no limit), 0 (off) or a size in MiB");
    return nullptr;
  }
  auto *e = new (std::nothrow) glm_engine();
  if (e == nullptr) {
    glm_fail(GLM_ERR_INTERNAL, "out of memory");
    return nullptr;
  }
  try {
    e->model = model;
    model->engine_opened.store(true);
    e->wake = wake;
    e->n_batch = std::max(n_batch > 0 ? n_batch : 512, n_slots); // one decode token per slot must fit
    e->padding = padding;
    e->gather = std::chrono::milliseconds(gather_ms);
    e->prefill_budget = prefill_budget;
    const int32_t threads =
        n_threads > 0 ? n_threads : static_cast<int32_t>(std::thread::hardware_concurrency());
    glm_reset_llama_log_error();
    e->ctx = create_context(e, n_ctx, std::max(threads, 1), n_slots, {type_k, type_v, flash_attn});
    if (e->ctx == nullptr) {
      glm_fail(GLM_ERR_INTERNAL, "cannot create context: " + glm_last_llama_log_error());
      delete e;
      return nullptr;
    }
    e->n_ctx_slot = static_cast<int32_t>(llama_n_ctx_seq(e->ctx));
    const bool helper_ok =
        model->draft != nullptr    ? open_draft_context(e, n_ctx, std::max(threads, 1), n_slots)
        : model->mtp_drafting      ? open_mtp_context(e, n_ctx, std::max(threads, 1), n_slots)
                                   : true;
    if (!helper_ok) {
      close_mtp_context(e);
      llama_free(e->ctx);
      delete e;
      return nullptr;
    }
    init_prefix_sharing(e);
    init_host_cache(e, cache_ram_mib);
    init_speculation(e);
    e->memory = memory_json(e->ctx);
    e->batch = llama_batch_init(e->n_batch, 0, 1);
    init_slots(e, n_slots);
    e->worker = std::thread(inference_loop, e);
    e->waker = std::thread(waker_loop, e);
    return e;
  } catch (const std::exception &ex) {
    glm_fail(GLM_ERR_INTERNAL, ex.what());
    // A thread that did start must end before the engine it uses is deleted.
    {
      std::lock_guard<std::mutex> lock(e->mu);
      e->stopping = true;
    }
    e->cv.notify_all();
    if (e->worker.joinable()) e->worker.join();
    {
      std::lock_guard<std::mutex> lock(e->wake_mu);
      e->waker_stop = true;
    }
    e->wake_cv.notify_one();
    if (e->waker.joinable()) e->waker.join();
    if (e->batch.token != nullptr) llama_batch_free(e->batch);
    close_draft_context(e);
    close_mtp_context(e);
    if (e->ctx != nullptr) llama_free(e->ctx);
    delete e;
    return nullptr;
  }
}

GLM_API int32_t glm_engine_stop(glm_engine *e) {
  if (e == nullptr) return GLM_OK;
  {
    std::lock_guard<std::mutex> lock(e->mu);
    e->stopping = true;
  }
  e->cv.notify_all();
  return e->stopped.load() ? GLM_OK : GLM_LOADING;
}

GLM_API void glm_engine_free(glm_engine *e) {
  if (e == nullptr) return;
  glm_engine_stop(e);
  if (e->worker.joinable()) e->worker.join();
  if (e->waker.joinable()) e->waker.join();
  for (auto &slot : e->slots) {
    if (slot.sampler != nullptr) llama_sampler_free(slot.sampler);
  }
  llama_batch_free(e->batch);
  close_draft_context(e);
  close_mtp_context(e);
  llama_free(e->ctx);
  delete e;
}

GLM_API int32_t glm_engine_slot_context(glm_engine *e) { return e ? e->n_ctx_slot : 0; }

GLM_API int32_t glm_engine_submit(glm_engine *e, const int32_t *tokens, int32_t n_tokens,
                                  const uint32_t *params, int32_t n_params,
                                  const int32_t *stop_tokens, int32_t n_stop_tokens,
                                  const char *grammar) {
  if (e == nullptr) return glm_fail(GLM_ERR_INVALID, "engine is NULL");
  return glm_guard([&] {
    SubmitParams options;
    const std::string wrong = read_submit_params(params, n_params, options);
    if (!wrong.empty()) return glm_fail(GLM_ERR_INVALID, wrong);
    const int32_t valid =
        check_submission(e, tokens, n_tokens, options.max_tokens, options.sampling);
    if (valid != GLM_OK) return valid;
    const std::string grammar_text = grammar != nullptr ? grammar : "";
    glm_reset_llama_log_error();
    if (!grammar_text.empty() && !grammar_parses(e, grammar_text)) {
      return glm_fail(GLM_ERR_INVALID, "the grammar does not parse: " + glm_last_llama_log_error());
    }
    auto request = std::make_shared<Request>();
    request->prompt.assign(tokens, tokens + n_tokens);
    request->sampling = options.sampling;
    request->max_tokens = options.max_tokens;
    if (stop_tokens != nullptr && n_stop_tokens > 0) {
      request->stop_tokens.assign(stop_tokens, stop_tokens + n_stop_tokens);
    }
    request->ignore_eos = options.ignore_eos;
    request->grammar = grammar_text;
    request->n_logprobs = options.n_logprobs;
    request->draft_max = options.draft_max;
    {
      std::lock_guard<std::mutex> lock(e->mu);
      if (e->stopping) return glm_fail(GLM_ERR_CLOSED, "engine is shutting down");
      request->id = e->next_id++;
      if (e->next_id <= 0) e->next_id = 1;
      e->requests[request->id] = request;
      e->pending.push_back(request);
    }
    e->cv.notify_one();
    return request->id;
  });
}

GLM_API int32_t glm_engine_poll(glm_engine *e, int32_t id, uint8_t *text, int32_t text_size,
                                int32_t *pieces, int32_t max_pieces, float *logprobs,
                                int32_t logprobs_size, int32_t *result) {
  if (e == nullptr || text == nullptr || pieces == nullptr || result == nullptr) {
    return glm_fail(GLM_ERR_INVALID, "NULL argument");
  }
  if (text_size < 0 || max_pieces < 0 || logprobs_size < 0) {
    return glm_fail(GLM_ERR_INVALID, "negative buffer size");
  }
  return glm_guard([&] {
    std::lock_guard<std::mutex> lock(e->mu);
    auto request = find_request(e, id);
    if (request == nullptr) return glm_fail(GLM_ERR_NOT_FOUND, "unknown request " + std::to_string(id));
    // Take whole pieces only, as many as every buffer holds.
    int32_t n_pairs = 0;
    size_t n_bytes = 0;
    const size_t total_pairs = request->pieces.size() / 2;
    const int32_t stride = request->n_logprobs >= 0 ? 1 + 2 * request->n_logprobs : 0;
    const int32_t logprob_room = logprobs == nullptr ? 0 : logprobs_size;
    const auto logprobs_fit = [&](int32_t pairs) { return pairs * stride <= logprob_room; };
    while (static_cast<size_t>(n_pairs) < total_pairs && n_pairs < max_pieces &&
           logprobs_fit(n_pairs + 1)) {
      const auto len = static_cast<size_t>(request->pieces[2 * n_pairs + 1]);
      if (n_bytes + len > static_cast<size_t>(text_size)) break;
      n_bytes += len;
      ++n_pairs;
    }
    if (n_pairs == 0 && total_pairs > 0 && max_pieces > 0) {
      return glm_fail(GLM_ERR_BUFFER, "buffers too small for one piece");
    }
    std::memcpy(text, request->text.data(), n_bytes);
    std::memcpy(pieces, request->pieces.data(), sizeof(int32_t) * 2 * n_pairs);
    if (stride > 0) {
      const auto n_floats = static_cast<size_t>(n_pairs) * static_cast<size_t>(stride);
      std::memcpy(logprobs, request->logprobs.data(), sizeof(float) * n_floats);
      request->logprobs.erase(request->logprobs.begin(), request->logprobs.begin() + n_floats);
    }
    request->text.erase(0, n_bytes);
    request->pieces.erase(request->pieces.begin(), request->pieces.begin() + 2 * n_pairs);
    const bool drained = request->pieces.empty();
    result[GLM_RESULT_TEXT_BYTES] = static_cast<int32_t>(n_bytes);
    result[GLM_RESULT_FINISH] = drained ? request->finish : GLM_FINISH_NONE;
    result[GLM_RESULT_PROMPT_TOKENS] = static_cast<int32_t>(request->prompt.size());
    result[GLM_RESULT_COMPLETION_TOKENS] = request->n_generated;
    result[GLM_RESULT_CACHED_TOKENS] = request->n_cached;
    if (drained && request->finish != GLM_FINISH_NONE) e->requests.erase(id);
    return n_pairs;
  });
}

GLM_API int32_t glm_engine_cancel(glm_engine *e, int32_t id) {
  if (e == nullptr) return glm_fail(GLM_ERR_INVALID, "engine is NULL");
  return glm_guard([&] {
    {
      std::lock_guard<std::mutex> lock(e->mu);
      auto request = find_request(e, id);
      if (request == nullptr) {
        return glm_fail(GLM_ERR_NOT_FOUND, "unknown request " + std::to_string(id));
      }
      request->cancelled = true;
      e->requests.erase(id);
      auto queued = std::find(e->pending.begin(), e->pending.end(), request);
      if (queued != e->pending.end()) e->pending.erase(queued);
    }
    e->cv.notify_one();
    return GLM_OK;
  });
}

GLM_API void glm_engine_wake_ack(glm_engine *e) {
  if (e != nullptr) e->wake_pending.store(false);
}

GLM_API int32_t glm_engine_slots_json(glm_engine *e, char *buf, int32_t buf_size) {
  if (e == nullptr) return glm_fail(GLM_ERR_INVALID, "engine is NULL");
  return glm_guard([&] {
    std::string out = "[";
    std::lock_guard<std::mutex> lock(e->mu);
    for (size_t i = 0; i < e->snapshot.size(); ++i) {
      const auto &s = e->snapshot[i];
      out += (i ? "," : "") + std::string("{\"id\":") + std::to_string(i) +
             ",\"busy\":" + (s.busy ? "true" : "false") +
             ",\"request\":" + std::to_string(s.request_id) +
             ",\"cached_tokens\":" + std::to_string(s.cached_tokens) +
             ",\"kv_tokens\":" + std::to_string(s.kv_tokens) + "}";
    }
    return glm_copy_out(out + "]", buf, buf_size);
  });
}

namespace {

std::string host_cache_json(const HostCache &cache) {
  const bool unlimited = cache.budget == SIZE_MAX;
  return "{\"entries\":" + std::to_string(cache.n_entries.load()) +
         ",\"bytes\":" + std::to_string(cache.n_bytes.load()) +
         ",\"budget_bytes\":" + (unlimited ? std::string("-1") : std::to_string(cache.budget)) +
         ",\"hits\":" + std::to_string(cache.hits.load()) +
         ",\"saves\":" + std::to_string(cache.saves.load()) +
         ",\"evictions\":" + std::to_string(cache.evictions.load()) + "}";
}

std::string padded_remainders_json(const glm_engine *e) {
  std::string out = "[";
  if (e->calibrated.load(std::memory_order_acquire)) {
    for (size_t r = 1; r < e->pad_remainder.size(); ++r) {
      if (!e->pad_remainder[r]) continue;
      if (out.size() > 1) out += ",";
      out += std::to_string(r);
    }
  }
  return out + "]";
}

std::string rows_ms_json(const glm_engine *e) {
  if (!e->calibrated.load(std::memory_order_acquire) || e->rows_ms[0] <= 0.0) return "null";
  std::string out = "[";
  for (size_t i = 0; i < e->rows_ms.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(e->rows_ms[i]);
  }
  return out + "]";
}

} // namespace

GLM_API int32_t glm_engine_stats_json(glm_engine *e, char *buf, int32_t buf_size) {
  if (e == nullptr) return glm_fail(GLM_ERR_INVALID, "engine is NULL");
  return glm_guard([&] {
    const std::string out =
        "{\"decode_calls\":" + std::to_string(e->decode_calls.load()) +
        ",\"decoded_tokens\":" + std::to_string(e->decoded_tokens.load()) +
        ",\"peak_batch_sequences\":" + std::to_string(e->peak_batch_sequences.load()) +
        ",\"filler_tokens\":" + std::to_string(e->filler_tokens.load()) +
        ",\"peak_prefill_while_decoding\":" +
        std::to_string(e->peak_prefill_while_decoding.load()) +
        ",\"padded_remainders\":" + padded_remainders_json(e) + ",\"rows_ms\":" + rows_ms_json(e) +
        ",\"host_cache\":" + host_cache_json(e->host_cache) +
        ",\"speculation\":{\"drafted\":" + std::to_string(e->drafted_tokens.load()) +
        ",\"accepted\":" + std::to_string(e->accepted_tokens.load()) + "}" +
        ",\"memory\":" + e->memory + "}";
    return glm_copy_out(out, buf, buf_size);
  });
}
}
