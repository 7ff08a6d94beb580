// A guest's vector registers across a uthread switch that happens on the
// guest's registers (a lazy system call that blocks, libos_context.h).
//
// XSAVEOPT + XRSTOR cost ~120 ns a pair on the machines measured (XRSTOR
// alone ~90 ns, whatever the components in use); storing and loading the
// SSE/AVX/AVX-512 registers (xmm/ymm/zmm, k0-7, MXCSR) with plain moves
// costs ~10 ns. x87 state, once a guest has touched it (long double code,
// strtold), stays "in use" for good on the CPUs measured; FXSAVE (~20 ns)
// tells whether it still holds its initial values as far as a program can
// see (control word 0x37f, status 0, every register empty: the state at any
// function call). Only if not is it restored with FXRSTOR (~45 ns); else
// the kthread remembers that the x87 registers are clean (x87_clean), and
// a restore resets them only if they are not. What this does not keep
// across the switch: the last x87 instruction and operand pointers, which
// only x87 exception handlers read (AMD CPUs do not save them either). If the guest has anything else in use
// (PKRU, AMX...: XGETBV(1) says), or the CPU cannot report what is in use,
// the switch falls back to XSAVEOPT/XRSTOR of the uthread's xsave area.
// All inline and vector-free: it runs in -mgeneral-regs-only code.
#pragma once

#include <cstdint>

#include "libos/entry/libos_context.h"
#include "libos/entry/thread_state.h"

extern "C" {
void junction_vec_save_avx512(void* area);
void junction_vec_restore_avx512(void* area);
void junction_vec_save_avx512_lo(void* area);
void junction_vec_restore_avx512_lo(void* area);
void junction_vec_save_avx(void* area);
void junction_vec_restore_avx(void* area);
void junction_vec_save_sse(void* area);
void junction_vec_restore_sse(void* area);
}

namespace junction::sched {

// A uthread's area for the moves (64-byte aligned): registers, k0-7 and
// MXCSR (guest_vectors.S), then an FXSAVE image for the x87 state.
inline constexpr size_t kGuestVectorFxsaveOffset = 2176;
inline constexpr size_t kGuestVectorAreaSize = kGuestVectorFxsaveOffset + 512;
inline constexpr uint64_t kX87 = 1;
// YMM_Hi128 | ZMM_Hi256: the upper halves of zmm0-15 hold something.
inline constexpr uint64_t kUpperHalves = uint64_t{1} << 2 | uint64_t{1} << 6;

enum class VectorKind : uint8_t { kXsaveOnly, kSse, kAvx, kAvx512 };

struct GuestVectorConfig {
  VectorKind kind = VectorKind::kXsaveOnly;
  uint64_t moves_mask = 0;  // XCR0 components the moves cover
  uint64_t xcr0 = 0;
  // 64-byte aligned XSAVE image with XSTATE_BV = 0 whose legacy part is
  // also a valid initial FXSAVE image: restores put components back in
  // their initial state from it.
  const uint8_t* init_image = nullptr;
};
extern GuestVectorConfig g_guest_vectors;

// Detects the CPU's features (once, before any uthread runs).
void InitGuestVectors();

inline uint64_t XinUse() {
  uint32_t lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
  return (uint64_t{hi} << 32) | lo;
}

// The x87 unit is in its initial state as the CPU tracks it (XINUSE bit
// 0); false when that cannot be read (no XGETBV with ECX = 1).
inline bool X87Initial() {
  return g_guest_vectors.kind != VectorKind::kXsaveOnly && !(XinUse() & kX87);
}

// How a switched-out uthread's guest registers were kept.
enum class SavedVectors : uint8_t { kNone, kMoves, kXsave };

// Saves the live guest registers into `area` (moves) or the uthread's xsave
// area; returns how, and the in-use mask the restore needs in *inuse.
inline SavedVectors SaveGuestVectors(libos::ThreadState* ts, uint8_t* area, uint64_t* inuse) {
  const GuestVectorConfig& c = g_guest_vectors;
  if (c.kind != VectorKind::kXsaveOnly) {
    uint64_t live = XinUse() & c.xcr0;
    if (!(live & ~(c.moves_mask | kX87))) {
      // x87_clean only when the CPU tracks the unit as initial: with
      // clean-looking values but XINUSE set, the restore's FXRSTOR of the
      // initial image clears XINUSE, so later switches skip this FXSAVE.
      bool x87_tracked = (live & kX87) != 0;
      if (x87_tracked && libos::FxsaveShowsCleanX87(area + kGuestVectorFxsaveOffset)) live &= ~kX87;
      ts->x87_clean = !x87_tracked;
      *inuse = live;
      switch (c.kind) {
        case VectorKind::kAvx512:
          if (live & kUpperHalves)
            junction_vec_save_avx512(area);
          else
            junction_vec_save_avx512_lo(area);
          break;
        case VectorKind::kAvx: junction_vec_save_avx(area); break;
        default: junction_vec_save_sse(area); break;
      }
      return SavedVectors::kMoves;
    }
  }
  libos::XsaveTo(ts->xsave_area, ts->xsave_mask);
  ts->x87_clean = 0;
  return SavedVectors::kXsave;
}

inline void RestoreGuestVectors(libos::ThreadState* ts, SavedVectors how, uint8_t* area,
                                uint64_t inuse) {
  const GuestVectorConfig& c = g_guest_vectors;
  if (how == SavedVectors::kXsave) {
    libos::XrstorFrom(ts->xsave_area, ts->xsave_mask);
    return;
  }
  // The x87 registers come back from the FXSAVE image, or are reset if
  // they may hold another guest's values; components neither the moves nor
  // FXSAVE cover (none on most CPUs) go back to their initial state.
  // Before the moves: FXRSTOR also loads xmm0-15 and MXCSR.
  if (inuse & kX87) {
    asm volatile("fxrstor64 (%0)" ::"r"(area + kGuestVectorFxsaveOffset) : "memory");
  } else if (!ts->x87_clean) {
    asm volatile("fxrstor64 (%0)" ::"r"(c.init_image) : "memory");
  }
  ts->x87_clean = !(inuse & kX87);
  if (c.xcr0 & ~(c.moves_mask | kX87)) {
    if (uint64_t other = XinUse() & c.xcr0 & ~(c.moves_mask | kX87))
      libos::XrstorFrom(c.init_image, other);
  }
  switch (c.kind) {
    case VectorKind::kAvx512:
      if (inuse & kUpperHalves)
        junction_vec_restore_avx512(area);
      else
        junction_vec_restore_avx512_lo(area);
      break;
    case VectorKind::kAvx: junction_vec_restore_avx(area); break;
    default: junction_vec_restore_sse(area); break;
  }
  // Upper halves that were in their initial state are zero in the area:
  // VZEROUPPER makes them initial again (no SSE/AVX transition costs).
  if (c.kind != VectorKind::kSse && !(inuse & kUpperHalves))
    asm volatile("vzeroupper");
}

}  // namespace junction::sched
