// The guest's signal state: dispositions, blocked mask, pending signals and
// the alternate stack. One set per process for now (single kthread); the
// threads issue splits the mask, pending set and altstack per thread.
//
// May be touched from the host signal handler while the guest's %fs is
// loaded: nothing here uses TLS or allocates.
#pragma once

#include <signal.h>

#include <cstdint>

#include "libos/signals/kernel_abi.h"

namespace junction::libos {

inline constexpr int kMaxSignal = 64;
inline constexpr uint64_t SigBit(int sig) { return uint64_t{1} << (sig - 1); }
inline constexpr uint64_t kUnblockableSignals = SigBit(SIGKILL) | SigBit(SIGSTOP);

// Process-wide: dispositions and process-directed pending signals. Each
// thread's mask, thread-directed pending signals and alternate stack live
// in its sched::Uthread.
struct GuestSignals {
  KernelSigaction actions[kMaxSignal + 1];
  uint64_t pending = 0;  // process-directed
  siginfo_t info[kMaxSignal + 1];
  // The thread chosen to take each pending process-directed signal (0: not
  // chosen yet, e.g. from the host handler), and the last one chosen
  // round-robin (SendProcessSignal).
  int target_tid[kMaxSignal + 1] = {};
  int last_target_tid = 0;
};

GuestSignals& Signals();

// The calling thread's mask and alternate stack.
uint64_t& BlockedMask();
KernelStack& AltStack();
// Linux's on_sig_stack: `sp` within the alternate stack, which never holds
// while it is SS_AUTODISARM (the handler's entry disarmed it).
bool OnAltStack(uint64_t sp);
// do_sigaltstack's change, the caller at `sp`: 0, or -EPERM (on the
// stack), -EINVAL (flags), -ENOMEM (under MINSIGSTKSZ). The flags are kept
// as given: signal frames save them (uc_stack.ss_flags).
int SetAltStack(const KernelStack& ss, uint64_t sp);
// Signals the calling thread may take now.
uint64_t DeliverableSignals();
// The calling thread is in an interruptible HostWaitCall and may take a
// signal now, or LibOS timers are due (their signal may be for it): its
// host call must end (from the kthread's host signal handler: plain loads
// only).
bool SignalEndsHostWait();

// Sets the disposition and mirrors it to the host: SIG_DFL and SIG_IGN
// as they are, handlers through the LibOS's host handler.
void SetGuestAction(int sig, const KernelSigaction& act);
// Host fork: the cache of host actions is held across the fork (another
// kthread may be mid-sigaction); released in parent and child.
void HostActionsForkLock();
void HostActionsForkUnlock();

// Sets the calling thread's blocked mask (SIGKILL/SIGSTOP are dropped).
// Pending process-directed signals it was chosen for and now blocks go to
// another thread, as Linux's retarget_shared_pending.
void SetGuestMask(uint64_t mask);

// Process-directed signals pending that `u` (a sched::Uthread*) should be
// woken for: those chosen for it or not chosen yet.
uint64_t ProcessSignalsFor(const void* u);

// The calling thread is exiting: it takes no more process-directed signals,
// and those chosen for it go to another thread.
void StopTakingProcessSignals();

// Chooses a thread for pending process-directed signals queued without one
// (host signals) and makes it notice. Scheduler context.
void TargetUnchosenProcessSignals();

// Records a signal for the guest: for the process (any thread not blocking
// it takes it) or, with `thread`, for that thread (a sched::Uthread*).
// False if a real-time signal's queue is full and the sender gets EAGAIN
// (signals/signal_queue.h).
bool QueueSignal(int sig, const siginfo_t& info, void* thread = nullptr);

// Takes one pending instance of `sig` for the calling thread `u` (a
// sched::Uthread*), thread-directed first; Peek only looks. False if none.
bool TakePendingSignal(void* u, int sig, siginfo_t* out);
bool PeekPendingSignal(void* u, int sig, siginfo_t* out);

// Pending instances, process- and thread-directed (/proc SigQ, as Linux
// counts them: one per pending standard signal, one per queued real-time).
int PendingSignalCount();

// Drops every pending instance of `sigs`, for the process and every thread.
void DiscardPendingSignals(uint64_t sigs);

// Signals in `mask` that a signalfd or sigtimedwait waits for reach the
// LibOS from the host even when ignored by default (SIGCHLD, SIGWINCH...).
void RouteSignalsToLibos(uint64_t mask);

// Queues a signal and makes a thread notice it: for thread `u` (a
// sched::Uthread*), or for the process (one thread that does not block it
// is woken if parked interruptibly, or kicked if it runs on another kthread).
// Any context but a host signal handler.
// False (EAGAIN) if a real-time signal's queue is full.
bool SendThreadSignal(void* u, const siginfo_t& info);
bool SendProcessSignal(const siginfo_t& info);

// A pending signal is being taken (handler delivery, sigtimedwait,
// signalfd): a timer's signal gets its overrun count and its timer is
// re-armed. False if the signal is stale (its timer was re-set or deleted
// since) and must be dropped.
bool TakeSignalInfo(siginfo_t& info);

// Recomputes the entry path's pending flag: pending & ~blocked.
void UpdatePendingFlag();

// The default action of `sig` when its disposition is SIG_DFL.
enum class DefaultAction { kTerminate, kCore, kIgnore, kStop, kContinue };
DefaultAction DefaultActionOf(int sig);

// At start: the LibOS's host handler for every signal the guest may block
// or handle (signals ignored when junction started stay ignored).
void InstallHostSignalHandling();

// execve: caught signals revert to SIG_DFL; the altstack is dropped.
void ResetSignalsForExec();


}  // namespace junction::libos
