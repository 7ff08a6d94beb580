// Wait queues: how LibOS objects (pipes, eventfds, sockets, epoll...) park
// the uthreads that wait for them. The object's state and its WaitQueue are
// protected by the object's own lock; Wait() is called with that lock held
// after the caller found it has to wait, and returns with it released.
//
//   sched::SpinGuard g(lock_);           // or lock_.lock()
//   while (!readable_) {
//     long r = read_waiters_.Wait(lock_, deadline);  // unlocks, parks, returns unlocked
//     if (r) return r;                   // -EINTR / -ETIMEDOUT
//     lock_.lock();
//   }
//
// Wakers call WakeOne/WakeAll with the same lock held (or not: both are
// safe), after changing the state a waiter re-checks.
#pragma once

#include <cstdint>

#include "sched/kthread.h"
#include "sched/spinlock.h"
#include "sched/uthread.h"

namespace junction::sched {

class WaitQueue {
 public:
  // Parks the current uthread until woken, `deadline_ns` (CLOCK_MONOTONIC,
  // 0 = none) passes, or a signal arrives. `lock` must be held; it is
  // released before parking and NOT re-taken. Returns 0 (woken), -ETIMEDOUT
  // or -EINTR.
  long Wait(SpinLock& lock, uint64_t deadline_ns = 0);
  void WakeOne();
  void WakeAll();
  bool empty() const;
  // Whether a waiter may be queued, read without the queue's lock: exact
  // (no false "no") for a caller holding the object's lock that waiters
  // hold while they queue, so a waker that changed the state under that
  // lock may skip WakeAll when this is false.
  bool may_have_waiters() const { return __atomic_load_n(&head_, __ATOMIC_RELAXED) != nullptr; }
  // Its list's lock, for a host fork to hold (File::AddForkLocks).
  SpinLock& fork_lock() const { return lock_; }

 private:
  struct Node {
    Uthread* u;
    Node* next;
    Node* prev;
    bool queued;
  };
  void Remove(Node* n);

  mutable SpinLock lock_;  // protects the list (inner to the object's lock)
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
};

}  // namespace junction::sched
