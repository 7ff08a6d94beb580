// Socket wake-ups that a member's Poll() causes while an epoll instance
// harvests under its lock: a TCP connection a fork shared is claimed by
// the process that polls it, and the segments parked for it meanwhile
// wake the socket's watchers, that very instance among them, whose lock
// this kthread holds (lighttpd's CGI forks under concurrent requests in a
// bypass container spun there forever). They run once the lock is dropped.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "libos/entry/thread_state.h"

namespace junction::libos::ipc {

// While one is alive on this kthread, the wake-ups given to Defer() wait
// for its end. The kthread runs no other uthread meanwhile (the scope
// holds a spinlock or is about to: nothing in it blocks).
class DeferWakes {
 public:
  DeferWakes() : ts_(CurrentThread()), outer_(ts_->deferred_wakes) { ts_->deferred_wakes = this; }
  ~DeferWakes() {
    ts_->deferred_wakes = outer_;
    for (auto& fn : fns_) fn();
  }
  DeferWakes(const DeferWakes&) = delete;
  DeferWakes& operator=(const DeferWakes&) = delete;

  // The one alive on this kthread, or nullptr: then wake at once.
  static DeferWakes* Active() { return static_cast<DeferWakes*>(CurrentThread()->deferred_wakes); }
  void Defer(std::function<void()> fn) { fns_.push_back(std::move(fn)); }

 private:
  ThreadState* ts_;
  void* outer_;
  std::vector<std::function<void()>> fns_;
};

}  // namespace junction::libos::ipc
