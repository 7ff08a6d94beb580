// madvise(MADV_DONTNEED) on the lazy path (kLazy): glibc's thread exit
// returns the unused part of the stack this way, once per thread. With one
// kthread (sched/single_kthread.h) nothing else can change the address
// space between the check and the host call, so a range inside a guest VMA
// this kthread already knows goes straight to the host on the guest's
// registers (less the never-accessible VMAs at its ends, AddressSpace's
// Vma::never_accessible); everything else takes Sys_madvise (AddressSpace::Madvise,
// which holds the address space's lock across the host call). Built with
// -mgeneral-regs-only.
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/entry/libos_context.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "sched/single_kthread.h"

namespace junction::libos {

namespace {

// The part of [addr, end) the host must advise, if known guest VMAs cover
// it without a hole (glibc's range spans a thread stack's guard and the
// stack: two VMAs): never-accessible ones at either end hold no page and
// are left out. False if a VMA is not known (or a hole).
bool KnownGuestSpan(const ThreadState* ts, uintptr_t addr, uintptr_t end, uintptr_t* host_start,
                    uintptr_t* host_end) {
  *host_start = *host_end = addr;
  for (int i = 0; addr < end && i < ThreadState::kGuestRanges; i++) {
    const ThreadState::GuestRange* r = KnownGuestRange(ts, addr, 1, 0);
    if (!r) return false;
    uintptr_t next = r->end < end ? r->end : end;
    if (!r->never_accessible) {
      if (*host_start == *host_end) *host_start = addr;
      *host_end = next;
    }
    addr = next;
  }
  return addr >= end;
}

}  // namespace

JUNCTION_HANDLER(madvise_lazy) {
  ThreadState* ts = CurrentThread();
  auto addr = static_cast<uintptr_t>(a.a[0]);
  auto len = static_cast<size_t>(a.a[1]);
  size_t rounded = (len + 4095) & ~size_t{4095};
  bool plain = a.a[2] == MADV_DONTNEED && !(addr & 4095) && len != 0 && addr + rounded > addr;
  uintptr_t hs, he;
  if (sched::g_single_kthread && plain && KnownGuestSpan(ts, addr, addr + rounded, &hs, &he)) {
    if (hs == he) return 0;  // nothing but never-accessible memory
    return host::Syscall(SYS_madvise, static_cast<long>(hs), static_cast<long>(he - hs), MADV_DONTNEED);
  }
  EnterLibos(ts);
  if (plain) {
    RememberGuestVma(ts, addr);
    RememberGuestVma(ts, addr + rounded - 1);
  }
  return Sys_madvise(a);
}

}  // namespace junction::libos
