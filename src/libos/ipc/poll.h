// Waiting for readiness on several descriptions at once: poll/select and
// epoll_wait. LibOS objects notify through their PollHub; host descriptors
// through the reactor (sched::WatchHostFd), so the kthread never blocks.
#pragma once

#include <cstdint>
#include <vector>

#include "libos/fs/file.h"
#include "sched/reactor.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::ipc {

// One blocked call: whoever sees readiness calls Fire().
class Waker {
 public:
  void Fire();
  // Parks until fired, `deadline_ns` (0 = none) or a signal: 0, -ETIMEDOUT,
  // -EINTR. Clears the fired state.
  long Wait(uint64_t deadline_ns);

 private:
  sched::SpinLock lock_;
  bool fired_ = false;  // guarded by lock_
  sched::WaitQueue q_;
};

// A LibOS watcher that fires a Waker.
struct WakerWatcher final : fs::PollWatcher {
  Waker* waker = nullptr;
  void Notify(uint32_t) override { waker->Fire(); }
};

// A reactor watch that fires a Waker.
struct WakerHostWatch : sched::HostFdWatch {
  explicit WakerHostWatch(Waker* w) {
    fn = [](sched::HostFdWatch* hw, uint32_t) { static_cast<Waker*>(hw->ctx)->Fire(); };
    ctx = w;
  }
};

struct PollEntry {
  fs::FilePtr file;  // nullptr: skipped
  uint32_t events;   // EPOLL* bits (the same values as POLL*)
  uint32_t revents = 0;
};

// Fills revents and returns how many entries are ready, waiting until one
// is (block) or `deadline_ns` (CLOCK_MONOTONIC, 0 = none) passes.
// -EINTR on a signal.
long PollFiles(std::vector<PollEntry>& entries, bool block, uint64_t deadline_ns);

// Readiness of one description now: LibOS objects by Poll(), host
// descriptors by a zero-timeout host poll.
uint32_t PollOne(fs::File& f, uint32_t events);

}  // namespace junction::libos::ipc
