// Which vector registers a test loads and checks: the widest set the CPU
// has and the OS enabled (XCR0): zmm0-31 and k0-7, ymm0-15, or xmm0-15.
#pragma once

#include <cpuid.h>

enum { kSse, kAvx, kAvx512 };

static inline int vector_kind(void) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  __get_cpuid_count(7, 0, &a, &b, &c, &d);
  int avx512 = (b & (1u << 16)) && (b & (1u << 30));  // AVX512F, AVX512BW
  int avx = __builtin_cpu_supports("avx");
  unsigned xlo = 0, xhi = 0;
  if (avx) __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
  return avx512 && (xlo & 0xe6) == 0xe6 ? kAvx512 : avx && (xlo & 6) == 6 ? kAvx : kSse;
}
