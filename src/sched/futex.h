// User-level futexes: waiters are uthreads parked in a hash table keyed by
// the futex's address; a wake costs a table lookup and a runqueue push.
// A futex in memory several processes map (a non-PRIVATE operation on a
// MAP_SHARED mapping: process-shared semaphores and mutexes) also has a
// SharedWaitSlot in memory all the container's processes map.
#pragma once

#include <atomic>
#include <cstdint>

#include "sched/doorbell.h"

namespace junction::sched {

// Waits while *uaddr == val (checked atomically with the enqueue). deadline
// in CLOCK_MONOTONIC ns (0 = none). Returns 0, -EAGAIN, -ETIMEDOUT, -EINTR.
// `shared`: the operation had no FUTEX_PRIVATE_FLAG. As on Linux, a
// private operation never finds a waiter that waited without the flag, nor
// the reverse, whatever memory the word is in (every operation below).
long FutexWait(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns, bool shared);
// Wakes up to n waiters whose bitset matches. Returns how many woke.
long FutexWake(uint32_t* uaddr, int n, uint32_t bitset, bool shared);

// Cross-process futexes. A waiter from another process cannot be put on a
// run queue here, so a waiter of a shared futex parks in its own process
// as usual (a wake from its own process is immediate) and is listed in the
// slot (sched/doorbell.h); a wake from another process bumps the slot's
// counter and rings this process's doorbell, whose handler wakes the
// waiters whose slot moved: they return 0, which futex users must treat
// as a possible spurious wake-up anyway.
long FutexWaitShared(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns,
                     SharedWaitSlot* slot);
long FutexWakeShared(uint32_t* uaddr, int n, uint32_t bitset, SharedWaitSlot* slot);
// Tells waiters in other processes to re-check (requeue, wake-op).
void FutexNotifyShared(SharedWaitSlot* slot);
// This process's doorbell was rung (HandleDoorbell): wakes its shared
// waiters whose slot moved, but none waiting on `except` (a wake of that
// word woke those it chose itself).
void FutexWakeRungSharedWaiters(const uint32_t* except = nullptr);
// Wakes n_wake waiters on uaddr and moves up to n_requeue more to uaddr2.
// With `check`, first verifies *uaddr == cmpval (else -EAGAIN).
long FutexRequeue(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue, bool check,
                  uint32_t cmpval, bool shared);
// FUTEX_WAKE_OP.
long FutexWakeOp(uint32_t* uaddr, uint32_t* uaddr2, int n, int n2, uint32_t op, bool shared);
// Priority-inheritance locks, reduced for a user-level scheduler: ownership
// is handed to the first waiter on unlock (no priority boosting: uthreads
// have no priorities).
long FutexLockPi(uint32_t* uaddr, int tid, uint64_t deadline_ns, bool try_only, bool shared);
long FutexUnlockPi(uint32_t* uaddr, int tid, bool shared);

// futex_waitv: waits on up to kFutexWaitvMax 32-bit words at once (values
// checked as each is queued). Returns the index of the word whose wake
// ended the wait, -EAGAIN (a value differed), -ETIMEDOUT or -EINTR.
inline constexpr int kFutexWaitvMax = 128;
struct FutexWaitvEntry {
  uint32_t* uaddr;
  uint32_t val;
  bool shared;  // no FUTEX2_PRIVATE
};
long FutexWaitv(const FutexWaitvEntry* entries, int n, uint64_t deadline_ns);

// FUTEX_WAIT_REQUEUE_PI: waits on uaddr until FUTEX_CMP_REQUEUE_PI takes
// the PI lock uaddr2 for it or requeues it there (then FUTEX_UNLOCK_PI
// hands the lock over); returns 0 owning uaddr2.
long FutexWaitRequeuePi(uint32_t* uaddr, uint32_t val, uint32_t* uaddr2, int tid,
                        uint64_t deadline_ns, bool shared);
// FUTEX_CMP_REQUEUE_PI: n_wake must be 1. Returns waiters woken + requeued.
long FutexCmpRequeuePi(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue,
                       uint32_t cmpval, bool shared);

// Fork child: the waiters (other threads) do not exist there.
// In the parent, before a host fork (after the first, nothing to do).
void PrepareFutexesForFork();
void ResetFutexesAfterFork();

}  // namespace junction::sched
