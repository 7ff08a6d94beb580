#include "sched/wait_queue.h"

#include <cerrno>

#include "sched/single_kthread.h"

namespace junction::sched {

void WaitQueue::Remove(Node* n) {
  if (!n->queued) return;
  if (n->prev) n->prev->next = n->next; else head_ = n->next;
  if (n->next) n->next->prev = n->prev; else tail_ = n->prev;
  n->queued = false;
}

long WaitQueue::Wait(SpinLock& object_lock, uint64_t deadline_ns) {
  Uthread* u = Current();
  Node n{u, nullptr, nullptr, true};
  {
    SchedGuard g(lock_);
    n.prev = tail_;
    if (tail_) tail_->next = &n; else head_ = &n;
    tail_ = &n;
    u->BeginWait();
  }
  object_lock.unlock();
  WakeReason why = Park(deadline_ns, true);
  if (why == WakeReason::kWoken) return 0;
  SchedGuard g(lock_);
  Remove(&n);
  return why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
}

void WaitQueue::WakeOne() {
  SchedGuard g(lock_);
  while (Node* n = head_) {
    Remove(n);
    if (WakeUp(n->u, WakeReason::kWoken)) return;  // else it timed out: next
  }
}

void WaitQueue::WakeAll() {
  SchedGuard g(lock_);
  while (Node* n = head_) {
    Remove(n);
    WakeUp(n->u, WakeReason::kWoken);
  }
}

bool WaitQueue::empty() const {
  SchedGuard g(lock_);
  return head_ == nullptr;
}

}  // namespace junction::sched
