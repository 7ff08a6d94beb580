#include "libos/signals/signal_state.h"

#include <sys/syscall.h>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "sched/preempt.h"
#include "sched/uthread.h"

namespace junction::libos {

void HostSignalHandler(int sig, siginfo_t* info, void* uc);  // delivery.cc

GuestSignals& Signals() {
  static GuestSignals s;
  return s;
}

void UpdatePendingFlag() {
  GuestSignals& s = Signals();
  ThreadState* ts = CurrentThread();
  auto* u = static_cast<sched::Uthread*>(ts->current);
  ts->signal_pending = (s.pending & ~s.blocked) != 0 || (u && u->need_resched);
}

namespace {

// Signals the LibOS keeps for itself on the host: SIGSYS (the trap path),
// SIGTRAP (syscall-site patching) and the synchronous faults (LibOS-bug
// reports); their handlers forward to the guest's (entry/sigsys.cc).
bool LibosOwned(int sig) {
  return sig == SIGSYS || sig == SIGTRAP || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
         sig == SIGILL || sig == sched::kPreemptSignal;
}

void SetHostAction(int sig, uint64_t guest_handler) {
  KernelSigaction host{};
  if (guest_handler == reinterpret_cast<uint64_t>(SIG_DFL) ||
      guest_handler == reinterpret_cast<uint64_t>(SIG_IGN)) {
    host.handler = guest_handler;
  } else {
    host.handler = reinterpret_cast<uint64_t>(&HostSignalHandler);
    // No SA_RESTART: a host call the LibOS is blocked in returns EINTR and
    // the LibOS applies the guest's restart rules itself.
    host.flags = SA_SIGINFO | SA_ONSTACK | kSaRestorer;
    host.mask = ~(SigBit(SIGSYS) | SigBit(SIGSEGV) | SigBit(SIGBUS) | SigBit(SIGFPE) |
                  SigBit(SIGILL) | SigBit(SIGTRAP));
  }
  host.restorer = reinterpret_cast<uint64_t>(&junction_host_sigreturn);
  host.flags |= kSaRestorer;
  host::Syscall(SYS_rt_sigaction, sig, host::L(&host), 0, 8);
}

}  // namespace

bool GuestHandlesSignal(int sig) {
  uint64_t h = Signals().actions[sig].handler;
  return h != reinterpret_cast<uint64_t>(SIG_DFL) && h != reinterpret_cast<uint64_t>(SIG_IGN);
}

void SetGuestAction(int sig, const KernelSigaction& act) {
  GuestSignals& s = Signals();
  s.actions[sig] = act;
  if (act.handler == reinterpret_cast<uint64_t>(SIG_IGN)) s.pending &= ~SigBit(sig);
  if (!LibosOwned(sig)) SetHostAction(sig, act.handler);
  UpdatePendingFlag();
}

void SetGuestMask(uint64_t mask) {
  GuestSignals& s = Signals();
  s.blocked = mask & ~kUnblockableSignals;
  uint64_t host_mask = s.blocked & ~SigBit(SIGSYS);
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&host_mask), 0, 8);
  UpdatePendingFlag();
}

void QueueSignal(int sig, const siginfo_t& info) {
  GuestSignals& s = Signals();
  if (sig < 1 || sig > kMaxSignal) return;
  s.info[sig] = info;
  s.pending |= SigBit(sig);
  UpdatePendingFlag();
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

void ResetSignalsForExec() {
  GuestSignals& s = Signals();
  for (int sig = 1; sig <= kMaxSignal; sig++) {
    uint64_t h = s.actions[sig].handler;
    if (h != reinterpret_cast<uint64_t>(SIG_IGN) && h != reinterpret_cast<uint64_t>(SIG_DFL))
      SetGuestAction(sig, KernelSigaction{});
  }
  s.altstack = {0, SS_DISABLE, 0, 0};
}

}  // namespace junction::libos
