// Copies between a pipe's byte ring and guest memory (which may fault),
// wrapping at the ring's end. Internal linkage on purpose: each file gets
// a copy built with its own flags (pipe_lazy.cc's is vector-free).
#pragma once

#include <cstddef>

#include "libos/entry/safe_copy.h"

namespace junction::libos::ipc {

// n bytes of the ring from `at` to dst: how many were copied before dst
// faulted (n: all).
[[gnu::always_inline]] static inline size_t CopyFromRing(void* dst, const char* ring, size_t cap, size_t at,
                                                         size_t n) {
  size_t first = n < cap - at ? n : cap - at;
  size_t c = SafeCopyCount(dst, ring + at, first);
  if (c < first || n <= first) return c;
  return c + SafeCopyCount(static_cast<char*>(dst) + first, ring, n - first);
}

// n bytes from src into the ring at `at`: how many before src faulted.
[[gnu::always_inline]] static inline size_t CopyToRing(char* ring, size_t cap, size_t at, const void* src,
                                                       size_t n) {
  size_t first = n < cap - at ? n : cap - at;
  size_t c = SafeCopyCount(ring + at, src, first);
  if (c < first || n <= first) return c;
  return c + SafeCopyCount(ring, static_cast<const char*>(src) + first, n - first);
}

}  // namespace junction::libos::ipc
