// futex on the lazy path (kLazy): WAIT/WAIT_BITSET without a timeout and
// WAKE/WAKE_BITSET on a word in a guest VMA this kthread already knows
// (and, for non-PRIVATE operations, not MAP_SHARED: those may have waiters
// in other processes, sys_thread.cc) run on the guest's registers; a wait that blocks saves them at the switch
// (sched/kthread.cc). Everything else enters the LibOS context and takes
// Sys_futex (sys_thread.cc). Built with -mgeneral-regs-only.
#include <linux/futex.h>
#include <sys/mman.h>

#include <cerrno>

#include "libos/entry/libos_context.h"
#include "libos/syscalls/handlers.h"
#include "sched/futex.h"

namespace junction::libos {

JUNCTION_HANDLER(futex_lazy) {
  ThreadState* ts = CurrentThread();
  uintptr_t uaddr = static_cast<uintptr_t>(a.a[0]);
  int cmd = static_cast<int>(a.a[1]) & FUTEX_CMD_MASK;
  bool simple = ((cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) && a.a[3] == 0) ||
                cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET;
  const ThreadState::GuestRange* vma =
      simple && !(uaddr & 3) ? KnownGuestRange(ts, uaddr, 4, PROT_WRITE) : nullptr;
  if (!vma || (vma->shared && !(a.a[1] & FUTEX_PRIVATE_FLAG))) {
    EnterLibos(ts);
    RememberGuestVma(ts, uaddr);
    return Sys_futex(a);
  }
  auto* word = reinterpret_cast<uint32_t*>(uaddr);
  auto val = static_cast<uint32_t>(a.a[2]);
  bool shared = !(a.a[1] & FUTEX_PRIVATE_FLAG);
  switch (cmd) {
    case FUTEX_WAIT:
      return sched::FutexWait(word, val, FUTEX_BITSET_MATCH_ANY, 0, shared);
    case FUTEX_WAIT_BITSET:
      return sched::FutexWait(word, val, static_cast<uint32_t>(a.a[5]), 0, shared);
    case FUTEX_WAKE:
      return sched::FutexWake(word, static_cast<int>(val), FUTEX_BITSET_MATCH_ANY, shared);
    default:
      return sched::FutexWake(word, static_cast<int>(val), static_cast<uint32_t>(a.a[5]), shared);
  }
}

}  // namespace junction::libos
