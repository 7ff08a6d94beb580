// The two contexts a kthread runs LibOS code in. The guest's context: the
// guest's vector registers are live and %fs is the guest's, so only code
// built with -mgeneral-regs-only that touches no libc and no TLS may run
// (kFast and kLazy handlers, futexes, the scheduler's hand-off). The
// LibOS's context: the guest's vector state is saved in the uthread's
// xsave area and %fs is the LibOS's, so anything may run.
//
// A kLazy handler starts in the guest's context and calls EnterLibos() the
// moment it needs more (a rare case, a host call that needs libc); the
// syscall entry leaves the LibOS context again on the way out
// (junction_lazy_finish). Calls that
// never need it skip the ~120 ns XSAVEOPT/XRSTOR pair and two %fs writes.
// Everything here is inline and vector-free.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"

namespace junction::libos {

// XSAVEOPT: components in their initial state, or unchanged since the
// last XRSTOR from this area, are not written again (so nothing but
// XSAVE/XRSTOR may write the area between an XRSTOR and the next save).
inline void XsaveTo(uint8_t* area, uint64_t mask) {
  asm volatile("xsaveopt64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)),
               "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}

inline void XrstorFrom(const uint8_t* area, uint64_t mask) {
  asm volatile("xrstor64 (%0)" ::"r"(area), "a"(static_cast<uint32_t>(mask)),
               "d"(static_cast<uint32_t>(mask >> 32))
               : "memory");
}

// Saves the guest's vector state and %fs, loads the LibOS's %fs. No-op if
// already in the LibOS context.
inline void EnterLibos(ThreadState* ts) {
  if (ts->in_libos) return;
  XsaveTo(ts->xsave_area, ts->xsave_mask);
  ts->guest_fs = ReadFsBase();
  WriteFsBase(ts->libos_fs);
  ts->in_libos = 1;
  ts->x87_clean = 0;  // the guest ran since the last switch saved it
}

// Stores the x87/SSE state in the 512-byte, 16-byte aligned `fx` with
// FXSAVE (~20 ns) and tells whether the x87 registers hold their initial
// values as far as a program can see (control word 0x37f, status 0, every
// register empty: the state at any function call).
inline bool FxsaveShowsCleanX87(uint8_t* fx) {
  asm volatile("fxsave64 (%0)" ::"r"(fx) : "memory");
  uint16_t fcw = static_cast<uint16_t>(fx[0] | fx[1] << 8);
  uint16_t fsw = static_cast<uint16_t>(fx[2] | fx[3] << 8);
  return fcw == 0x37f && fsw == 0 && fx[4] == 0;  // fx[4]: abridged tags
}

// exit(): the same for a thread that never returns to the guest, whose
// vector state is therefore not saved (XSAVEOPT ~45 ns here).
// `x87_initial`: the caller saw the x87 unit in its initial state as the
// CPU tracks it (XINUSE: sched::X87Initial); the uthread resumed next then
// skips the FXRSTOR of the initial image (~45-70 ns). Clean-looking values
// are not enough: with XINUSE still set, every later switch of the
// kthread paid an FXSAVE to check them (+60 ns per futex round trip).
inline void EnterLibosForExit(ThreadState* ts, bool x87_initial) {
  if (ts->in_libos) return;
  ts->guest_fs = ReadFsBase();
  WriteFsBase(ts->libos_fs);
  ts->in_libos = 1;
  ts->x87_clean = x87_initial;
}

// Back to the guest's registers (the last step before returning to it).
inline void LeaveLibos(ThreadState* ts) {
  WriteFsBase(ts->guest_fs);  // arch_prctl(ARCH_SET_FS) updates guest_fs
  XrstorFrom(ts->xsave_area, ts->xsave_mask);
  ts->in_libos = 0;
}

// A lazy handler's host call. A host call leaves the CPU's return stack
// buffer holding the kernel's return addresses (SRSO "safe RET"), so each
// `ret` after it mispredicts (~6 ns): this one comes back by a jump
// (host::SyscallLinked), and the syscall exit returns to the guest's
// trampoline by an indirect jump instead of a `ret` (syscall_entry.S).
inline long LazyHostCall(ThreadState* ts, long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0,
                         long a4 = 0) {
  long r = host::SyscallLinked(nr, a0, a1, a2, a3, a4);
  ts->rsb_spoilt = 1;
  return r;
}

// The address space's generation (AddressSpace::generation()), published
// here so that vector-free code can read it without calling into the
// mm code.
extern const std::atomic<uint64_t>* g_guest_vma_generation;

// The guest VMA this kthread has looked up before (RememberGuestVma) that
// holds [addr, addr+len) with `prot`, if the address space has not changed
// since. nullptr says nothing: the caller enters the LibOS and checks.
inline const ThreadState::GuestRange* KnownGuestRange(const ThreadState* ts, uintptr_t addr,
                                                      size_t len, int prot) {
  uintptr_t end = addr + len;
  if (end < addr) return nullptr;
  uint64_t gen = g_guest_vma_generation->load(std::memory_order_acquire);
  auto holds = [&](const ThreadState::GuestRange& r) {
    return r.generation == gen && addr >= r.start && end <= r.end && (r.prot & prot) == prot;
  };
  // The entry that matched last first: the loop cost ~27 instructions and
  // a mispredicted exit per call when the match was the fourth entry.
  const ThreadState::GuestRange& hinted =
      ts->guest_ranges[ts->guest_range_hint % ThreadState::kGuestRanges];
  if (holds(hinted)) return &hinted;
  for (int i = 0; i < ThreadState::kGuestRanges; i++) {
    if (holds(ts->guest_ranges[i])) {
      ts->guest_range_hint = static_cast<uint8_t>(i);
      return &ts->guest_ranges[i];
    }
  }
  return nullptr;
}

// Records the guest VMA containing addr for KnownGuestRange (LibOS context).
void RememberGuestVma(ThreadState* ts, uintptr_t addr);

}  // namespace junction::libos
