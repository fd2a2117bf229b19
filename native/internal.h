// Shared between the shim's translation units; never part of the ABI.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "glm.h"
#include "llama.h"

// --- errors (errors.cpp) ---
int32_t glm_fail(int32_t status, const std::string &message);
void glm_clear_error();
// The first ERROR line llama.cpp logged on this thread since the reset, to say why.
std::string glm_last_llama_log_error();
void glm_reset_llama_log_error();
void glm_install_log_handler();

// Runs f, turning any C++ exception into a status so none crosses the ABI.
template <class F> int32_t glm_guard(F &&f) {
  try {
    return f();
  } catch (const std::exception &e) {
    return glm_fail(GLM_ERR_INTERNAL, e.what());
  } catch (...) {
    return glm_fail(GLM_ERR_INTERNAL, "unknown native error");
  }
}

// Copies s (with a NUL) into buf; returns its length, or -(length + 1) when buf is too small.
int32_t glm_copy_out(const std::string &s, char *buf, int32_t buf_size);

// --- text (text.cpp) ---
std::string json_escape(const std::string &s);
// Length of the longest prefix of s that ends on a UTF-8 character boundary.
size_t utf8_complete_prefix(const std::string &s);

// --- huge pages (huge_pages.cpp) ---
// While alive, big blocks ggml allocates on this thread are advised onto transparent huge pages.
class HugePageScope {
public:
  explicit HugePageScope(bool enabled);
  ~HugePageScope();
  HugePageScope(const HugePageScope &) = delete;
  HugePageScope &operator=(const HugePageScope &) = delete;

private:
  bool previous_;
};

// --- sampling (sampler.cpp) ---
struct SamplingParams {
  float temperature = 0.0f;
  float top_p = 1.0f;
  int32_t top_k = 0;
  float min_p = 0.0f;
  float repeat_penalty = 1.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint32_t seed = LLAMA_DEFAULT_SEED;
};
// --- submission (submit_params.cpp) ---
// glm_engine_submit's scalar options, read from the caller's GLM_PARAM_* block.
struct SubmitParams {
  int32_t max_tokens = 0;
  SamplingParams sampling;
  bool ignore_eos = false;
  int32_t n_logprobs = -1;
  int32_t draft_max = 0;
};
// Reads the block into `out`; returns "" or what is wrong with it.
std::string read_submit_params(const uint32_t *params, int32_t n_params, SubmitParams &out);

// `banned` tokens get -inf logits (EOG tokens when ignore_eos is set).
llama_sampler *make_sampler(const SamplingParams &p, const std::string &grammar,
                            const llama_vocab *vocab,
                            const std::vector<llama_token> &banned);

// --- RPC workers and fatal errors (rpc.cpp) ---
// Routes ggml's aborts (a lost RPC worker among them) to glm_fatal_error; once, on the JS thread.
void install_abort_hook();
// Appends the devices of each "host:port" worker in `endpoints` (comma-separated), after
// checking it answers; returns "" or which worker cannot be used and why.
std::string rpc_devices(const std::string &endpoints, std::vector<ggml_backend_dev_t> &devices);
// This machine's GPUs (integrated ones too), as ggml lists them; RPC workers are not among them.
std::vector<ggml_backend_dev_t> local_gpus();
// The model's devices as a JSON array of {name, description}.
std::string devices_json(const llama_model *model);
// What each buffer of the context and its model holds: [{buffer, model, context, compute}].
std::string memory_json(const llama_context *ctx);

// --- model (model.cpp) ---
struct glm_model {
  std::string path;
  int32_t n_gpu_layers = 0;
  int32_t load_mode = GLM_LOAD_AUTO;
  bool huge_pages = true;
  glm_wake_fn wake = nullptr;
  std::thread loader;
  std::atomic<int32_t> status{GLM_LOADING};
  std::atomic<float> progress{0.0f};
  std::atomic<bool> abort{false};
  std::string error; // written by the loader before status is published
  llama_model *model = nullptr;
  const llama_vocab *vocab = nullptr;
  // Per token id: render as text in generated output even if it is a CONTROL token. Written
  // only before an engine opens (which sets engine_opened), read by inference threads after.
  std::vector<bool> visible;
  std::atomic<bool> engine_opened{false};
  // A smaller model that drafts for this one (glm_model_set_draft); set before an engine opens.
  glm_model *draft = nullptr;
  bool load_mtp = false;     // load the next-token (MTP) head's weights too
  std::string rpc;           // "host:port,..." of RPC workers that take layers (rpc.cpp)
  std::vector<float> tensor_split; // proportions per device, empty for llama.cpp's default
  bool mtp_drafting = false; // engines draft with that head (glm_model_set_mtp_drafting)
};

// --- engine (engine.cpp, inference_loop.cpp) ---
struct Request {
  int32_t id = 0;
  std::vector<llama_token> prompt;
  SamplingParams sampling;
  int32_t max_tokens = 0;
  std::vector<llama_token> stop_tokens;
  bool ignore_eos = false;
  std::string grammar; // GBNF, empty for none
  int32_t n_logprobs = -1; // alternatives to record per token; -1 records nothing
  int32_t draft_max = 0;   // tokens a step may draft (speculation.cpp); 0 drafts none
  // Output, guarded by glm_engine::mu.
  std::string text;
  std::vector<int32_t> pieces; // (token, byte count) pairs
  std::vector<float> logprobs; // 1 + 2 * n_logprobs floats per pair when n_logprobs >= 0
  int32_t finish = GLM_FINISH_NONE;
  int32_t n_generated = 0;
  int32_t n_cached = 0;
  bool cancelled = false;
};

// One sequence of the context; owned by the inference thread.
struct Slot {
  int32_t seq = 0;
  std::vector<llama_token> cache; // tokens whose KV cells this sequence holds
  std::shared_ptr<Request> request;
  size_t prompt_done = 0;          // prompt tokens already in the cache
  llama_token next_token = -1;     // sampled, not yet decoded
  llama_sampler *sampler = nullptr;
  std::string utf8_tail;           // bytes of an unfinished character
  int32_t batch_index = -1;        // where this slot's logits are in the current batch
  uint64_t last_used = 0;
  // Speculation (speculation.cpp): this step's drafted tokens, decoded right after next_token
  // (their logits follow batch_index), and how the slot's drafts have fared.
  std::vector<llama_token> draft;
  int32_t draft_cap = 0;   // most tokens the next draft may hold
  int32_t draft_pause = 0; // steps left without drafting
  int32_t draft_misses = 0; // drafts in a row that the target rejected outright
};

struct SlotSnapshot {
  bool busy = false;
  int32_t request_id = 0;
  int32_t cached_tokens = 0;
  int32_t kv_tokens = 0; // what llama.cpp's memory holds for the sequence, to check the two agree
};

// One saved sequence state of the host prompt cache.
struct HostCacheEntry {
  std::vector<llama_token> tokens; // what the state's KV cells hold
  std::vector<uint8_t> state;      // llama_state_seq_get_data_ext's bytes
  uint64_t last_used = 0;
};

// Inference thread only, except the counters that glm_engine_stats_json reads.
struct HostCache {
  size_t budget = 0; // bytes; 0 turns the cache off
  uint64_t clock = 0;
  std::list<HostCacheEntry> entries;
  std::atomic<int32_t> n_entries{0};
  std::atomic<int64_t> n_bytes{0};
  std::atomic<uint64_t> hits{0};
  std::atomic<uint64_t> saves{0};
  std::atomic<uint64_t> evictions{0};
};

// The draft model's context, one sequence per slot (draft_model.cpp), inference thread only.
struct DraftContext {
  llama_context *ctx = nullptr;
  llama_batch batch{};
  int32_t n_batch = 0;
  int32_t n_vocab = 0; // tokens it may propose: those both vocabularies share
  std::vector<std::vector<llama_token>> cached; // per slot: tokens whose cells its sequence holds
};

// What the MTP head holds for one slot (mtp.cpp).
struct MtpSequence {
  std::vector<llama_token> cached; // tokens whose cells the head's sequence holds
  std::vector<float> h;            // the target's hidden state at position h_pos
  llama_pos h_pos = -1;
};

// The MTP head's context, one sequence per slot (mtp.cpp), inference thread only.
struct MtpContext {
  llama_context *ctx = nullptr;
  llama_batch batch{}; // tokens and hidden states both
  int32_t n_batch = 0;
  int32_t n_embd = 0;
  int32_t n_vocab = 0;
  std::vector<float> zeros;
  std::vector<MtpSequence> seqs;
};

struct glm_engine {
  glm_model *model = nullptr;
  llama_context *ctx = nullptr;
  llama_batch batch{};
  int32_t n_batch = 512;
  int32_t n_ctx_slot = 0;
  // Batch padding (batch_padding.cpp).
  int32_t padding = GLM_PADDING_AUTO;
  std::array<bool, 4> pad_remainder{}; // [r]: round a batch of 4k + r rows up to 4(k + 1)
  std::vector<std::pair<llama_seq_id, llama_pos>> fillers; // this step's, inference thread only
  std::array<double, 4> rows_ms{};     // calibration: ms to decode 1..4 rows
  std::atomic<bool> calibrated{false}; // publishes the two arrays above to other threads
  std::chrono::milliseconds gather{0};  // see glm_engine_open's gather_ms
  // Prefill step budget (see glm_engine_open's prefill_budget); the rest is inference thread only.
  int32_t prefill_budget = GLM_PREFILL_BUDGET_AUTO;
  int32_t step_decode_rows = 0;     // this step's generating rows
  int32_t step_prefill_tokens = 0;  // this step's prompt tokens
  int32_t step_draft_tokens = 0;    // this step's drafted tokens
  double decode_step_ms = 0.0;      // running average of steps without prefill
  double prefill_ms_per_token = 0.0; // running average of prefill's share of a step
  std::atomic<int32_t> peak_prefill_while_decoding{0};
  size_t min_shared_tokens = 0;         // prefix_sharing.cpp; 0 turns sharing off
  bool drafting = false;                // speculation.cpp: whether drafted cells can be dropped
  DraftContext draft;                   // draft_model.cpp; no ctx when drafting by prompt lookup
  MtpContext mtp;                       // mtp.cpp; no ctx unless drafting with the MTP head
  HostCache host_cache;                 // host_cache.cpp
  glm_wake_fn wake = nullptr;
  std::atomic<bool> wake_pending{false};
  // The waker thread makes the wake call, since a runtime may block the caller until JS runs it.
  std::thread waker;
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool wake_requested = false;
  bool waker_stop = false;
  std::atomic<bool> stopped{false};

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int32_t next_id = 1;
  std::deque<std::shared_ptr<Request>> pending;
  std::unordered_map<int32_t, std::shared_ptr<Request>> requests;
  std::vector<SlotSnapshot> snapshot; // what glm_engine_slots_json reports

  std::vector<Slot> slots; // inference thread only
  uint64_t step = 0;

  // Written by the inference thread, read by glm_engine_stats_json.
  std::atomic<uint64_t> decode_calls{0};
  std::atomic<uint64_t> decoded_tokens{0};
  std::atomic<uint64_t> filler_tokens{0};
  std::atomic<int32_t> peak_batch_sequences{0};
  std::atomic<uint64_t> drafted_tokens{0};
  std::atomic<uint64_t> accepted_tokens{0};
  std::string memory; // memory_json at open: where the weights and caches live
  std::thread worker;
};

void inference_loop(glm_engine *engine);
// The likeliest of the first n_vocab tokens at a row of the context's last decode: a draft's
// greedy guess (the draft model's or the MTP head's), restricted to tokens the target has.
llama_token likeliest_token(llama_context *ctx, int32_t row, int32_t n_vocab);
// A context of n_ctx tokens over n_slots sequences (one KV stream each) for this engine's
// batches: the engine's own, and its draft model's or MTP head's beside it.
llama_context_params slot_context_params(const glm_engine *engine, int32_t n_ctx,
                                         int32_t n_threads, int32_t n_slots);
void batch_add(llama_batch &batch, llama_token token, llama_pos pos, llama_seq_id seq, bool logits);

// Length of the common prefix of two token sequences.
size_t common_prefix(const std::vector<llama_token> &a, const std::vector<llama_token> &b);

// --- prefix sharing (prefix_sharing.cpp), inference thread only ---
// Decides whether, and from how many shared tokens on, this model and context share prefixes.
void init_prefix_sharing(glm_engine *engine);
// Gives each slot about to prefill the KV cells of the slot sharing most of its prompt.
void share_prefixes(glm_engine *engine);
// Where this step's prefill of a slot should stop: at the end of its prompt, or at the end of
// the prefix a later slot will copy, so that the two go on to their own tokens in the same step
// and generate in step with each other.
size_t prefill_end(const glm_engine *engine, const Slot &slot);
// Whether a slot should wait a step for the prefix a slot in this batch is prefilling now.
bool waits_for_shared_prefix(const glm_engine *engine, const Slot &slot,
                             const std::vector<const Slot *> &prefilling);

// --- batch padding (batch_padding.cpp), inference thread only ---
// Times 1..4-row decodes and decides which remainders to round up (GLM_PADDING_AUTO).
void calibrate_padding(glm_engine *engine);
// Orders the built batch by sequence and adds filler tokens where calibrated; returns how many.
int32_t shape_batch(glm_engine *engine);
// Frees the filler tokens' KV cells after the decode.
void drop_fillers(glm_engine *engine);
void waker_loop(glm_engine *engine);
void engine_wake(glm_engine *engine);

// --- host prompt cache (host_cache.cpp), inference thread only ---
// Sets the budget: cache_ram_mib MiB, -1 for no limit, 0 (or a model whose state cannot be
// cut back to a prefix) for none.
void init_host_cache(glm_engine *engine, int32_t cache_ram_mib);
// Before the slot's cells past `keep` are dropped: keeps its whole history in RAM, when enough
// of it would be lost.
void save_to_host(glm_engine *engine, const Slot &slot, size_t keep);
// Restores into the slot the saved state sharing the longest prefix with the prompt, when that
// beats the `have` tokens the slot already shares by enough; returns the prefix the slot then
// holds (its cache may run past it).
size_t restore_from_host(glm_engine *engine, Slot &slot, const std::vector<llama_token> &prompt,
                         size_t have);

// --- speculation (speculation.cpp), inference thread only ---
// Decides whether this model's memory can drop a rejected draft's cells.
void init_speculation(glm_engine *engine);
// Resets the slot's drafting state for a new request.
void start_drafting(Slot &slot);
// How many tokens the slot drafts this step, at most `room`: none while it pauses (which this
// counts down), else as many as its drafts have earned.
int32_t draft_limit(Slot &slot, int32_t room);
// Drafts up to `limit` tokens to follow the slot's next token: the continuation of the latest
// earlier place in its prompt or reply where its last few tokens occurred (prompt lookup).
// Returns them in slot.draft; empty when nothing matches.
void draft_by_lookup(Slot &slot, int32_t limit);
// After verification: how many of the step's drafted tokens the target kept, which sizes or
// pauses the slot's next drafts.
void record_draft(glm_engine *engine, Slot &slot, size_t accepted);

// --- draft model (draft_model.cpp) ---
// Why `draft` cannot draft for `target` (their vocabularies differ, or its memory cannot drop
// rejected tokens), or "".
std::string draft_mismatch(const glm_model *target, const glm_model *draft);
// Creates the draft model's context beside the engine's; false with the message set on failure.
bool open_draft_context(glm_engine *engine, int32_t n_ctx, int32_t n_threads, int32_t n_slots);
void close_draft_context(glm_engine *engine);
// Inference thread: drafts up to limits[i] tokens for each generating slot i with the draft
// model, greedily, all slots in one draft decode per drafted position. Returns them in slot.draft.
void draft_by_model(glm_engine *engine, const std::vector<int32_t> &limits);

// --- MTP head (mtp.cpp) ---
// Creates the head's context beside the engine's; false with the message set on failure.
bool open_mtp_context(glm_engine *engine, int32_t n_ctx, int32_t n_threads, int32_t n_slots);
void close_mtp_context(glm_engine *engine);
// Inference thread, after each verified step: feeds the head every token the target kept,
// each with the target's hidden state of the position before.
void follow_with_mtp(glm_engine *engine);
// Inference thread: drafts up to limits[i] tokens for each generating slot i with the head,
// greedily, all slots in one head decode per drafted position. Returns them in slot.draft.
void draft_by_mtp(glm_engine *engine, const std::vector<int32_t> &limits);
