// A test-and-test-and-set spinlock for LibOS data that is held briefly and
// never across a blocking call. No libc, no TLS: usable with the guest's %fs
// loaded and from host signal handlers (which must not take a lock the
// interrupted code on the same kthread may hold).
#pragma once

#include <atomic>

namespace junction::sched {

class SpinLock {
 public:
  void lock() {
    for (;;) {
      if (!held_.exchange(true, std::memory_order_acquire)) return;
      while (held_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  bool try_lock() { return !held_.exchange(true, std::memory_order_acquire); }
  // Only when no other thread can contend (single_kthread.h): a plain store.
  void mark_held() {
    held_.store(true, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }
  void unlock() { held_.store(false, std::memory_order_release); }
  bool is_locked() const { return held_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> held_{false};
};

class SpinGuard {
 public:
  explicit SpinGuard(SpinLock& l) : l_(l) { l_.lock(); }
  ~SpinGuard() { l_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  SpinLock& l_;
};

}  // namespace junction::sched
