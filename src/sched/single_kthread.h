// One kthread and no other host thread in the scheduler (no daemon
// watcher): then the only code that can interleave with the scheduler's and
// the futexes' critical sections is a host signal handler on that same
// thread, and only at instruction boundaries. Their locks then need not be
// locked instructions (~20 cycles each on the VMs measured; a futex
// ping-pong round trip took 14 of them): marking a lock held is enough, and
// a compare-exchange without the lock prefix is still atomic with respect to
// the handlers. The handlers never take these locks nor write the state
// they guard (preempt.cc only sets flags).
#pragma once

#include <atomic>

#include "sched/spinlock.h"

namespace junction::sched {

// Set before the first uthread runs (RunScheduler), and in a forked child
// (it runs on one kthread). Vector-free: read on the guest's registers.
extern bool g_single_kthread;

// A host thread other than the kthreads will run scheduler code (the
// daemon watcher): call before RunScheduler.
void NoteSchedulerHelperThread();

inline void LockSched(SpinLock& l) {
  if (g_single_kthread)
    l.mark_held();
  else
    l.lock();
}

class SchedGuard {
 public:
  explicit SchedGuard(SpinLock& l) : l_(l) { LockSched(l_); }
  ~SchedGuard() { l_.unlock(); }
  SchedGuard(const SchedGuard&) = delete;
  SchedGuard& operator=(const SchedGuard&) = delete;

 private:
  SpinLock& l_;
};

// compare_exchange_strong (seq_cst) of a word only kthreads and their
// signal handlers write.
template <typename T>
inline bool CasSched(std::atomic<T>& a, T& expected, T desired) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8);
  if (!g_single_kthread) return a.compare_exchange_strong(expected, desired);
  T seen = expected;
  asm volatile("cmpxchg %2, %1" : "+a"(seen), "+m"(a) : "r"(desired) : "memory", "cc");
  bool ok = seen == expected;
  expected = seen;
  return ok;
}

// fetch_add for a counter changed only under a scheduler lock.
inline void AddSched(std::atomic<int>& a, int d) {
  if (g_single_kthread)
    a.store(a.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  else
    a.fetch_add(d, std::memory_order_relaxed);
}

}  // namespace junction::sched
