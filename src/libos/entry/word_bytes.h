// Bytes eight at a time, for code built with -mgeneral-regs-only (the lazy
// system call path, libos_context.h): libc's string functions may use
// vector registers, and a byte loop costs about a nanosecond a byte on the
// paths every open and stat copies and checks. Internal linkage (an
// unnamed namespace): an out-of-line copy built elsewhere with vectors can
// never be the one the lazy path calls.
#pragma once

#include <cstddef>
#include <cstdint>

namespace junction::libos {
namespace {

// An 8-byte word at any address that may alias anything.
typedef uint64_t __attribute__((may_alias, aligned(1))) UnalignedWord;

// The zero bytes of `w`, each as its top bit (exact: no carry crosses a byte).
inline uint64_t ZeroBytesOf(uint64_t w) {
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full;
  return ~(((w & kLow7) + kLow7) | w | kLow7);
}

// The bytes of `w` equal to `c`, each as its top bit.
inline uint64_t BytesEqualTo(uint64_t w, unsigned char c) {
  return ZeroBytesOf(w ^ (0x0101010101010101ull * c));
}

// The index of the first byte a nonzero ZeroBytesOf/BytesEqualTo marks.
inline size_t FirstMarkedByte(uint64_t marks) { return static_cast<size_t>(__builtin_ctzll(marks)) / 8; }

// Copies `n` bytes between buffers that do not overlap. The stores are
// volatile so that GCC does not turn the loops into a call to libc's memcpy.
inline void CopyBytesByWords(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    *reinterpret_cast<volatile UnalignedWord*>(dst + i) = *reinterpret_cast<const UnalignedWord*>(src + i);
  volatile char* d = dst;
  for (; i < n; i++) d[i] = src[i];
}

}  // namespace
}  // namespace junction::libos
