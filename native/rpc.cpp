// Models split across llama.cpp RPC workers (ggml-rpc), the worker itself, and what happens
// when one is lost: ggml's RPC client cannot return that error, it aborts the process. The
// abort hook here parks the thread that met it instead and records why, so that JS can fail
// every request in its protocol's shape and then exit with that one line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "ggml-backend.h"
#include "ggml-rpc.h"
#include "internal.h"
// llama.cpp's staging API: a model's devices and where its buffers live.
#include "llama-ext.h"

namespace {

std::mutex fatal_mu;
std::string fatal_message;           // guarded by fatal_mu; set once
std::atomic<bool> fatal{false};
std::thread::id js_thread;           // the thread that first opened a model

// ggml_abort's hook. It returns only into abort(), so it never returns.
void on_ggml_abort(const char *message) {
  std::string line = message != nullptr ? message : "ggml aborted";
  for (char &c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  {
    std::lock_guard<std::mutex> lock(fatal_mu);
    if (fatal_message.empty()) fatal_message = line;
  }
  fatal.store(true);
  // JS cannot fail its requests while its own thread waits here: say why and leave at once.
  if (std::this_thread::get_id() == js_thread) {
    std::fprintf(stderr, "glm-serve: the inference engine failed: %s\n", line.c_str());
    std::fflush(stderr);
    _exit(1);
  }
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// Connects to host:port within timeout_ms; "" or why not.
std::string try_connect(const std::string &host, const std::string &port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *found = nullptr;
  const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return std::string("cannot resolve ") + host + ": " + gai_strerror(rc);
  std::string why = "no address";
  for (addrinfo *a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int err = connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int ready = poll(&p, 1, timeout_ms);
      socklen_t len = sizeof err;
      if (ready <= 0) err = ETIMEDOUT;
      else getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    }
    close(fd);
    if (err == 0) {
      freeaddrinfo(found);
      return "";
    }
    why = std::strerror(err);
  }
  freeaddrinfo(found);
  return why;
}

// "host:port" split at its last colon, with [v6] brackets removed.
bool split_endpoint(const std::string &endpoint, std::string &host, std::string &port) {
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == endpoint.size()) return false;
  host = endpoint.substr(0, colon);
  port = endpoint.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return port.find_first_not_of("0123456789") == std::string::npos;
}

} // namespace

std::vector<ggml_backend_dev_t> local_gpus() {
  std::vector<ggml_backend_dev_t> gpus;
  for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    const auto type = ggml_backend_dev_type(dev);
    if (type == GGML_BACKEND_DEVICE_TYPE_GPU || type == GGML_BACKEND_DEVICE_TYPE_IGPU)
      gpus.push_back(dev);
  }
  return gpus;
}

void install_abort_hook() {
  static std::once_flag once;
  std::call_once(once, [] {
    js_thread = std::this_thread::get_id();
    ggml_set_abort_callback(on_ggml_abort);
  });
}

std::string rpc_devices(const std::string &endpoints, std::vector<ggml_backend_dev_t> &devices) {
  // ggml-rpc writes to sockets without MSG_NOSIGNAL: a worker gone would kill the process by
  // SIGPIPE before the failure could be reported.
  std::signal(SIGPIPE, SIG_IGN);
  size_t start = 0;
  while (start <= endpoints.size()) {
    const size_t comma = std::min(endpoints.find(',', start), endpoints.size());
    const std::string endpoint = endpoints.substr(start, comma - start);
    start = comma + 1;
    if (endpoint.empty()) continue;
    std::string host, port;
    if (!split_endpoint(endpoint, host, port)) return "RPC worker '" + endpoint + "' is not host:port";
    // ggml's client aborts on a worker it cannot reach; this says which one, and returns.
    const std::string why = try_connect(host, port, 3000);
    if (!why.empty()) return "cannot reach RPC worker " + endpoint + ": " + why;
    ggml_backend_reg_t reg = ggml_backend_rpc_add_server(endpoint.c_str());
    if (reg == nullptr) return "RPC worker " + endpoint + " offers no devices";
    for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); ++i)
      devices.push_back(ggml_backend_reg_dev_get(reg, i));
  }
  return "";
}

std::string devices_json(const llama_model *model) {
  std::string out = "[";
  for (int32_t i = 0; i < llama_model_n_devices(model); ++i) {
    ggml_backend_dev_t dev = llama_model_get_device(model, i);
    if (dev == nullptr) continue;
    out += (out.size() > 1 ? "," : "");
    out += "{\"name\":" + json_escape(ggml_backend_dev_name(dev)) +
           ",\"description\":" + json_escape(ggml_backend_dev_description(dev)) + "}";
  }
  return out + "]";
}

std::string memory_json(const llama_context *ctx) {
  std::string out = "[";
  for (const auto &[buft, bytes] : llama_get_memory_breakdown(ctx)) {
    out += (out.size() > 1 ? "," : "");
    out += "{\"buffer\":" + json_escape(ggml_backend_buft_name(buft)) +
           ",\"model\":" + std::to_string(bytes.model) +
           ",\"context\":" + std::to_string(bytes.context) +
           ",\"compute\":" + std::to_string(bytes.compute) + "}";
  }
  return out + "]";
}

extern "C" {

GLM_API const char *glm_fatal_error(void) {
  if (!fatal.load()) return "";
  std::lock_guard<std::mutex> lock(fatal_mu);
  static thread_local std::string copy;
  copy = fatal_message;
  return copy.c_str();
}

GLM_API void glm_exit_now(int32_t code) {
  std::fflush(stdout);
  std::fflush(stderr);
  _exit(code);
}

GLM_API int32_t glm_rpc_serve(const char *host, int32_t port, int32_t n_threads,
                              const char *cache_dir) {
  if (host == nullptr || port <= 0 || port > 65535)
    return glm_fail(GLM_ERR_INVALID, "an RPC worker needs a host and a port in 1..65535");
  glm_install_log_handler();
  std::signal(SIGPIPE, SIG_IGN); // a client gone ends its connection, not the worker
  std::vector<ggml_backend_dev_t> devices = local_gpus();
  if (devices.empty()) devices.push_back(ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU));
  const std::string endpoint = std::string(host) + ":" + std::to_string(port);
  const size_t threads = n_threads > 0 ? static_cast<size_t>(n_threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  const char *cache = cache_dir != nullptr && cache_dir[0] != '\0' ? cache_dir : nullptr;
  // Returns only if the socket cannot be bound; it serves one client at a time otherwise.
  ggml_backend_rpc_start_server(endpoint.c_str(), cache, threads, devices.size(), devices.data());
  return glm_fail(GLM_ERR_INTERNAL, "cannot serve RPC on " + endpoint + " (is the port taken?)");
}
}
