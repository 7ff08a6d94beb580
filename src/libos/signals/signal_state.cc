#include "libos/signals/signal_state.h"

#include <signal.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>

#include "base/fork_written.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/ipc/eventfd.h"
#include "libos/process.h"
#include "libos/signals/posix_timers.h"
#include "libos/signals/signal_queue.h"
#include "sched/kthread.h"
#include "sched/preempt.h"
#include "sched/spinlock.h"
#include "sched/uthread.h"

namespace junction::libos {

void HostSignalHandler(int sig, siginfo_t* info, void* uc);  // delivery.cc

GuestSignals& Signals() {
  static GuestSignals s;
  return s;
}

namespace {
sched::Uthread* Cur() { return static_cast<sched::Uthread*>(CurrentThread()->current); }
uint64_t g_no_mask = 0;
KernelStack g_no_stack = {0, SS_DISABLE, 0, 0};
}  // namespace

uint64_t& BlockedMask() {
  sched::Uthread* u = Cur();
  return u ? u->sig_blocked : g_no_mask;
}

KernelStack& AltStack() {
  sched::Uthread* u = Cur();
  return u ? u->altstack : g_no_stack;
}

bool OnAltStack(uint64_t sp) {
  const KernelStack& alt = AltStack();
  if (alt.ss_flags & kSsAutodisarm) return false;
  return sp > alt.ss_sp && sp - alt.ss_sp <= alt.ss_size;
}

int SetAltStack(const KernelStack& ss, uint64_t sp) {
  constexpr uint64_t kMinSigStkSz = 2048;  // the x86-64 ABI's MINSIGSTKSZ, as Linux checks
  if (OnAltStack(sp)) return -EPERM;
  int mode = ss.ss_flags & ~kSsAutodisarm;
  if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK) return -EINVAL;
  KernelStack& alt = AltStack();
  if (mode == SS_DISABLE) {
    alt = {0, ss.ss_flags, 0, 0};
    return 0;
  }
  if (ss.ss_size < kMinSigStkSz) return -ENOMEM;
  alt = {ss.ss_sp, ss.ss_flags, 0, ss.ss_size};
  return 0;
}

uint64_t DeliverableSignals() {
  sched::Uthread* u = Cur();
  if (!u) return 0;
  return (Signals().pending | u->sig_pending) & ~u->sig_blocked;
}

bool SignalEndsHostWait() {
  sched::Uthread* u = Cur();
  if (!u || !__atomic_load_n(&u->in_host_wait, __ATOMIC_RELAXED) ||
      !__atomic_load_n(&u->host_wait_interruptible, __ATOMIC_RELAXED))
    return false;
  // Due timers too: this kthread may be the only one to run them (one
  // core), and one may be what sends the signal (alarm, setitimer).
  return DeliverableSignals() != 0 || sched::TimersDue();
}

void UpdatePendingFlag() {
  ThreadState* ts = CurrentThread();
  auto* u = static_cast<sched::Uthread*>(ts->current);
  ts->signal_pending = DeliverableSignals() != 0 || (u && u->need_resched);
}

namespace {

// Signals the LibOS keeps for itself on the host: SIGSYS (the trap path),
// SIGTRAP (syscall-site patching) and the synchronous faults (LibOS-bug
// reports); their handlers forward to the guest's (entry/sigsys.cc).
bool LibosOwned(int sig) {
  return sig == SIGSYS || sig == SIGTRAP || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
         sig == SIGILL || sig == sched::kPreemptSignal;
}

// Signals whose default action the host may apply itself: ignoring ones
// (nothing to do) and the job-control stops (the host stops the process).
bool HostDefaultIsFine(int sig) {
  switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH: case SIGCONT:
    case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return true;
    default:
      return false;
  }
}

// Signals ignored by default that a signalfd or sigtimedwait waits for:
// those come to the LibOS even while their disposition is SIG_DFL.
// (Stop signals never: the host carries out their default action.)
constexpr uint64_t kRoutable = SigBit(SIGCHLD) | SigBit(SIGURG) | SigBit(SIGWINCH) | SigBit(SIGCONT);
std::atomic<uint64_t> g_routed{0};

// Ignored signals are ignored by the host. Everything else comes to the
// LibOS's handler, so the guest's masks hold even for default actions
// (a blocked SIGTERM stays pending), which the LibOS then carries out.
// The host action SetHostAction last installed for each signal (valid
// bit in g_host_set): setting the same action again is skipped. glibc's
// posix_spawn child resets every handled signal to SIG_DFL, one host
// rt_sigaction each, most of them to the action already there. Host
// actions survive a host fork, so the cache does too.
JUNCTION_FORK_WRITTEN sched::SpinLock g_host_action_lock;
KernelSigaction g_host_action[kMaxSignal + 1];
uint64_t g_host_set = 0;

void SetHostAction(int sig, uint64_t guest_handler) {
  KernelSigaction host{};
  bool dfl = guest_handler == reinterpret_cast<uint64_t>(SIG_DFL);
  bool routed = g_routed.load(std::memory_order_relaxed) & SigBit(sig);
  if (guest_handler == reinterpret_cast<uint64_t>(SIG_IGN) ||
      (dfl && HostDefaultIsFine(sig) && !routed)) {
    host.handler = guest_handler;
  } else {
    host.handler = reinterpret_cast<uint64_t>(&HostSignalHandler);
    // No SA_RESTART: a host call the LibOS is blocked in returns EINTR and
    // the LibOS applies the guest's restart rules itself.
    host.flags = SA_SIGINFO | SA_ONSTACK | kSaRestorer;
    host.mask = ~(SigBit(SIGSYS) | SigBit(SIGSEGV) | SigBit(SIGBUS) | SigBit(SIGFPE) |
                  SigBit(SIGILL) | SigBit(SIGTRAP));
  }
  // The host reaps the children as Linux would the guest's.
  if (sig == SIGCHLD) host.flags |= Signals().actions[sig].flags & SA_NOCLDWAIT;
  host.restorer = reinterpret_cast<uint64_t>(&junction_host_sigreturn);
  host.flags |= kSaRestorer;
  sched::SpinGuard g(g_host_action_lock);
  KernelSigaction& last = g_host_action[sig];
  if ((g_host_set & SigBit(sig)) && last.handler == host.handler && last.flags == host.flags &&
      last.mask == host.mask && last.restorer == host.restorer)
    return;
  if (host::Syscall(SYS_rt_sigaction, sig, host::L(&host), 0, 8) == 0) {
    last = host;
    g_host_set |= SigBit(sig);
  } else {
    g_host_set &= ~SigBit(sig);
  }
}

}  // namespace

void HostActionsForkLock() { g_host_action_lock.lock(); }
void HostActionsForkUnlock() { g_host_action_lock.unlock(); }

void RouteSignalsToLibos(uint64_t mask) {
  uint64_t add = mask & kRoutable & ~g_routed.fetch_or(mask & kRoutable);
  for (int sig = 1; sig <= kMaxSignal; sig++)
    if ((add & SigBit(sig)) && Signals().actions[sig].handler == reinterpret_cast<uint64_t>(SIG_DFL))
      SetHostAction(sig, reinterpret_cast<uint64_t>(SIG_DFL));
}

bool GuestHandlesSignal(int sig) {
  uint64_t h = Signals().actions[sig].handler;
  return h != reinterpret_cast<uint64_t>(SIG_DFL) && h != reinterpret_cast<uint64_t>(SIG_IGN);
}

void SetGuestAction(int sig, const KernelSigaction& act) {
  GuestSignals& s = Signals();
  s.actions[sig] = act;
  if (act.handler == reinterpret_cast<uint64_t>(SIG_IGN)) {
    DiscardPendingSignals(SigBit(sig));
  }
  if (!LibosOwned(sig)) SetHostAction(sig, act.handler);
  if (sig == SIGCHLD)
    proc::SetAutoReap(act.handler == reinterpret_cast<uint64_t>(SIG_IGN) || (act.flags & SA_NOCLDWAIT));
  UpdatePendingFlag();
}

namespace {

// The thread may take `sig` now, or waits for it in rt_sigtimedwait.
bool Accepts(const sched::Uthread* u, int sig) {
  return !(u->sig_blocked & ~u->sigwait_set & SigBit(sig));
}

// Linux's wants_signal: not blocked, not exiting; running or asleep alike.
bool Wants(const sched::Uthread* u, int sig) { return !u->exiting && Accepts(u, sig); }

// Wakes `u` if it is parked interruptibly; else kicks it if it runs.
bool Notify(sched::Uthread* u) {
  int ws = u->WaitState();
  if (u->interruptible && (ws == sched::Uthread::kWaiting || ws == sched::Uthread::kParked) &&
      sched::WakeUp(u, sched::WakeReason::kSignal))
    return true;
  if (u->on_cpu.load(std::memory_order_acquire) && u != Cur()) {
    sched::KickUthread(u);
    // A host call waiting on its behalf (a file lock) ends for the signal.
    if (__atomic_load_n(&u->in_host_wait, __ATOMIC_SEQ_CST) &&
        __atomic_load_n(&u->host_wait_interruptible, __ATOMIC_RELAXED))
      sched::InterruptHostCall(u);
    return true;
  }
  return false;
}

// Linux's complete_signal: the main thread if it wants `sig`; else, from
// the last thread chosen this way, the first (by tid, circularly) that
// wants it. Null if none does: the signal waits on the process.
// AllUthreadsLock held.
sched::Uthread* ChooseTarget_locked(int sig) {
  GuestSignals& s = Signals();
  const int main_tid = CurrentProcess().pid;
  sched::Uthread *lowest = nullptr, *from_last = nullptr;
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next) {
    if (!Wants(u, sig)) continue;
    if (u->tid == main_tid) return u;
    if (!lowest || u->tid < lowest->tid) lowest = u;
    if (u->tid >= s.last_target_tid && (!from_last || u->tid < from_last->tid)) from_last = u;
  }
  sched::Uthread* t = from_last ? from_last : lowest;
  if (t) s.last_target_tid = t->tid;
  return t;
}

// Records the choice before the target is told (its Park re-check reads
// it), then wakes or kicks it. False if it must notice later by itself
// (running on this kthread, or between announcing a wait and parking).
bool AimAt_locked(int sig, sched::Uthread* t) {
  __atomic_store_n(&Signals().target_tid[sig], t ? t->tid : 0, __ATOMIC_SEQ_CST);
  return t && Notify(t);
}

// Drops `u`'s claim on pending process signals it no longer wants (they
// become unchosen, for TargetUnchosenProcessSignals). True if any.
// Lock-free: also runs in the host handler (delivery blocks the signal).
bool Unclaim(const sched::Uthread* u) {
  GuestSignals& s = Signals();
  bool any = false;
  // Only the pending ones (every exiting thread comes here: a pass over
  // all 64 numbers cost ~70 ns). One that becomes pending meanwhile is
  // aimed after this pass, by whoever queued it.
  for (uint64_t pending = __atomic_load_n(&s.pending, __ATOMIC_SEQ_CST); pending; pending &= pending - 1) {
    int sig = __builtin_ctzll(pending) + 1;
    int tid = u->tid;
    if (!Wants(u, sig) && __atomic_compare_exchange_n(&s.target_tid[sig], &tid, 0, false,
                                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
      any = true;
  }
  return any;
}

}  // namespace

void SetGuestMask(uint64_t mask) {
  // Only the LibOS's view changes: the host mask stays open, and a host
  // signal a thread blocks is queued for another thread (or for later).
  uint64_t newly_blocked = mask & ~kUnblockableSignals & ~BlockedMask();
  BlockedMask() = mask & ~kUnblockableSignals;
  UpdatePendingFlag();
  // The scheduler hands them on (TargetUnchosenProcessSignals).
  sched::Uthread* self = Cur();
  if (self && (Signals().pending & newly_blocked) && Unclaim(self)) sched::NoteSignalArrived();
}

uint64_t ProcessSignalsFor(const void* thread) {
  auto* u = static_cast<const sched::Uthread*>(thread);
  GuestSignals& s = Signals();
  uint64_t pending = s.pending, out = 0;
  while (pending) {
    int sig = __builtin_ctzll(pending) + 1;
    pending &= pending - 1;
    int t = __atomic_load_n(&s.target_tid[sig], __ATOMIC_SEQ_CST);
    if (t == 0 || t == u->tid) out |= SigBit(sig);
  }
  return out;
}

void StopTakingProcessSignals() {
  sched::Uthread* self = Cur();
  {
    sched::SpinGuard g(sched::AllUthreadsLock());
    self->exiting = true;
  }
  if (Unclaim(self)) TargetUnchosenProcessSignals();
}

void TargetUnchosenProcessSignals() {
  GuestSignals& s = Signals();
  if (!s.pending) return;
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (int sig = 1; sig <= kMaxSignal; sig++)
    if ((s.pending & SigBit(sig)) && s.target_tid[sig] == 0)
      if (sched::Uthread* t = ChooseTarget_locked(sig)) AimAt_locked(sig, t);
}

bool QueueSignal(int sig, const siginfo_t& info, void* thread) {
  if (sig < 1 || sig > kMaxSignal) return true;
  bool queued;
  if (thread) {
    auto* u = static_cast<sched::Uthread*>(thread);
    queued = EnqueueSignal(u, &u->sig_pending, u->sig_info, info);
  } else {
    GuestSignals& s = Signals();
    queued = EnqueueSignal(nullptr, &s.pending, s.info, info);
    // No thread chosen yet: the scheduler chooses (TargetUnchosenProcessSignals).
    if (queued) __atomic_store_n(&s.target_tid[sig], 0, __ATOMIC_SEQ_CST);
  }
  UpdatePendingFlag();
  return queued;
}

bool TakePendingSignal(void* thread, int sig, siginfo_t* out) {
  auto* u = static_cast<sched::Uthread*>(thread);
  GuestSignals& s = Signals();
  return DequeueSignal(u, &u->sig_pending, u->sig_info, sig, out) ||
         DequeueSignal(nullptr, &s.pending, s.info, sig, out);
}

bool PeekPendingSignal(void* thread, int sig, siginfo_t* out) {
  auto* u = static_cast<sched::Uthread*>(thread);
  GuestSignals& s = Signals();
  return PeekSignal(u, &u->sig_pending, u->sig_info, sig, out) ||
         PeekSignal(nullptr, &s.pending, s.info, sig, out);
}

int PendingSignalCount() {
  constexpr uint64_t kStandard = SigBit(kFirstRtSignal) - 1;
  int n = __builtin_popcountll(Signals().pending & kStandard) + QueuedRtSignals();
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
    n += __builtin_popcountll(u->sig_pending & kStandard);
  return n;
}

void DiscardPendingSignals(uint64_t sigs) {
  DiscardSignals(nullptr, &Signals().pending, sigs);
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
    DiscardSignals(u, &u->sig_pending, sigs);
}

bool SendThreadSignal(void* thread, const siginfo_t& info) {
  auto* u = static_cast<sched::Uthread*>(thread);
  if (!QueueSignal(info.si_signo, info, u)) return false;
  ipc::NotifySignalFds();
  // A waiter between announcing its wait and parking is caught by the
  // scheduler's re-scan (NoteSignalArrived).
  if (u != Cur() && Accepts(u, info.si_signo) && !Notify(u)) sched::NoteSignalArrived();
  return true;
}

bool SendProcessSignal(const siginfo_t& info) {
  int sig = info.si_signo;
  if (sig < 1 || sig > kMaxSignal) return true;
  GuestSignals& s = Signals();
  if (!EnqueueSignal(nullptr, &s.pending, s.info, info)) return false;
  ipc::NotifySignalFds();
  sched::Uthread* self = Cur();
  sched::SpinGuard g(sched::AllUthreadsLock());
  sched::Uthread* t = ChooseTarget_locked(sig);
  if (t && t == self) {
    __atomic_store_n(&s.target_tid[sig], t->tid, __ATOMIC_SEQ_CST);
    UpdatePendingFlag();  // taken at this call's exit
    return true;
  }
  // Another thread was chosen (or none wants it yet: it stays pending on
  // the process). The sender's flag is left alone, as Linux sets
  // TIF_SIGPENDING only on the chosen thread.
  if (!AimAt_locked(sig, t)) sched::NoteSignalArrived();
  return true;
}

bool TakeSignalInfo(siginfo_t& info) {
  if (info.si_code != SI_TIMER) return true;
  return PosixTimerSignalTaken(info);
}

DefaultAction DefaultActionOf(int sig) {
  switch (sig) {
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return DefaultAction::kIgnore;
    case SIGCONT:
      return DefaultAction::kContinue;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return DefaultAction::kStop;
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return DefaultAction::kCore;
    default:
      return DefaultAction::kTerminate;
  }
}

void InstallHostSignalHandling() {
  for (int sig = 1; sig <= kMaxSignal; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP || LibosOwned(sig) || sig == 32 || sig == 33) continue;
    KernelSigaction cur{};
    host::Syscall(SYS_rt_sigaction, sig, 0, host::L(&cur), 8);
    if (cur.handler == reinterpret_cast<uint64_t>(SIG_IGN)) {
      // Inherited as ignored (nohup, a shell's background job): the guest
      // starts with it ignored, as after exec on Linux.
      Signals().actions[sig].handler = reinterpret_cast<uint64_t>(SIG_IGN);
      continue;
    }
    SetHostAction(sig, reinterpret_cast<uint64_t>(SIG_DFL));
  }
}

void ResetSignalsForExec() {
  GuestSignals& s = Signals();
  for (int sig = 1; sig <= kMaxSignal; sig++) {
    uint64_t h = s.actions[sig].handler;
    if (h != reinterpret_cast<uint64_t>(SIG_IGN) && h != reinterpret_cast<uint64_t>(SIG_DFL))
      SetGuestAction(sig, KernelSigaction{});
    // Linux's flush_signal_handlers clears every action's flags and mask
    // (an ignored SIGCHLD stays ignored; its SA_NOCLDWAIT goes).
    else if (s.actions[sig].flags || s.actions[sig].mask)
      SetGuestAction(sig, KernelSigaction{.handler = h});
  }
  AltStack() = {0, SS_DISABLE, 0, 0};
}

}  // namespace junction::libos
