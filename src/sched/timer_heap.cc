#include "sched/timer_heap.h"

namespace junction::sched {

void TimerHeap::Put(size_t i, const TimerEntry& e) {
  heap_[i] = e;
  if (e.u) e.u->timer_slot = static_cast<int>(i);
}

void TimerHeap::SiftUp(size_t i) {
  TimerEntry e = heap_[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (heap_[parent].deadline <= e.deadline) break;
    Put(i, heap_[parent]);
    i = parent;
  }
  Put(i, e);
}

void TimerHeap::SiftDown(size_t i) {
  TimerEntry e = heap_[i];
  size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].deadline < heap_[child].deadline) child++;
    if (e.deadline <= heap_[child].deadline) break;
    Put(i, heap_[child]);
    i = child;
  }
  Put(i, e);
}

void TimerHeap::RemoveAt(size_t i) {
  if (heap_[i].u) heap_[i].u->timer_slot = -1;
  size_t last = heap_.size() - 1;
  if (i != last) {
    Put(i, heap_[last]);
    heap_.pop_back();
    SiftDown(i);
    SiftUp(i);
  } else {
    heap_.pop_back();
  }
}

void TimerHeap::SetWaitTimer(Uthread* u, uint64_t deadline, uint64_t seq) {
  if (u->timer_slot >= 0) {
    size_t i = static_cast<size_t>(u->timer_slot);
    heap_[i].deadline = deadline;
    heap_[i].seq = seq;
    SiftDown(i);
    SiftUp(static_cast<size_t>(u->timer_slot));
    return;
  }
  heap_.push_back(TimerEntry{deadline, u, seq, nullptr, nullptr});
  SiftUp(heap_.size() - 1);
}

void TimerHeap::AddCallback(uint64_t deadline, TimerFn fn, void* arg, uint64_t seq) {
  heap_.push_back(TimerEntry{deadline, nullptr, seq, fn, arg});
  SiftUp(heap_.size() - 1);
}

void TimerHeap::RemoveWaitTimer(Uthread* u) {
  if (u->timer_slot >= 0) RemoveAt(static_cast<size_t>(u->timer_slot));
}

TimerEntry TimerHeap::PopEarliest() {
  TimerEntry e = heap_[0];
  RemoveAt(0);
  return e;
}

}  // namespace junction::sched
