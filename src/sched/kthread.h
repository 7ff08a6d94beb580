// The scheduler: kthreads (host threads, one per core the container may
// use) run uthreads from per-kthread run queues, steal from each other when
// idle, and park on the host when there is nothing to do.
//
// Lock order: a wait queue's lock (futex bucket, ...) before a runqueue
// lock; the timer lock is never held with another.
#pragma once

#include <cstdint>

#include "libos/entry/thread_state.h"
#include "sched/single_kthread.h"
#include "sched/timer_heap.h"
#include "sched/uthread.h"

namespace junction::sched {

// Monotonic time in ns (vDSO-backed host clock).
uint64_t NowNs();

// The uthread running on this kthread (nullptr in the scheduler loop).
// Inline: the futex and switch paths call it on every wait.
inline Uthread* Current() { return static_cast<Uthread*>(libos::CurrentThread()->current); }

// Starts the scheduler on this (the main) thread with `first` as the only
// uthread, plus `extra_kthreads` more host threads created now (before the
// LibOS turns on syscall dispatch). `init_kthread` runs on each new kthread
// first (per-kthread LibOS set-up). Does not return.
using KthreadInitFn = bool (*)(int index);
bool PrepareKthreads(int count, KthreadInitFn init_kthread);
[[noreturn]] void RunScheduler(Uthread* first);

// Kthreads 0..n-1 spin instead of parking when idle (app config
// cpu.spinning_kthreads): standalone they never sleep on the host; under
// the daemon they keep a granted core while idle, until the daemon asks
// for it, and poll for a grant instead of sleeping. Before RunScheduler.
void SetSpinningKthreads(int n);

// Makes `u` runnable (from any kthread; not from a host signal handler).
void MakeRunnable(Uthread* u);

// Blocking. The caller has registered the current uthread with whatever
// will wake it (and called Uthread::BeginWait under that object's lock),
// then calls Park, which switches away unless it was already woken.
// `deadline_ns` = 0: no timeout. Returns why it woke.
WakeReason Park(uint64_t deadline_ns, bool interruptible);
// Park for a plain sleep until `deadline_ns` (nanosleep, clock_nanosleep):
// nothing but the deadline or a signal ends it, so it may be woken ahead of
// the deadline on an idle core and poll up to it (kTimeout, or kSignal for
// a signal meanwhile).
WakeReason ParkSleep(uint64_t deadline_ns);
// Moves u's wait to woken for `why` if it is waiting and, unless gen is
// kAnyWait, its generation (Uthread::WaitGen) is still `gen`: one CAS, so
// a timer armed for an ended wait cannot end a later one. Returns the state
// it moved from (kWaiting or kParked; the caller makes a kParked uthread
// runnable), or -1 (not waiting, already woken, or another wait).
// Inline with WakeUp: every futex and pipe wake-up takes them.
constexpr uint64_t kAnyWait = ~uint64_t{0};
// A uthread of an ancestor process (copied by a fork, still queued in a
// copied wait queue) is never claimed: it does not run here.
inline int ClaimWakeUp(Uthread* u, WakeReason why, uint64_t gen) {
  if (u->epoch != g_uthread_epoch) [[unlikely]] return -1;
  const uint64_t woken = Uthread::kWokenUp + static_cast<uint64_t>(why);
  uint64_t expected = u->wait_word.load(std::memory_order_acquire);
  for (;;) {
    int st = Uthread::StateOf(expected);
    if (st != Uthread::kWaiting && st != Uthread::kParked) return -1;
    uint64_t cur_gen = expected & ~Uthread::kStateMask;
    if (gen != kAnyWait && cur_gen != gen) return -1;
    if (CasSched(u->wait_word, expected, cur_gen | woken)) return st;
  }
}

// Wakes a parked uthread once; false if it was not waiting (or already woken).
inline bool WakeUp(Uthread* u, WakeReason why) {
  int was = ClaimWakeUp(u, why, kAnyWait);
  if (was < 0) return false;
  // kWaiting: not switched out yet; FinishSwitch (or Park) sees the wake.
  if (was == Uthread::kParked) MakeRunnable(u);
  return true;
}

// After the current uthread's affinity (Uthread::affinity) changed: moves
// it to a kthread it may run on, if this one is not.
void MigrateIfDisallowed();

// execve ending `u`, which runs on another kthread: a host signal there
// takes it out of an abortable host call (host::AbortableSyscall) it may
// be blocked in; it then ends at that call's exit.
void InterruptHostCall(Uthread* u);

// `u`'s affinity changed under it (another process set it): one running
// on a kthread it may no longer use moves at its next exit from the LibOS.
// AllUthreadsLock held.
void RecheckAffinity(Uthread* u);

// Gives the core to another runnable uthread, if any.
void Yield();

// True while a lazy system call on some kthread uses host descriptor `fd`
// (ThreadState::lazy_host_fd): its owner waits before closing it.
bool HostFdInLazyUse(int fd);
// The same for a LibOS object (ThreadState::lazy_object).
bool InLazyUse(const void* object);

// A new uthread's first code: settles the uthread that switched to it.
void FinishSwitchHere();

// Ends the current uthread (after the caller cleaned up). Does not return.
[[noreturn]] void ExitCurrent();

// Every uthread, for signal delivery and /proc (held briefly).
SpinLock& AllUthreadsLock();
Uthread* AllUthreads();
Uthread* FindUthread_locked(long tid);  // by guest tid, under AllUthreadsLock; null if none
void Register(Uthread* u);    // a new uthread (before it first runs)
uint64_t LiveUthreadCount();  // this process's guest threads
void Unregister(Uthread* u);

// Number of runnable uthreads waiting in runqueues.
int PeekRunnable();
// True if a sleep or timeout has expired and waits for a scheduler pass.
bool TimersDue();
// True if this kthread of a forked process that joined the daemon runs
// standalone and may try to join again (a pass through the scheduler loop
// does it: a CPU-bound uthread would otherwise keep it from ever trying).
// Async-signal-safe.
bool MemberRejoinDue();
// True if uthreads wait on host descriptors and no kthread blocks in the
// reactor for them: only a scheduler pass (ReactorPoll) can wake them, so
// a uthread that never blocks must still go through the loop every slice.
// Async-signal-safe.
bool ReactorNeedsPass();

// Calls fn(arg, seq) from a scheduler loop (no current uthread, no locks
// held) once CLOCK_MONOTONIC passes deadline_ns. Callback entries are never
// removed: the owner ignores calls whose seq is no longer its current
// generation, and `arg` must outlive the entry. (A timed wait's entry is
// removed when its uthread exits: timer_heap.h.)
void AddTimer(uint64_t deadline_ns, TimerFn fn, void* arg, uint64_t seq);

// A signal became deliverable to `u`: if it runs on a kthread right now,
// make that kthread take it at its next LibOS exit or preemption tick.
void KickUthread(Uthread* u);

// Which uthreads a pending signal may wake (set by the signal code).
// `process_pending`: the process-directed pending set; while it and the
// uthread's own sig_pending are empty, `fn` is not called (the switch
// path asks twice per switch).
void SetSignalDeliverableCheck(bool (*fn)(Uthread*), const uint64_t* process_pending);
// Called by the scheduler, outside any lock, when a host signal handler
// reported a new pending signal (NoteSignalArrived): objects watching the
// pending set (signalfd) wake their waiters.
void SetSignalArrivedHook(void (*fn)());

// Called by a kthread, outside any lock and with no uthread current, when
// it runs out of work and at each wake-up while it waits (for work or a
// core): upkeep that would otherwise fall on the next uthread's wake-up
// path (the LibOS re-anchors the guest's vDSO clock data). Cheap when
// there is nothing to do.
void SetIdleUpkeep(void (*fn)());
// Called while a sleep woken ahead of its deadline waits it out (Park):
// prefetches the guest's memory its return touches first (the vDSO's
// clock page and text), so the return at the deadline finds it warm.
void SetGuestReturnWarmup(void (*fn)());
// The guest's CLOCK_MONOTONIC in ns (its vDSO's, which may differ from the
// host's by a few µs between re-anchors): a sleep ends once it has passed
// the deadline, so that the guest never reads a time before it (Park).
// Default: the host's clock.
void SetGuestClock(uint64_t (*monotonic_ns)());

// How far ahead of its timer the timer keeper wakes under the daemon, in
// place of the daemon's choice (core_grant.h, KeeperLeadNs); 0: the
// daemon's. For JUNCTION_KEEPER_LEAD_US (docs/daemon.md, a diagnosis).
void SetKeeperLeadOverride(uint64_t ns);

// Number of kthreads running the scheduler.
int KthreadCount();

// In the child of a host fork(): only the calling kthread and uthread
// exist; clears the run queues, timers, futex waiters and the reactor; its
// preemption timer comes when needed (PreemptionNeeded). The child runs on
// one kthread until it has more uthreads (AddKthreadIfWanted).
void ResetAfterFork();

// Kthreads in a forked child (docs/architecture.md, "Kthreads in a forked
// child"): ResetAfterFork leaves one; a new host thread takes the place of
// one of the parent's other kthreads (whose Kthread entry and glibc thread
// descriptor are in the child's memory, the host thread is not) whenever
// the process has more uthreads than running kthreads. In a forked
// process that joined the daemon each new kthread joins on a member slot
// of its own first (SetMemberRejoin's fn, kNewKthread); one the daemon
// refuses ends before it runs anything, and no more are started.
// `start(index, tls)` starts a host thread whose %fs is `tls` (that
// kthread's glibc descriptor) and that calls RunRestartedKthread; false if
// it could not. `init` is the per-kthread LibOS set-up it runs first.
using KthreadStartFn = bool (*)(int index, uintptr_t tls);
void SetKthreadRestart(KthreadStartFn start, KthreadInitFn init);
// After a new uthread was registered: starts a kthread if wanted (cheap
// when none can be: a load).
void AddKthreadIfWanted();
// The new host thread, with every host signal blocked: LibOS set-up, then
// `host_mask`, then the scheduler loop.
[[noreturn]] void RunRestartedKthread(int index, uint64_t host_mask);

// Publishing to the core scheduler daemon (shm_protocol.h): kthread i
// writes its congestion signals into slots[i] at every scheduling pass.
struct KthreadSlot;
struct ShmHeader;
// From then on kthread i runs uthreads only while the daemon grants its
// slot a core (docs/daemon.md, "The kthread's side"; core_grant.h).
void AttachDaemonRegion(ShmHeader* header, KthreadSlot* (*slot)(void* ctx, int i), void* ctx,
                        int doorbell_fd);
// In a forked process, on the calling kthread: from now on it runs
// uthreads only while the daemon grants `slot` (a member slot it was given
// by SCHED_JOIN) a core; `doorbell_fd` is the container's doorbell (the
// process's: every kthread rings the one given; -1: the one already set by
// SetDaemonDoorbell). The
// calling uthread returns once the slot's first grant came (with
// `wait_for_grant`; else its next scheduling point asks for one).
void AttachMemberSlot(KthreadSlot* slot, uint32_t token, int doorbell_fd, bool wait_for_grant = true);
// A forked process that joined: `fn` joins the calling kthread (SCHED_JOIN
// on a connection of its own, and AttachMemberSlot without waiting): a
// kthread the process starts, before it runs anything (kNewKthread), and
// one that runs standalone again (the daemon died, or a new one freed its
// slot), at most every 100 ms, from its scheduler loop (kAgain).
enum class MemberJoinKind { kNewKthread, kAgain };
enum class MemberJoin { kJoined, kNoDaemon, kRefused };
void SetMemberRejoin(MemberJoin (*fn)(MemberJoinKind));
// The daemon's doorbell changed (re-registration) or is gone (-1); every
// kthread re-reads its grant word.
void SetDaemonDoorbell(int fd);
// In a host signal handler: the daemon asked this kthread to give its core back.
bool YieldRequested();
uint64_t PreemptionCount();
void CountPreemption();

// Bypass networking (libos/net/bypass.cc, docs/network.md): every kthread
// polls the packet rings at each scheduling pass (its own rings) and while
// idle (stealing the others'), does not go idle while frames wait, and
// wakes for the stack's timers.
struct NetPoller {
  int (*poll)(int kthread, bool steal);  // frames handled and timers run
  bool (*pending)();                     // frames waiting in any ring
  uint64_t (*next_timer_ns)();           // the stack's next timer, 0 = none
  // In a forked child: the rings stay the parent's; the child's copy of
  // the link must never touch them again (and the child stops polling).
  void (*abandon_after_fork)();
};
void SetNetPoller(const NetPoller* p);
bool NetPollerActive();  // async-signal-safe
// The calling kthread's index, -1 off the scheduler's threads.
int CurrentKthreadIndex();

// Host signal handlers call this after queueing a signal while the LibOS
// was interrupted: the scheduler wakes an interruptible waiter soon.
void NoteSignalArrived();
// A signal was noted and the scheduler loop has not looked yet (async-signal-safe).
bool SignalArrivedPending();

}  // namespace junction::sched

extern "C" void junction_uthread_switch(uintptr_t* save_rsp, uintptr_t new_rsp);
