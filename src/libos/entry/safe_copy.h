// Copies to and from guest memory that return a failure instead of
// crashing the LibOS when the memory faults although its VMA allows the
// access (a file mapping past the file's end, a concurrent munmap or
// mprotect): the kernel's exception-fixup answer (safe_copy.S). The VMA
// check (user_memory.h, KnownGuestRange) stays the fast reject; these cover
// what it cannot see. Vector-free and libc-free: usable on the lazy paths.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
size_t junction_safe_copy(void* dst, const void* src, size_t n);
long junction_safe_copy_string(char* dst, const char* src, size_t cap);
bool junction_safe_load32(const uint32_t* p, uint32_t* out);
int junction_safe_cmpxchg32(uint32_t* p, uint32_t* expected, uint32_t desired);
bool junction_probe_writable(void* p, size_t n);
bool junction_safe_store32(uint32_t* p, uint32_t v);
extern const int32_t junction_safe_copy_fixups[];
extern const int32_t junction_safe_copy_fixup_count;
}

namespace junction::libos {

// Copies n bytes; true if all were copied (false: the guest side faulted,
// dst may hold part of the data).
inline bool SafeCopy(void* dst, const void* src, size_t n) { return junction_safe_copy(dst, src, n) == 0; }

// Copies n bytes; how many were copied before the guest side faulted (n:
// all). Exact to the byte, as Linux's copy_to_user/copy_from_user count:
// what junction_safe_copy reports is a lower bound (the word paths report
// none, a fast `rep movsb` may stop short of the fault), so the rest is
// redone a byte at a time up to the fault, as Linux's fixup does.
[[gnu::always_inline]] inline size_t SafeCopyCount(void* dst, const void* src, size_t n) {
  size_t left = junction_safe_copy(dst, src, n);
  if (!left) return n;
  size_t done = n - left;
  while (done < n && !junction_safe_copy(static_cast<char*>(dst) + done, static_cast<const char*>(src) + done, 1))
    done++;
  return done;
}

// The string at src into dst (cap bytes): its length if its NUL lies in
// the first cap bytes, cap if not, -1 if reading it faulted.
inline long SafeCopyString(char* dst, const char* src, size_t cap) {
  return junction_safe_copy_string(dst, src, cap);
}

// A guest futex word: false if reading it faulted.
inline bool SafeLoad32(const uint32_t* p, uint32_t* out) { return junction_safe_load32(p, out); }

// A sequentially consistent store to a guest futex word: false if it faulted.
inline bool SafeStore32(uint32_t* p, uint32_t v) { return junction_safe_store32(p, v); }

// Compare-and-swap on a guest futex word (sequentially consistent): 1 if
// swapped, 0 if not (*expected holds the word), -1 if it faulted.
inline int SafeCmpxchg32(uint32_t* p, uint32_t* expected, uint32_t desired) {
  return junction_safe_cmpxchg32(p, expected, desired);
}

// Whether every page of [p, p+n) takes a write now (the data unchanged):
// a receive checks its buffer before it consumes what it copies there.
inline bool ProbeWritable(void* p, size_t n) { return junction_probe_writable(p, n); }

// The address to resume a fault at `ip` at, if ip lies in a safe-copy
// routine's guest access; 0 otherwise. Signal-handler safe (no TLS).
inline uintptr_t SafeCopyFixupFor(uintptr_t ip) {
  auto base = reinterpret_cast<uintptr_t>(junction_safe_copy_fixups);
  for (int32_t i = 0; i < junction_safe_copy_fixup_count; i++) {
    const int32_t* e = junction_safe_copy_fixups + 3 * i;
    if (ip >= base + e[0] && ip < base + e[1]) return base + e[2];
  }
  return 0;
}

}  // namespace junction::libos
