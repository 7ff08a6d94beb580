// Signal system calls for single-threaded guests; state and delivery live
// in signals/ (signal_state.h, delivery.h).
#include <signal.h>
#include <time.h>
#include <cstring>
#include <sys/syscall.h>
#include <sys/time.h>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/signals/delivery.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"
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
  if (!CopyToUser(static_cast<uintptr_t>(a.a[0]), &pending, static_cast<size_t>(a.a[1])).ok()) return -EFAULT;
  return 0;
}

JUNCTION_HANDLER(sigaltstack) {
  // Linux reports SS_ONSTACK while the caller runs on the alternate stack,
  // and then refuses to change it (EPERM).
  uint64_t rsp, rip, flags;
  bool trap_path;
  // An unreadable call site (the stack unmapped by another thread): the
  // trampoline's, as most calls are; this thread dies on its way back.
  if (!GuestCallSite(CurrentThread(), &rsp, &rip, &flags, &trap_path)) {
    rsp = CurrentThread()->guest_rsp + 16;
    trap_path = false;
  }
  if (!trap_path) rsp += 128;  // the trampoline's red-zone step
  const KernelStack& alt = AltStack();
  KernelStack old = alt;
  old.ss_flags = (alt.ss_size == 0 ? SS_DISABLE : OnAltStack(rsp) ? SS_ONSTACK : 0) |
                 (alt.ss_flags & kSsAutodisarm);
  if (a.a[0]) {
    auto ss = UserPtr<KernelStack>(a.a[0]).Read();
    if (!ss.ok()) return -ss.error();
    if (int r = SetAltStack(*ss, rsp); r < 0) return r;
  }
  if (a.a[1]) CHECK(UserPtr<KernelStack>(a.a[1]).Write(old));
  return 0;
}

JUNCTION_HANDLER(rt_sigreturn) { SigreturnAndResume(); }

namespace {

// Parks until a signal the thread may take (or, with sigwait_set, one of
// those) is pending. Returns the wake reason.
sched::WakeReason ParkForSignal(uint64_t deadline_ns) {
  sched::Uthread* u = sched::Current();
  u->BeginWait();
  uint64_t want = ~u->sig_blocked | u->sigwait_set;
  if ((Signals().pending | u->sig_pending) & want) {
    u->EndWait();
    return sched::WakeReason::kSignal;
  }
  return sched::Park(deadline_ns, true);
}

}  // namespace

// Waits for a signal with a temporary mask; the caller's mask comes back
// when the handler returns (through the frame) or right away if none runs.
JUNCTION_HANDLER(rt_sigsuspend) {
  if (a.a[1] != 8) return -EINVAL;
  auto mask = UserPtr<uint64_t>(a.a[0]).Read();
  if (!mask.ok()) return -mask.error();
  sched::Uthread* u = sched::Current();
  u->saved_mask = BlockedMask();
  u->restore_mask = true;
  SetGuestMask(*mask);
  while (!DeliverableSignals()) ParkForSignal(0);
  return -EINTR;  // ERESTARTNOHAND: never restarted after a handler
}

JUNCTION_HANDLER(pause) {
  while (!DeliverableSignals()) ParkForSignal(0);
  return -EINTR;
}

// Takes a pending signal from `set` without running a handler.
JUNCTION_HANDLER(rt_sigtimedwait) {
  if (a.a[3] != 8) return -EINVAL;
  auto set = UserPtr<uint64_t>(a.a[0]).Read();
  if (!set.ok()) return -set.error();
  uint64_t want = *set & ~kUnblockableSignals;
  RouteSignalsToLibos(want);
  uint64_t deadline = 0;
  if (a.a[2]) {
    auto t = UserPtr<timespec>(a.a[2]).Read();
    if (!t.ok()) return -t.error();
    if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= 1000000000) return -EINVAL;
    deadline = sched::NowNs() + static_cast<uint64_t>(t->tv_sec) * 1000000000ull +
               static_cast<uint64_t>(t->tv_nsec);
  }
  if (a.a[1] && !GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(siginfo_t))) return -EFAULT;
  sched::Uthread* u = sched::Current();
  GuestSignals& s = Signals();
  for (;;) {
    uint64_t mine = __atomic_load_n(&u->sig_pending, __ATOMIC_ACQUIRE) & want;
    uint64_t ready = mine | (__atomic_load_n(&s.pending, __ATOMIC_ACQUIRE) & want);
    if (ready) {
      int sig = __builtin_ctzll(ready) + 1;
      siginfo_t info;
      bool taken = TakePendingSignal(u, sig, &info);  // one instance
      UpdatePendingFlag();
      if (!taken || !TakeSignalInfo(info)) continue;  // a re-set or deleted timer's
      if (a.a[1] && !CopyToUser(static_cast<uintptr_t>(a.a[1]), &info, sizeof(info)).ok()) return -EFAULT;
      return sig;
    }
    // A deliverable signal outside the set interrupts the wait.
    if (DeliverableSignals() & ~want) return -EINTR;
    if (deadline && sched::NowNs() >= deadline) return -EAGAIN;
    u->sigwait_set = want;
    sched::WakeReason why = ParkForSignal(deadline);
    u->sigwait_set = 0;
    if (why == sched::WakeReason::kTimeout) {
      if (!((u->sig_pending | s.pending) & want)) return -EAGAIN;
    }
  }
}

}  // namespace junction::libos
