// The scheduler's timers (kthread.cc keeps one, under its timer lock): a
// min-heap by deadline of timed waits' and callbacks' entries.
//
// A uthread owns at most one entry, its timed wait's (Uthread::timer_slot
// is its index). A wait woken before its deadline leaves the entry queued
// (removing it would cost every early wake-up the lock); the uthread's next
// timed wait re-targets that entry, and its exit removes it, so an entry
// never refers to a freed Uthread. Not thread-safe: the caller locks.
#pragma once

#include <cstdint>
#include <vector>

#include "sched/uthread.h"

namespace junction::sched {

using TimerFn = void (*)(void* arg, uint64_t seq);

// A uthread's entry (u set, fn null): wake `u` if its wait of generation
// `seq` (Uthread::WaitGen) has not ended. A callback (u null): call
// fn(arg, seq).
struct TimerEntry {
  uint64_t deadline;
  Uthread* u;
  uint64_t seq;
  TimerFn fn;
  void* arg;
};

class TimerHeap {
 public:
  static constexpr uint64_t kNone = ~uint64_t{0};

  // Queues u's timed wait, re-targeting u's entry if it has one.
  void SetWaitTimer(Uthread* u, uint64_t deadline, uint64_t seq);
  void AddCallback(uint64_t deadline, TimerFn fn, void* arg, uint64_t seq);
  // Removes u's entry, if any (its exit).
  void RemoveWaitTimer(Uthread* u);

  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  uint64_t next_deadline() const { return heap_.empty() ? kNone : heap_[0].deadline; }
  // True if the earliest entry is a uthread's plain sleep (Uthread::sleep_only).
  bool earliest_sleep() const {
    return !heap_.empty() && heap_[0].u != nullptr && __atomic_load_n(&heap_[0].u->sleep_only, __ATOMIC_RELAXED);
  }
  // Removes and returns the earliest entry; its uthread owns none after.
  TimerEntry PopEarliest();

 private:
  void Put(size_t i, const TimerEntry& e);  // stores e at i, records the slot
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  void RemoveAt(size_t i);

  std::vector<TimerEntry> heap_;
};

}  // namespace junction::sched
