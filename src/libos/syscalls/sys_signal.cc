// Signal system calls for single-threaded guests; state and delivery live
// in signals/ (signal_state.h, delivery.h).
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/signals/delivery.h"
#include "libos/signals/signal_state.h"
#include "sched/uthread.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

JUNCTION_HANDLER(rt_sigaction) {
  long sig = a.a[0];
  if (a.a[3] != 8) return -EINVAL;
  if (sig < 1 || sig > kMaxSignal) return -EINVAL;
  KernelSigaction old = Signals().actions[sig];
  if (a.a[1]) {
    auto act = UserPtr<KernelSigaction>(a.a[1]).Read();
    if (!act.ok()) return -act.error();
    if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
    act->mask &= ~kUnblockableSignals;
    SetGuestAction(static_cast<int>(sig), *act);
  }
  if (a.a[2]) CHECK(UserPtr<KernelSigaction>(a.a[2]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigprocmask) {
  if (a.a[3] != 8) return -EINVAL;
  uint64_t old = BlockedMask();
  if (a.a[1]) {
    auto set = UserPtr<uint64_t>(a.a[1]).Read();
    if (!set.ok()) return -set.error();
    switch (a.a[0]) {
      case SIG_BLOCK: SetGuestMask(old | *set); break;
      case SIG_UNBLOCK: SetGuestMask(old & ~*set); break;
      case SIG_SETMASK: SetGuestMask(*set); break;
      default: return -EINVAL;
    }
  }
  if (a.a[2]) CHECK(UserPtr<uint64_t>(a.a[2]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigpending) {
  if (a.a[1] > 8 || a.a[1] < 0) return -EINVAL;
  const GuestSignals& s = Signals();
  auto* u = static_cast<sched::Uthread*>(CurrentThread()->current);
  uint64_t pending = (s.pending | u->sig_pending) & BlockedMask();
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]))) return -EFAULT;
  std::memcpy(reinterpret_cast<void*>(a.a[0]), &pending, static_cast<size_t>(a.a[1]));
  return 0;
}

JUNCTION_HANDLER(sigaltstack) {
  // Linux reports SS_ONSTACK while the caller runs on the alternate stack,
  // and then refuses to change it (EPERM).
  uint64_t rsp, rip, flags;
  bool trap_path;
  GuestCallSite(CurrentThread(), &rsp, &rip, &flags, &trap_path);
  if (!trap_path) rsp += 128;  // the trampoline's red-zone step
  KernelStack& alt = AltStack();
  KernelStack old = alt;
  bool enabled = !(old.ss_flags & SS_DISABLE) && old.ss_size;
  bool on_stack = enabled && rsp > old.ss_sp && rsp <= old.ss_sp + old.ss_size;
  if (on_stack) old.ss_flags = SS_ONSTACK | (old.ss_flags & kSsAutodisarm);
  if (a.a[0]) {
    auto ss = UserPtr<KernelStack>(a.a[0]).Read();
    if (!ss.ok()) return -ss.error();
    if (on_stack) return -EPERM;
    int mode = ss->ss_flags & ~kSsAutodisarm;
    if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) return -EINVAL;
    if (mode == SS_DISABLE) {
      alt = {0, SS_DISABLE, 0, 0};
    } else {
      if (ss->ss_size < 2048) return -ENOMEM;
      alt = *ss;
      alt.ss_flags &= kSsAutodisarm;
    }
  }
  if (a.a[1]) CHECK(UserPtr<KernelStack>(a.a[1]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigreturn) { SigreturnAndResume(); }

// Timers that raise signals are the host's, aimed at this process; their
// signals reach the guest through the host signal handler.
JUNCTION_HANDLER(alarm) { return host::Syscall(SYS_alarm, a.a[0]); }

JUNCTION_HANDLER(setitimer) {
  if (a.a[1] && !GuestReadable(static_cast<uintptr_t>(a.a[1]), sizeof(itimerval))) return -EFAULT;
  if (a.a[2] && !GuestWritable(static_cast<uintptr_t>(a.a[2]), sizeof(itimerval))) return -EFAULT;
  return host::Syscall(SYS_setitimer, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(getitimer) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(itimerval))) return -EFAULT;
  return host::Syscall(SYS_getitimer, a.a[0], a.a[1]);
}

}  // namespace junction::libos
