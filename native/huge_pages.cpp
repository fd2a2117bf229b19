// Weights read into memory go on transparent huge pages. Decoding streams every weight once per
// step; with 4 KiB pages that walks ~300k page-table entries per step on a 1.2 GB model, and
// 2 MiB pages measured 3-6% faster decode (make bench model, 2 threads).
//
// ggml allocates its CPU buffers with posix_memalign deep inside llama.cpp, so on Linux the link
// wraps that symbol (-Wl,--wrap=posix_memalign, for everything linked into libglm). Blocks of 32 MiB
// and up, the size from which glibc always gives an allocation its own mapping, get
// MADV_HUGEPAGE before anything touches them, when the allocating thread asked for it.
#include "internal.h"

#ifdef __linux__
#include <sys/mman.h>

namespace {
thread_local bool advise_huge_pages = false;
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kMinBlock = size_t{32} << 20;
} // namespace

HugePageScope::HugePageScope(bool enabled) : previous_(advise_huge_pages) {
  advise_huge_pages = enabled;
}

HugePageScope::~HugePageScope() { advise_huge_pages = previous_; }

extern "C" int __real_posix_memalign(void **out, size_t alignment, size_t size);

extern "C" int __wrap_posix_memalign(void **out, size_t alignment, size_t size) {
  const int status = __real_posix_memalign(out, alignment, size);
  if (status != 0 || !advise_huge_pages || size < kMinBlock) return status;
  // Only whole 2 MiB pages inside the block; a failed hint (THP compiled out) changes nothing.
  const auto start = reinterpret_cast<uintptr_t>(*out);
  const uintptr_t first = (start + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (start + size) & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void *>(first), last - first, MADV_HUGEPAGE);
  return status;
}

#else

HugePageScope::HugePageScope(bool) : previous_(false) {}
HugePageScope::~HugePageScope() { (void)previous_; }

#endif
