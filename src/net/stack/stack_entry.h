// StackEntry: the guard every public NetStack entry point holds (see
// stack.h for the locking rules). Internal to src/net/stack.
#pragma once

#include <algorithm>

#include "net/stack/stack.h"

namespace junction::net {

// Holds the stack lock for one public entry point. On exit it finishes what
// the operation queued: packets to ourselves, the link doorbell, then, with
// the lock dropped, socket wake-ups.
class StackEntry {
 public:
  explicit StackEntry(const NetStack* s) : s_(const_cast<NetStack*>(s)) {
    // The clock first: nothing outside the stack runs under its lock.
    uint64_t now = s_->cfg_.clock();
    while (s_->lock_.test_and_set(std::memory_order_acquire)) {
      __builtin_ia32_pause();
    }
    s_->now_ = std::max(s_->now_, now);
  }
  ~StackEntry() {
    s_->DrainLoopback_l();
    s_->link_->Flush();
    std::vector<std::function<void()>> wakes;
    wakes.swap(s_->wake_fns_);
    s_->wake_keys_.clear();
    s_->lock_.clear(std::memory_order_release);
    for (auto& fn : wakes) fn();
  }
  StackEntry(const StackEntry&) = delete;
  StackEntry& operator=(const StackEntry&) = delete;

 private:
  NetStack* s_;
};

}  // namespace junction::net
