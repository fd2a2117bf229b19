// Loading a GGUF on a background thread, and what can be asked of a loaded model.
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

#include "internal.h"

namespace {

// Checks what llama.cpp would otherwise report vaguely: existence, type and the GGUF magic.
int32_t precheck_file(const std::string &path, std::string &error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    error = "model file not found: " + path;
    return GLM_ERR_NOT_FOUND;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "model path is not a regular file: " + path;
    return GLM_ERR_BAD_MODEL;
  }
  FILE *f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = "cannot read model file: " + path;
    return GLM_ERR_NOT_FOUND;
  }
  char magic[4] = {0, 0, 0, 0};
  const size_t got = std::fread(magic, 1, 4, f);
  std::fclose(f);
  if (got < 4 || std::memcmp(magic, "GGUF", 4) != 0) {
    error = "not a GGUF file (bad magic): " + path;
    return GLM_ERR_BAD_MODEL;
  }
  return GLM_OK;
}

bool on_progress(float progress, void *user) {
  auto *m = static_cast<glm_model *>(user);
  const float before = m->progress.exchange(progress);
  if (m->wake != nullptr && progress - before >= 0.01f) m->wake();
  return !m->abort.load();
}

llama_load_mode llama_load_mode_for(const glm_model *m) {
  if (m->load_mode == GLM_LOAD_MMAP) return LLAMA_LOAD_MODE_MMAP;
  if (m->load_mode == GLM_LOAD_READ) return LLAMA_LOAD_MODE_NONE;
  // llama_supports_gpu_offload() is true in every build, since RPC could take layers; what
  // counts is whether this load has a GPU or a worker to give them to.
  const bool has_gpu = !m->rpc.empty() || !local_gpus().empty();
  const bool cpu_only = m->n_gpu_layers == 0 || !has_gpu;
  return cpu_only ? LLAMA_LOAD_MODE_NONE : LLAMA_LOAD_MODE_AUTO;
}

void load(glm_model *m) {
  std::string error;
  int32_t status = precheck_file(m->path, error);
  if (status == GLM_OK) {
    auto params = llama_model_default_params();
    params.n_gpu_layers = m->n_gpu_layers;
    params.load_mode = llama_load_mode_for(m);
    params.load_mtp = m->load_mtp;
    std::vector<ggml_backend_dev_t> devices;
    if (!m->rpc.empty()) {
      error = rpc_devices(m->rpc, devices);
      if (!error.empty()) {
        m->error = error;
        m->status.store(GLM_ERR_NOT_FOUND);
        return;
      }
      // The workers' devices first, then this machine's GPUs; the CPU holds what -ngl leaves.
      const auto gpus = local_gpus();
      devices.insert(devices.end(), gpus.begin(), gpus.end());
      devices.push_back(nullptr);
      params.devices = devices.data();
    }
    if (!m->tensor_split.empty()) params.tensor_split = m->tensor_split.data();
    params.progress_callback = on_progress;
    params.progress_callback_user_data = m;
    glm_reset_llama_log_error();
    try {
      // Only weights read into anonymous memory can go on huge pages; a mapped file cannot.
      HugePageScope huge(m->huge_pages && params.load_mode == LLAMA_LOAD_MODE_NONE);
      m->model = llama_model_load_from_file(m->path.c_str(), params);
    } catch (const std::exception &e) {
      m->model = nullptr;
      error = e.what();
    }
    if (m->model == nullptr) {
      const std::string why = glm_last_llama_log_error();
      error = "cannot load model " + m->path + ": " +
              (m->abort.load() ? "aborted" : why.empty() ? error : why);
      status = GLM_ERR_BAD_MODEL;
    } else {
      m->vocab = llama_model_get_vocab(m->model);
      m->progress.store(1.0f);
    }
  }
  m->error = error;
  // No wake here: a runtime may block this thread in the call until JS runs it, and JS frees
  // the model (joining this thread) as soon as it sees the status. JS polls for the end.
  m->status.store(status);
}

std::string meta_string(const llama_model *model, const char *key) {
  char buf[512];
  const int32_t n = llama_model_meta_val_str(model, key, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, std::min<size_t>(n, sizeof buf - 1));
}

const char *vocab_type_name(enum llama_vocab_type type) {
  switch (type) {
  case LLAMA_VOCAB_TYPE_SPM: return "spm";
  case LLAMA_VOCAB_TYPE_BPE: return "bpe";
  case LLAMA_VOCAB_TYPE_WPM: return "wpm";
  case LLAMA_VOCAB_TYPE_UGM: return "ugm";
  case LLAMA_VOCAB_TYPE_RWKV: return "rwkv";
  default: return "none";
  }
}

bool is_bulk_metadata(const std::string &key) {
  return key.rfind("tokenizer.ggml.", 0) == 0 && key != "tokenizer.ggml.model" &&
         key != "tokenizer.ggml.pre";
}

std::string metadata_json(const llama_model *model) {
  std::string out = "{";
  std::vector<char> key(256), value(4096);
  const int32_t count = llama_model_meta_count(model);
  bool first = true;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t nk = llama_model_meta_key_by_index(model, i, key.data(), key.size());
    if (nk < 0) continue;
    const std::string k(key.data());
    if (is_bulk_metadata(k) || k == "tokenizer.chat_template") continue;
    const int32_t nv = llama_model_meta_val_str_by_index(model, i, value.data(), value.size());
    if (nv < 0) continue;
    out += (first ? "" : ",") + json_escape(k) + ":" + json_escape(value.data());
    first = false;
  }
  return out + "}";
}

std::string tokens_json(const llama_vocab *vocab) {
  std::string eog = "[", special = "{";
  const int32_t n = llama_vocab_n_tokens(vocab);
  for (llama_token t = 0; t < n; ++t) {
    if (llama_vocab_is_eog(vocab, t)) eog += (eog.size() > 1 ? "," : "") + std::to_string(t);
    const auto attr = llama_vocab_get_attr(vocab, t);
    if ((attr & (LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED)) == 0) continue;
    special += (special.size() > 1 ? "," : "") + json_escape(llama_vocab_get_text(vocab, t)) +
               ":" + std::to_string(t);
  }
  return "\"eogTokens\":" + eog + "],\"specialTokens\":" + special + "}";
}

std::string info_json(const glm_model *m) {
  const char *tmpl = llama_model_chat_template(m->model, nullptr);
  std::string out = "{";
  out += "\"arch\":" + json_escape(meta_string(m->model, "general.architecture"));
  out += ",\"name\":" + json_escape(meta_string(m->model, "general.name"));
  out += ",\"tokenizerModel\":" + json_escape(meta_string(m->model, "tokenizer.ggml.model"));
  out += ",\"vocabType\":" + json_escape(vocab_type_name(llama_vocab_type(m->vocab)));
  out += ",\"nVocab\":" + std::to_string(llama_vocab_n_tokens(m->vocab));
  out += ",\"nCtxTrain\":" + std::to_string(llama_model_n_ctx_train(m->model));
  out += ",\"nLayerNextn\":" + std::to_string(llama_model_n_layer_nextn(m->model));
  out += ",\"nLayer\":" + std::to_string(llama_model_n_layer(m->model));
  out += ",\"devices\":" + devices_json(m->model);
  out += ",\"chatTemplate\":" + (tmpl ? json_escape(tmpl) : std::string("null"));
  out += ",\"bos\":" + std::to_string(llama_vocab_bos(m->vocab));
  out += ",\"eos\":" + std::to_string(llama_vocab_eos(m->vocab));
  out += "," + tokens_json(m->vocab);
  out += ",\"metadata\":" + metadata_json(m->model);
  return out + "}";
}

int32_t require_ready(glm_model *m) {
  if (m == nullptr) return glm_fail(GLM_ERR_INVALID, "model is NULL");
  if (m->status.load() != GLM_OK) return glm_fail(GLM_ERR_INVALID, "model is not loaded");
  return GLM_OK;
}

} // namespace

extern "C" {

GLM_API glm_model *glm_model_open(const char *path, int32_t n_gpu_layers, int32_t load_mode,
                                  int32_t huge_pages, int32_t load_mtp, const char *rpc,
                                  const float *tensor_split, int32_t n_split, glm_wake_fn wake) {
  if (path == nullptr) {
    glm_fail(GLM_ERR_INVALID, "model path is NULL");
    return nullptr;
  }
  if (load_mode != GLM_LOAD_AUTO && load_mode != GLM_LOAD_READ && load_mode != GLM_LOAD_MMAP) {
    glm_fail(GLM_ERR_INVALID, "load must be GLM_LOAD_AUTO, _READ or _MMAP");
    return nullptr;
  }
  const auto max_devices = static_cast<int32_t>(llama_max_devices());
  if (n_split < 0 || n_split > max_devices || (n_split > 0 && tensor_split == nullptr)) {
    glm_fail(GLM_ERR_INVALID, "tensor_split takes 0.." + std::to_string(max_devices) + " values");
    return nullptr;
  }
  try {
    glm_install_log_handler();
    install_abort_hook();
    auto *m = new glm_model();
    m->rpc = rpc != nullptr ? rpc : "";
    if (n_split > 0) {
      m->tensor_split.assign(static_cast<size_t>(max_devices), 0.0f);
      std::copy(tensor_split, tensor_split + n_split, m->tensor_split.begin());
    }
    m->path = path;
    m->n_gpu_layers = n_gpu_layers;
    m->load_mode = load_mode;
    m->huge_pages = huge_pages != 0;
    m->load_mtp = load_mtp != 0;
    m->wake = wake;
    m->loader = std::thread(load, m);
    return m;
  } catch (const std::exception &e) {
    glm_fail(GLM_ERR_INTERNAL, e.what());
    return nullptr;
  }
}

GLM_API int32_t glm_model_status(glm_model *m) {
  if (m == nullptr) return glm_fail(GLM_ERR_INVALID, "model is NULL");
  const int32_t status = m->status.load();
  if (status < 0) glm_fail(status, m->error);
  return status;
}

GLM_API float glm_model_progress(glm_model *m) { return m ? m->progress.load() : 0.0f; }

GLM_API void glm_model_free(glm_model *m) {
  if (m == nullptr) return;
  m->abort.store(true);
  if (m->loader.joinable()) m->loader.join();
  if (m->model != nullptr) llama_model_free(m->model);
  delete m;
}

GLM_API int32_t glm_model_info_json(glm_model *m, char *buf, int32_t buf_size) {
  return glm_guard([&] {
    const int32_t ready = require_ready(m);
    return ready != GLM_OK ? ready : glm_copy_out(info_json(m), buf, buf_size);
  });
}

GLM_API int32_t glm_model_set_visible_tokens(glm_model *m, const int32_t *tokens,
                                             int32_t n_tokens) {
  return glm_guard([&] {
    const int32_t ready = require_ready(m);
    if (ready != GLM_OK) return ready;
    if (n_tokens < 0 || (tokens == nullptr && n_tokens > 0))
      return glm_fail(GLM_ERR_INVALID, "tokens is NULL or n_tokens is negative");
    // The inference thread reads the set without a lock.
    if (m->engine_opened.load())
      return glm_fail(GLM_ERR_INVALID, "visible tokens are set before glm_engine_open, not after");
    const int32_t n_vocab = llama_vocab_n_tokens(m->vocab);
    std::vector<bool> visible(static_cast<size_t>(n_vocab), false);
    for (int32_t i = 0; i < n_tokens; ++i) {
      if (tokens[i] < 0 || tokens[i] >= n_vocab)
        return glm_fail(GLM_ERR_INVALID, "token id " + std::to_string(tokens[i]) + " is out of range");
      visible[static_cast<size_t>(tokens[i])] = true;
    }
    m->visible = std::move(visible);
    return static_cast<int32_t>(GLM_OK);
  });
}

GLM_API int32_t glm_model_set_draft(glm_model *target, glm_model *draft) {
  return glm_guard([&] {
    const int32_t ready = require_ready(target);
    if (ready != GLM_OK) return ready;
    if (target->engine_opened.load())
      return glm_fail(GLM_ERR_INVALID, "a draft model is set before glm_engine_open, not after");
    if (draft == nullptr) {
      target->draft = nullptr;
      return static_cast<int32_t>(GLM_OK);
    }
    if (target->mtp_drafting)
      return glm_fail(GLM_ERR_INVALID, "the model drafts with its MTP head, not a draft model");
    const int32_t draft_ready = require_ready(draft);
    if (draft_ready != GLM_OK) return draft_ready;
    const std::string mismatch = draft_mismatch(target, draft);
    if (!mismatch.empty()) return glm_fail(GLM_ERR_INVALID, mismatch);
    target->draft = draft;
    return static_cast<int32_t>(GLM_OK);
  });
}

GLM_API int32_t glm_model_set_mtp_drafting(glm_model *m, int32_t on) {
  return glm_guard([&] {
    const int32_t ready = require_ready(m);
    if (ready != GLM_OK) return ready;
    if (m->engine_opened.load())
      return glm_fail(GLM_ERR_INVALID, "MTP drafting is set before glm_engine_open, not after");
    if (on == 0) {
      m->mtp_drafting = false;
      return static_cast<int32_t>(GLM_OK);
    }
    if (m->draft != nullptr)
      return glm_fail(GLM_ERR_INVALID, "the model drafts with a draft model, not its MTP head");
    if (llama_model_n_layer_nextn(m->model) <= 0)
      return glm_fail(GLM_ERR_INVALID, "the model has no MTP (nextn) layers to draft with");
    if (!m->load_mtp)
      return glm_fail(GLM_ERR_INVALID, "the model was opened without its MTP layers (load_mtp)");
    m->mtp_drafting = true;
    return static_cast<int32_t>(GLM_OK);
  });
}

GLM_API int32_t glm_tokenize(glm_model *m, const char *text, int32_t text_len,
                             int32_t parse_special, int32_t *tokens, int32_t max_tokens) {
  return glm_guard([&] {
    const int32_t ready = require_ready(m);
    if (ready != GLM_OK) return ready;
    if (text == nullptr || text_len < 0) return glm_fail(GLM_ERR_INVALID, "text is NULL");
    return llama_tokenize(m->vocab, text, text_len, tokens, max_tokens, false, parse_special != 0);
  });
}

GLM_API int32_t glm_detokenize(glm_model *m, const int32_t *tokens, int32_t n_tokens, char *buf,
                               int32_t buf_size) {
  return glm_guard([&] {
    const int32_t ready = require_ready(m);
    if (ready != GLM_OK) return ready;
    if (tokens == nullptr && n_tokens > 0) return glm_fail(GLM_ERR_INVALID, "tokens is NULL");
    const int32_t n_vocab = llama_vocab_n_tokens(m->vocab);
    for (int32_t i = 0; i < n_tokens; ++i) {
      if (tokens[i] < 0 || tokens[i] >= n_vocab) {
        return glm_fail(GLM_ERR_INVALID, "token id out of range: " + std::to_string(tokens[i]));
      }
    }
    return llama_detokenize(m->vocab, tokens, n_tokens, buf, buf_size, false, true);
  });
}
}
