// The LibOS side of a core grant for one kthread (docs/daemon.md, "The
// kthread's side"): may it run uthreads now, taking a new grant (pinning
// the kthread to the granted core), giving the core back, and waiting for
// the next grant with the spin-then-sleep rule (DESIGN.md §2: a sleeping
// thread woken from another vCPU costs ~25 µs, so a waiter that expects a
// grant soon polls the shared word first).
//
// Context: every function runs on the kthread that owns the CoreGrant,
// except KickGrantWaiter (any thread).
#pragma once

#include <atomic>
#include <cstdint>

#include "sched/grant_trace.h"
#include "sched/shm_protocol.h"

namespace junction::sched {

struct CoreGrant {
  KthreadSlot* slot = nullptr;  // nullptr: no daemon, the kthread always runs
  uint32_t core = kNoCore;      // the grant acted on: a core id, kStandaloneGrant or kNoCore
  uint32_t seq = 0;             // its grant_seq (acknowledged in slot->status)
  uint32_t pinned = kNoCore;    // the core sched_setaffinity last pinned us to
  std::atomic<bool> holds{false};  // may run uthreads (read by wakers)
  // Out of work but keeping the grant (KthreadState::kIdle): resumes on it
  // without the daemon if it is still ours (read by wakers).
  std::atomic<bool> idle{false};
  // Set by a waker (work for a kthread without a core): spin for a grant
  // instead of sleeping. Read and cleared by the owner.
  std::atomic<uint32_t> kicked{0};
  std::atomic<uint32_t> sleeping{0};  // in FUTEX_WAIT on slot->grant_core
  // A forked process's member slot (SCHED_JOIN): our host pid, which the
  // slot's member_pid must name for its grants to be ours; 0 otherwise.
  uint32_t member_pid = 0;
  uint32_t member_token = 0;  // and its member_token: the slot is this kthread's
  // cpu.spinning_kthreads: idle, polls its grant instead of sleeping in
  // FUTEX_WAIT while the grant is still its own (never on a taken core).
  bool spins = false;
  GrantTraceSample* trace = nullptr;  // the owner's sample while tracing (grant_trace.h)
  int trace_stat_fd = -1;             // and its host thread's schedstat file
};

// How long a waiter polls its grant word after a kick or a timer before
// sleeping in FUTEX_WAIT.
inline constexpr uint64_t kGrantSpinNs = 200'000;

// The slow half of MayRun: takes a new grant (pins, publishes running) or
// notices that the core is gone (publishes parked). Returns g.holds.
bool TakeGrant(CoreGrant& g);

// At a scheduling point: true if this kthread may run uthreads.
inline bool MayRun(CoreGrant& g) {
  if (g.slot == nullptr) return true;
  uint32_t c = g.slot->grant_core.load(std::memory_order_acquire);
  if (g.holds && c == g.core && g.slot->yield_requested.load(std::memory_order_relaxed) == 0)
    return true;
  return TakeGrant(g);
}

// True while the daemon is gone (the client granted kStandaloneGrant).
inline bool RunsStandalone(const CoreGrant& g) {
  return g.slot == nullptr ||
         g.slot->grant_core.load(std::memory_order_relaxed) == kStandaloneGrant;
}

// Gives the core back: publishes parked with the grant's sequence number.
void ReleaseCore(CoreGrant& g);

// Out of work: keeps the grant but publishes idle, so the daemon may lend
// the core to another container meanwhile (docs/daemon.md, "Idle cores
// stay lent").
void IdleCore(CoreGrant& g);
// Work came for an idle kthread: true if the grant is still its own (it
// runs again, publishing running); false if the daemon took it back (then
// it publishes parked, and waits for a grant like any other).
bool ResumeIdleCore(CoreGrant& g);

// How WaitForGrant waits before it sleeps in FUTEX_WAIT.
enum class GrantPoll {
  kSleep,   // at once (it still polls kGrantSpinNs after every wake-up)
  kPolite,  // polls kGrantSpinNs, yielding the CPU now and then (the core
            // it last held may be another container's now)
  kHard,    // polls kGrantSpinNs without yielding: a grant is due within
            // microseconds (the timer keeper at its deadline), and a yield on
            // a loaded host gives the CPU away for a whole host time slice
};

// How far ahead of the earliest timer the timer keeper wakes and polls
// (docs/daemon.md, "Timers without a core"): long enough to cover a host
// timer's lateness. On a halted vCPU that is the host's wake-up (p50
// ~45 µs, p99 ~90-130 µs here on a quiet machine), whose tail past 150 µs
// makes a round late; under a busy daemon the cores are dedicated, so the
// keeper polls twice as long ahead to cover it (docs/performance.md "Busy
// grant tail, sixth session").
inline constexpr uint64_t kKeeperLeadNs = 150'000;
inline constexpr uint64_t kBusyKeeperLeadNs = 300'000;
inline uint64_t KeeperLeadNs(bool daemon_polls_busy) {
  return daemon_polls_busy ? kBusyKeeperLeadNs : kKeeperLeadNs;
}

// How a coreless kthread polls next after a wake-up that brought no grant
// (a timer, a signal, a kick): hard if the timer keeper just woke its
// timer's uthread on its own idle core (the grant or its resumption is
// due now), politely if work is queued for it (the doorbell asked the
// daemon for a core), else not at all.
inline GrantPoll NextGrantPoll(bool keeper_woke_timer, bool work_queued) {
  if (keeper_woke_timer) return GrantPoll::kHard;
  return work_queued ? GrantPoll::kPolite : GrantPoll::kSleep;
}

// Blocks until a new grant arrives (true), or until `deadline_ns` passes
// (0: none) or a kick arrives (false: the caller services timers and
// signals and calls again).
bool WaitForGrant(CoreGrant& g, uint64_t deadline_ns, GrantPoll poll);

// Any thread: work was queued for g's kthread, which has no core.
void KickGrantWaiter(CoreGrant& g);

// Fork child: forgets the slot (the parent's) and runs on the process's
// cores again. Also a member whose slot no longer names it.
void ReleaseGrantAfterFork(CoreGrant& g);

// A kthread a forked child starts in the place of one of its parent's:
// no slot, nothing held; `inherited_pin` is what its creator was pinned
// to (the new host thread's affinity).
void ResetGrantForNewThread(CoreGrant& g, uint32_t inherited_pin);

// The affinity to return to when running without the daemon (the
// process's mask at start); set once before kthreads start.
void SaveStandaloneAffinity();

}  // namespace junction::sched
