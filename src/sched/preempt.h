// Preemption: each kthread has a host timer (timer_create, SIGEV_THREAD_ID)
// that fires every time slice with kPreemptSignal. If the running uthread
// has used up its slice and others are runnable, it is switched out: at
// once when the timer interrupted guest code (its complete register and
// vector state is saved), or at its next system call exit when the timer
// interrupted the LibOS.
//
// kPreemptSignal (host signal 64, SIGRTMAX) is reserved on the host; guests
// may still use signal 64 among their own threads (docs/architecture.md).
#pragma once

#include <signal.h>

#include <cstdint>

namespace junction::sched {

inline constexpr int kPreemptSignal = 64;

// Per kthread: installs the handler (once) and creates this kthread's timer.
bool StartPreemptionTimer(uint64_t slice_ns);
// The LibOS's own code: junction's text or the host's vDSO (junction's
// clock_gettime runs there; the guest runs the LibOS's vDSO image). A host
// signal that lands at `ip` interrupted the LibOS, not the guest. The vDSO
// is found when the first preemption timer starts, before guest code runs.
bool InLibosCode(uintptr_t ip);
// Idle kthreads stop their timer while parked.
void PausePreemptionTimer();
void ResumePreemptionTimer();
// Arms the timer to fire first at `first_ns` (CLOCK_MONOTONIC), then every
// slice: an idle kthread that knows when it will run again pays the
// timer_settime before, not on its wake-up path.
void ArmPreemptionTimerAt(uint64_t first_ns);
// The time slice (the timer's period).
uint64_t PreemptionSliceNs();
// A kthread started in a forked child (the handler is installed): its timer.
bool StartKthreadPreemptionTimer();
// Fork child: POSIX timers are not inherited. The forking kthread gets its
// timer again only at PreemptionNeeded: most children exec or exit on one
// uthread, which nothing needs to preempt (~3 host calls saved per child).
void PreemptionResetAfterFork();
// Something may now need a running uthread preempted (a second uthread, a
// callback timer, host descriptors watched, packet rings, a daemon grant):
// a forked child's kthread makes its timer if it has none yet. Cheap when
// there is nothing to do (one load); any kthread may call it.
void PreemptionNeeded();

// kPreemptSignal also carries requests from other processes (queued with
// si_code SI_QUEUE): the hook sees each first and returns true if it took
// it (libos/signals/kill_request.h). Set before the first timer starts.
using PreemptSignalHook = bool (*)(siginfo_t* info, void* ucontext);
void SetPreemptSignalHook(PreemptSignalHook hook);

}  // namespace junction::sched
