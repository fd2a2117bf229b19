// Error text for glm_last_error(), and llama.cpp's log routed so errors can say why.
#include <cstdio>
#include <cstring>

#include "internal.h"

namespace {
thread_local std::string last_error;
thread_local std::string last_log_error;
std::atomic<bool> verbose{false};

void on_llama_log(ggml_log_level level, const char *text, void *) {
  if (level == GGML_LOG_LEVEL_ERROR) {
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    // The first error says why; the ones after it only say that something failed.
    if (!line.empty() && last_log_error.empty()) last_log_error = line;
  }
  if (verbose.load(std::memory_order_relaxed)) std::fputs(text, stderr);
}
} // namespace

int32_t glm_fail(int32_t status, const std::string &message) {
  last_error = message;
  return status;
}

void glm_clear_error() { last_error.clear(); }

std::string glm_last_llama_log_error() { return last_log_error; }

void glm_reset_llama_log_error() { last_log_error.clear(); }

void glm_install_log_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(on_llama_log, nullptr);
    llama_backend_init();
  });
}

int32_t glm_copy_out(const std::string &s, char *buf, int32_t buf_size) {
  const auto needed = static_cast<int32_t>(s.size());
  if (buf == nullptr || buf_size < needed + 1) return -(needed + 1);
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return needed;
}

extern "C" {

GLM_API const char *glm_last_error(void) { return last_error.c_str(); }

GLM_API void glm_set_verbose(int32_t on) {
  verbose.store(on != 0);
  glm_install_log_handler();
}
}
