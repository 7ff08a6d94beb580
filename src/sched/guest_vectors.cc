#include "sched/guest_vectors.h"

#include <cpuid.h>

namespace junction::sched {

GuestVectorConfig g_guest_vectors;

namespace {
alignas(64) uint8_t g_init_image[4096];
}

void InitGuestVectors() {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(0xd, 1, &a, &b, &c, &d) || !(a & (1u << 2))) return;  // no XGETBV(1)
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint64_t xcr0 = (uint64_t{hi} << 32) | lo;
  __get_cpuid_count(7, 0, &a, &b, &c, &d);
  bool avx512bw = b & (1u << 30);
  constexpr uint64_t kSse = 1u << 1, kAvx = 1u << 2, kAvx512 = 0xe0;
  GuestVectorConfig cfg;
  cfg.xcr0 = xcr0;
  // XSTATE_BV = XCOMP_BV = 0; the FXSAVE part: FCW 0x37f, MXCSR 0x1f80.
  g_init_image[0] = 0x7f;
  g_init_image[1] = 0x03;
  g_init_image[24] = 0x80;
  g_init_image[25] = 0x1f;
  cfg.init_image = g_init_image;
  if ((xcr0 & kAvx512) == kAvx512 && (xcr0 & kAvx) && avx512bw) {
    cfg.kind = VectorKind::kAvx512;
    cfg.moves_mask = kSse | kAvx | kAvx512;
  } else if ((xcr0 & kAvx512) == 0 && (xcr0 & kAvx)) {
    cfg.kind = VectorKind::kAvx;
    cfg.moves_mask = kSse | kAvx;
  } else if ((xcr0 & (kAvx | kAvx512)) == 0) {
    cfg.kind = VectorKind::kSse;
    cfg.moves_mask = kSse;
  } else {
    return;  // AVX-512 without BW (64-bit masks): XSAVE only
  }
  g_guest_vectors = cfg;
}

}  // namespace junction::sched
