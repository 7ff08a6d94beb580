// fs::IsCanonicalAbsolute (path.h) for the lazy system call path, built
// with -mgeneral-regs-only: no libc (its memchr may use vector registers),
// the '/'s found a word at a time. Internal linkage (an unnamed namespace),
// so that no copy built with vectors is linked in its place. Whether a path
// is canonical decides whether a lazy open may go to the host without
// RESOLVE_BENEATH (sys_path_lazy.cc): the unit test compares it with
// IsCanonicalAbsolute on every short path and on random ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "libos/entry/word_bytes.h"

namespace junction::libos::fs {
namespace {

// Whether the component after the '/' at p[i] (not the path's last byte)
// is neither empty, "." nor "..".
bool ComponentAfterSlashOk(const char* p, size_t len, size_t i) {
  char a = p[i + 1];
  if (a == '/') return false;
  if (a != '.') return true;
  char b = i + 2 < len ? p[i + 2] : '/';
  if (b == '/') return false;
  if (b != '.') return true;
  return i + 3 < len && p[i + 3] != '/';
}

// The `len` bytes at `p`: an absolute path with no empty, "." or ".."
// component and no trailing '/'. Every component follows a '/'.
bool IsCanonicalAbsoluteByWords(const char* p, size_t len) {
  if (len == 0 || p[0] != '/') return false;
  if (len == 1) return true;
  if (p[len - 1] == '/') return false;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    for (uint64_t m = BytesEqualTo(*reinterpret_cast<const UnalignedWord*>(p + i), '/'); m; m &= m - 1)
      if (!ComponentAfterSlashOk(p, len, i + FirstMarkedByte(m))) return false;
  }
  for (; i < len; i++)
    if (p[i] == '/' && !ComponentAfterSlashOk(p, len, i)) return false;
  return true;
}

}  // namespace
}  // namespace junction::libos::fs
