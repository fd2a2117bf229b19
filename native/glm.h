/*
 * glm.h: the C ABI of libglm, glm-serve's shim over llama.cpp.
 *
 * Plain C types only: opaque handles, scalars, `const char*` and caller-owned buffers, so that
 * bun:ffi and Deno FFI can call every function. No struct crosses by value.
 * Every call that can fail returns a status (< 0) or NULL and keeps a one-line message that
 * glm_last_error() returns. No C++ exception crosses this boundary.
 */
#ifndef GLM_H
#define GLM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GLM_API __attribute__((visibility("default")))

/* Status codes. */
#define GLM_OK 0
#define GLM_LOADING 1
#define GLM_ERR_INVALID -1      /* bad argument */
#define GLM_ERR_NOT_FOUND -2    /* missing file, unknown request id */
#define GLM_ERR_BAD_MODEL -3    /* not a GGUF, truncated, unsupported arch */
#define GLM_ERR_CONTEXT -4      /* prompt does not fit in a slot's context */
#define GLM_ERR_BUFFER -5       /* caller buffer too small; the needed size is returned instead */
#define GLM_ERR_INTERNAL -6     /* llama.cpp failed (out of memory, decode error) */
#define GLM_ERR_CLOSED -7       /* engine is shutting down */

/* Most tokens one request may draft a step (GLM_PARAM_DRAFT_MAX). */
#define GLM_MAX_DRAFT 64

/* Most alternatives per token that glm_engine_submit's GLM_PARAM_N_LOGPROBS may ask for. */
#define GLM_MAX_LOGPROBS 20

/* glm_engine_open's `padding`: fill decode steps of 4k + 1..3 rows up to whole 4-row tiles,
 * with one throwaway token in each of some idle slots, where a startup timing shows 4 rows cost
 * less (AUTO), always (ON, for tests), or never (OFF). */
#define GLM_PADDING_AUTO -1
#define GLM_PADDING_OFF 0
#define GLM_PADDING_ON 1

/* glm_engine_open's KV cache types (ggml's type numbers): quantized caches take less memory. */
#define GLM_KV_F16 1
#define GLM_KV_Q4_0 2
#define GLM_KV_Q8_0 8

/* glm_engine_open's `flash_attn` (llama.cpp's): AUTO lets llama.cpp choose per device. */
#define GLM_FLASH_ATTN_AUTO -1
#define GLM_FLASH_ATTN_OFF 0
#define GLM_FLASH_ATTN_ON 1

/* glm_engine_open's `prefill_budget`: while any slot is generating, a step's prefill tokens are
 * capped so running streams never stall on a long prompt. AUTO keeps a step near six decode
 * steps' cost, from measured step times; NONE fills steps to n_batch; N > 0 caps at N tokens. */
#define GLM_PREFILL_BUDGET_AUTO -1
#define GLM_PREFILL_BUDGET_NONE 0

/* Finish reasons reported by glm_engine_poll. */
#define GLM_FINISH_NONE 0
#define GLM_FINISH_STOP 1
#define GLM_FINISH_LENGTH 2
#define GLM_FINISH_CANCELLED 3
#define GLM_FINISH_ERROR 4

/* Fields of the `result` array filled by glm_engine_poll. */
#define GLM_RESULT_TEXT_BYTES 0
#define GLM_RESULT_FINISH 1
#define GLM_RESULT_PROMPT_TOKENS 2
#define GLM_RESULT_COMPLETION_TOKENS 3
#define GLM_RESULT_CACHED_TOKENS 4
#define GLM_RESULT_COUNT 5

typedef struct glm_model glm_model;
typedef struct glm_engine glm_engine;

/* Called from a native thread to tell JS there is something to read. It must only wake JS:
 * never call back into libglm from inside it. */
typedef void (*glm_wake_fn)(void);

/* The message of the last failure on this thread, or "" when none. Owned by libglm. */
GLM_API const char *glm_last_error(void);

/* llama.cpp's own log lines go to stderr when verbose is 1, and are dropped otherwise. */
GLM_API void glm_set_verbose(int32_t verbose);

/* glm_model_open's `load`: memory-map the file (MMAP), read it into memory (READ), or AUTO:
 * READ when every weight stays on the CPU, where llama.cpp repacks most of them into a copy of
 * its own and the mapped file would stay resident beside it; MMAP when a GPU takes layers. */
#define GLM_LOAD_AUTO -1
#define GLM_LOAD_READ 0
#define GLM_LOAD_MMAP 1

/* Starts loading a GGUF on a background thread and returns at once. `load` is one of
 * GLM_LOAD_*. huge_pages = 1 puts weights that are read (not mapped) on transparent huge pages
 * where the OS has them (Linux), for faster decoding. load_mtp = 1 also loads the next-token
 * (MTP, "nextn") layers a GGUF may carry, for glm_model_set_mtp_drafting. `rpc` (NULL or "" for
 * none) lists llama.cpp RPC workers, "host:port,host:port", whose devices take the offloaded
 * layers (n_gpu_layers) before this machine's GPUs; a worker that does not answer within 3 s
 * fails the load with GLM_ERR_NOT_FOUND, naming it. tensor_split (n_split floats, at most
 * llama_max_devices(); NULL and 0 for llama.cpp's split by free memory) gives each device's
 * share, in that order. `wake` (may be NULL) is called as progress moves; poll
 * glm_model_status for the end, and free only after it. Returns NULL only when the path is
 * NULL, `load` or the split is bad, or memory runs out. Free with glm_model_free. */
GLM_API glm_model *glm_model_open(const char *path, int32_t n_gpu_layers, int32_t load,
                                  int32_t huge_pages, int32_t load_mtp, const char *rpc,
                                  const float *tensor_split, int32_t n_split, glm_wake_fn wake);

/* GLM_LOADING while loading, GLM_OK when ready, or the load's error status (and its message
 * becomes this thread's glm_last_error). */
GLM_API int32_t glm_model_status(glm_model *model);

/* Load progress in [0, 1]. */
GLM_API float glm_model_progress(glm_model *model);

/* Waits for the load to end (aborting it if still running) and frees the model. The model
 * must outlive every engine opened on it. NULL is a no-op. */
GLM_API void glm_model_free(glm_model *model);

/* Model info as one JSON object, written to buf with a NUL. Returns the JSON's byte length,
 * or GLM_ERR_BUFFER-style: when buf is too small, returns -(length + 1). */
GLM_API int32_t glm_model_info_json(glm_model *model, char *buf, int32_t buf_size);

/* Tokens that generated text shows as their text even where the GGUF types them CONTROL: the
 * reply markers a chat format parses (<think>, <tool_call>, ...), which would otherwise print
 * as nothing. Replaces the model's set (none by default). Only before glm_engine_open: later,
 * and for ids outside the vocabulary, it returns GLM_ERR_INVALID and changes nothing. */
GLM_API int32_t glm_model_set_visible_tokens(glm_model *model, const int32_t *tokens,
                                             int32_t n_tokens);

/* Pairs `target` with a smaller `draft` model for speculation: engines opened on target
 * afterwards draft each request's GLM_PARAM_DRAFT_MAX tokens with it, greedily, instead of by
 * prompt lookup. Its vocabulary must be the target's, token for token (sizes may differ by up
 * to 128), and its memory must drop tokens (no recurrent or hybrid model): otherwise
 * GLM_ERR_INVALID says why. Only before glm_engine_open; NULL unpairs. The draft model must
 * outlive every engine opened on target. */
GLM_API int32_t glm_model_set_draft(glm_model *target, glm_model *draft);
/* on = 1: engines opened on the model afterwards draft with its own next-token (MTP) head,
 * as GLM-4.5 and later ship one, instead of by prompt lookup. The model must have been opened
 * with load_mtp = 1 and have nextn layers (glm_model_info_json's nLayerNextn), and no draft
 * model: otherwise GLM_ERR_INVALID says why. Only before glm_engine_open; 0 turns it off. */
GLM_API int32_t glm_model_set_mtp_drafting(glm_model *model, int32_t on);
/* "" while all is well; once ggml has hit an error it cannot return (a lost RPC worker, a
 * failed assertion), what it said. The thread that hit it is parked for good, so every request
 * it served is lost: the caller should fail them and exit (glm_exit_now). Owned by libglm. */
GLM_API const char *glm_fatal_error(void);
/* Ends the process at once with `code`, without running exit handlers, which could wait on a
 * parked thread. */
GLM_API void glm_exit_now(int32_t code);
/* Serves this machine's devices (its GPUs, else its CPU) to llama.cpp RPC clients on
 * host:port, one client at a time, with n_threads CPU threads (<= 0: all cores) and an
 * optional tensor cache folder (NULL or "" for none). Blocks for good; returns
 * GLM_ERR_INTERNAL only if it cannot listen. */
GLM_API int32_t glm_rpc_serve(const char *host, int32_t port, int32_t n_threads,
                              const char *cache_dir);
/* Tokenizes text_len bytes. parse_special = 1 turns special-token text into its token.
 * Returns the token count, or -(count) when `tokens` is too small. */
GLM_API int32_t glm_tokenize(glm_model *model, const char *text, int32_t text_len,
                             int32_t parse_special, int32_t *tokens, int32_t max_tokens);

/* Turns tokens back into UTF-8 text (special tokens rendered as text). Returns the byte count,
 * or -(count) when buf is too small. */
GLM_API int32_t glm_detokenize(glm_model *model, const int32_t *tokens, int32_t n_tokens,
                               char *buf, int32_t buf_size);

/* Creates a context of n_ctx tokens split over n_slots sequences and starts the inference
 * thread. n_threads <= 0 picks the core count; n_batch <= 0 picks 512; padding is one of
 * GLM_PADDING_*. gather_ms (0..1000): when a request reaches an idle engine, admission waits
 * while more keep arriving within gather_ms of each other (4 * gather_ms at most, or until every
 * slot has one), so a burst of clients is prefilled in one step; 0 admits at once. type_k and
 * type_v are GLM_KV_* (a quantized V cache needs flash attention, which llama.cpp refuses to
 * create without); flash_attn is GLM_FLASH_ATTN_*; prefill_budget is GLM_PREFILL_BUDGET_* or a
 * token count. cache_ram_mib sizes the host-memory prompt cache, where a slot's history is
 * kept when another prompt takes the slot and restored when its conversation returns: MiB, -1
 * for no limit, 0 for none. `wake` (may be NULL) is called when requests
 * have output to poll. Free with glm_engine_free. */
GLM_API glm_engine *glm_engine_open(glm_model *model, int32_t n_ctx, int32_t n_threads,
                                    int32_t n_slots, int32_t n_batch, int32_t padding,
                                    int32_t gather_ms, int32_t type_k, int32_t type_v,
                                    int32_t flash_attn, int32_t prefill_budget,
                                    int32_t cache_ram_mib, glm_wake_fn wake);

/* Asks the engine's threads to stop, cancelling running requests, and returns at once:
 * GLM_LOADING while they still run, GLM_OK once stopped. Keep the JS event loop turning
 * between calls (a thread may be waiting for JS to run the wake callback). */
GLM_API int32_t glm_engine_stop(glm_engine *engine);

/* Frees the engine; call after glm_engine_stop returned GLM_OK, or it may wait on JS. */
GLM_API void glm_engine_free(glm_engine *engine);

/* Tokens one request may hold: n_ctx / n_slots. */
GLM_API int32_t glm_engine_slot_context(glm_engine *engine);

/* glm_engine_submit's parameter block: GLM_PARAM_COUNT 4-byte fields in the caller's memory,
 * each read as the type its name gives. temperature <= 0 means greedy; top_k <= 0, top_p >= 1,
 * min_p <= 0, repeat_penalty == 1 and zero presence/frequency penalties disable those samplers.
 * ignore_eos = 1 generates through EOG tokens. n_logprobs >= 0 records each token's
 * log-probability under the model and its n_logprobs (at most GLM_MAX_LOGPROBS) likeliest
 * alternatives; -1 records none. draft_max > 0 lets the request draft up to that many tokens
 * a step (at most GLM_MAX_DRAFT), which the target checks in the same batch: from its own
 * prompt and reply (prompt lookup), or with the model's draft model or MTP head where one is
 * set; 0 turns it off. New fields go at the end, and GLM_PARAM_COUNT grows. */
#define GLM_PARAM_MAX_TOKENS 0        /* int32 */
#define GLM_PARAM_TEMPERATURE 1       /* float */
#define GLM_PARAM_TOP_P 2             /* float */
#define GLM_PARAM_TOP_K 3             /* int32 */
#define GLM_PARAM_MIN_P 4             /* float */
#define GLM_PARAM_REPEAT_PENALTY 5    /* float */
#define GLM_PARAM_PRESENCE_PENALTY 6  /* float */
#define GLM_PARAM_FREQUENCY_PENALTY 7 /* float */
#define GLM_PARAM_SEED 8              /* uint32 */
#define GLM_PARAM_IGNORE_EOS 9        /* int32, 0 or 1 */
#define GLM_PARAM_N_LOGPROBS 10       /* int32 */
#define GLM_PARAM_DRAFT_MAX 11        /* int32 */
#define GLM_PARAM_COUNT 12

/* Queues a generation; the prompt, the block and the stop tokens are copied. `params` holds
 * n_params fields (GLM_PARAM_*; a count this libglm does not read is GLM_ERR_INVALID).
 * stop_tokens end generation like EOG tokens. grammar (GBNF, root rule "root"; NULL or "" for
 * none) constrains every sampled token. Returns a request id > 0, or a status < 0
 * (GLM_ERR_CONTEXT when the prompt cannot fit in a slot, GLM_ERR_INVALID for a bad field or a
 * grammar that does not parse). */
GLM_API int32_t glm_engine_submit(glm_engine *engine, const int32_t *tokens, int32_t n_tokens,
                                  const uint32_t *params, int32_t n_params,
                                  const int32_t *stop_tokens, int32_t n_stop_tokens,
                                  const char *grammar);

/* Moves a request's new output into caller buffers: UTF-8 bytes into `text`, and for each
 * generated token a (token id, byte count) pair into `pieces`. A character split across tokens
 * is held back until whole, so a pair may count 0 bytes. `result` (GLM_RESULT_COUNT int32s)
 * receives the bytes written, the finish reason and the token counts. With n_logprobs >= 0,
 * `logprobs` receives per pair 1 + 2 * n_logprobs floats: the token's log-probability, then
 * (token id, log-probability) for each alternative, likeliest first. Returns the number of
 * pairs written (call again while it fills `pieces`); once the finish reason is not
 * GLM_FINISH_NONE and everything is drained, the request is forgotten. */
GLM_API int32_t glm_engine_poll(glm_engine *engine, int32_t request_id, uint8_t *text,
                                int32_t text_size, int32_t *pieces, int32_t max_pieces,
                                float *logprobs, int32_t logprobs_size, int32_t *result);

/* Cancels a request: it leaves its slot at the next step and its id is forgotten. */
GLM_API int32_t glm_engine_cancel(glm_engine *engine, int32_t request_id);

/* Re-arms the wake callback; call it before draining, so output that lands during the drain
 * wakes JS again. */
GLM_API void glm_engine_wake_ack(glm_engine *engine);

/* Slots as a JSON array: [{"id","busy","request","cached_tokens","kv_tokens"}], where
 * cached_tokens is the slot's token history and kv_tokens what the KV cache holds for it (they
 * agree unless cells leak). Same return convention as glm_model_info_json. */
GLM_API int32_t glm_engine_slots_json(glm_engine *engine, char *buf, int32_t buf_size);

/* Counters since the engine opened, as JSON: {"decode_calls","decoded_tokens",
 * "peak_batch_sequences","filler_tokens","padded_remainders","rows_ms"}. peak_batch_sequences
 * is the most sequences one llama_decode call carried, which shows continuous batching at work;
 * padded_remainders lists the r in 1..3 for which a batch of 4k + r rows is rounded up, and
 * rows_ms the startup timings (1..4 rows) that chose them; "speculation" counts the tokens
 * drafted and the drafted tokens the target accepted. Same return convention as
 * glm_model_info_json. */
GLM_API int32_t glm_engine_stats_json(glm_engine *engine, char *buf, int32_t buf_size);

#ifdef __cplusplus
}
#endif

#endif /* GLM_H */
