// rt_sigprocmask on the lazy path (kLazy): glibc calls it four times per
// pthread_create + join (the new thread starts with every signal blocked),
// and the full entry's XSAVE/XRSTOR and %fs swaps cost more than the call.
// With both pointers inside guest VMAs this kthread already knows, it runs
// on the guest's registers; anything else takes Sys_rt_sigprocmask in the
// LibOS context. Built with -mgeneral-regs-only.
#include <signal.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "libos/entry/libos_context.h"
#include "libos/entry/safe_copy.h"
#include "libos/signals/signal_state.h"
#include "libos/syscalls/handlers.h"
#include "sched/uthread.h"

namespace junction::libos {

JUNCTION_HANDLER(rt_sigprocmask_lazy) {
  ThreadState* ts = CurrentThread();
  auto* u = static_cast<sched::Uthread*>(ts->current);
  auto set_addr = static_cast<uintptr_t>(a.a[1]);
  auto old_addr = static_cast<uintptr_t>(a.a[2]);
  if (!u || a.a[3] != 8 || (set_addr && !KnownGuestRange(ts, set_addr, 8, PROT_READ)) ||
      (old_addr && !KnownGuestRange(ts, old_addr, 8, PROT_WRITE))) {
    EnterLibos(ts);
    if (set_addr) RememberGuestVma(ts, set_addr);
    if (old_addr) RememberGuestVma(ts, old_addr);
    return Sys_rt_sigprocmask(a);
  }
  uint64_t old = u->sig_blocked;
  if (set_addr) {
    uint64_t set;
    if (!SafeCopy(&set, reinterpret_cast<const void*>(set_addr), sizeof(set))) {
      EnterLibos(ts);  // it faults: the full handler says EFAULT, as Linux
      return Sys_rt_sigprocmask(a);
    }
    uint64_t mask;
    switch (a.a[0]) {
      case SIG_BLOCK: mask = old | set; break;
      case SIG_UNBLOCK: mask = old & ~set; break;
      case SIG_SETMASK: mask = set; break;
      default: return -EINVAL;
    }
    if (Signals().pending & mask & ~old) {
      // Blocking a pending process signal: SetGuestMask hands it on.
      EnterLibos(ts);
      return Sys_rt_sigprocmask(a);
    }
    // SetGuestMask's work: a newly unblocked pending signal is delivered
    // at this call's exit (signal_pending).
    u->sig_blocked = mask & ~kUnblockableSignals;
    ts->signal_pending = ((Signals().pending | u->sig_pending) & ~u->sig_blocked) != 0 || u->need_resched;
  }
  if (old_addr && !SafeCopy(reinterpret_cast<void*>(old_addr), &old, sizeof(old))) return -EFAULT;
  return 0;
}

}  // namespace junction::libos
