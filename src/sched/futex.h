// User-level futexes: waiters are uthreads parked in a hash table keyed by
// the futex's address; a wake costs a table lookup and a runqueue push.
// Shared (non-PRIVATE) futexes are keyed the same way, which is right while
// a container is one address space (cross-process futexes: processes issue).
#pragma once

#include <cstdint>

namespace junction::sched {

// Waits while *uaddr == val (checked atomically with the enqueue). deadline
// in CLOCK_MONOTONIC ns (0 = none). Returns 0, -EAGAIN, -ETIMEDOUT, -EINTR.
long FutexWait(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns);
// Wakes up to n waiters whose bitset matches. Returns how many woke.
long FutexWake(uint32_t* uaddr, int n, uint32_t bitset);
// Wakes n_wake waiters on uaddr and moves up to n_requeue more to uaddr2.
// With `check`, first verifies *uaddr == cmpval (else -EAGAIN).
long FutexRequeue(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue, bool check,
                  uint32_t cmpval);
// FUTEX_WAKE_OP.
long FutexWakeOp(uint32_t* uaddr, uint32_t* uaddr2, int n, int n2, uint32_t op);
// Priority-inheritance locks, reduced for a user-level scheduler: ownership
// is handed to the first waiter on unlock (no priority boosting: uthreads
// have no priorities).
long FutexLockPi(uint32_t* uaddr, int tid, uint64_t deadline_ns, bool try_only);
long FutexUnlockPi(uint32_t* uaddr, int tid);

// Fork child: the waiters (other threads) do not exist there.
void ResetFutexesAfterFork();

}  // namespace junction::sched
