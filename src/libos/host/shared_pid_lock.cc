#include "libos/host/shared_pid_lock.h"

#include <linux/futex.h>
#include <poll.h>
#include <sys/syscall.h>

#include <cerrno>
#include <ctime>

#include "libos/host/host.h"
#include "sched/kthread.h"

namespace junction::host {

namespace {

constexpr int kSpins = 2000;  // about the longest update's time before sleeping

uint32_t* FutexWord(std::atomic<int32_t>* word) { return reinterpret_cast<uint32_t*>(word); }

}  // namespace

bool HostProcessExited(int host_pid) {
  if (host_pid <= 0) return false;
  long fd = Syscall(SYS_pidfd_open, host_pid, 0);
  if (fd == -ESRCH) return true;
  // No descriptor to spare: kill(0) sees a reaped process only.
  if (fd < 0) return Syscall(SYS_kill, host_pid, 0) == -ESRCH;
  pollfd p{static_cast<int>(fd), POLLIN, 0};
  long n = Syscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0);
  Syscall(SYS_close, fd);
  return n > 0 && (p.revents & POLLIN);
}

PidLockTaken LockPidWord(std::atomic<int32_t>* word, int32_t self, int32_t* dead_holder) {
  for (int spins = 0; spins < kSpins; spins++) {
    int32_t expected = 0;
    if (word->compare_exchange_weak(expected, self, std::memory_order_acquire)) return PidLockTaken::kFree;
    __builtin_ia32_pause();
  }
  // Sleeping now: whoever takes the word from here on keeps the sleepers
  // bit, so an unlock wakes the next sleeper (there may be one).
  uint64_t check_at = sched::NowNs() + kPidLockCheckNs;
  for (;;) {
    int32_t seen = word->load(std::memory_order_relaxed);
    if (seen == 0) {
      if (word->compare_exchange_weak(seen, self | kPidLockSleepers, std::memory_order_acquire))
        return PidLockTaken::kFree;
      continue;
    }
    if (!(seen & kPidLockSleepers) &&
        !word->compare_exchange_weak(seen, seen | kPidLockSleepers, std::memory_order_relaxed))
      continue;
    seen |= kPidLockSleepers;
    timespec timeout{0, static_cast<long>(kPidLockCheckNs)};
    long r = Syscall(SYS_futex, reinterpret_cast<long>(FutexWord(word)), FUTEX_WAIT, seen,
                     reinterpret_cast<long>(&timeout));
    // Timed by the clock: host signals (preemption ticks) may end every wait early.
    if (r != -ETIMEDOUT && sched::NowNs() < check_at) continue;
    check_at = sched::NowNs() + kPidLockCheckNs;
    // Held for a whole check interval: is the holder still there?
    if (HostProcessExited(seen & ~kPidLockSleepers) &&
        word->compare_exchange_strong(seen, self | kPidLockSleepers, std::memory_order_acquire)) {
      if (dead_holder) *dead_holder = seen & ~kPidLockSleepers;
      return PidLockTaken::kFromDead;
    }
  }
}

void UnlockPidWord(std::atomic<int32_t>* word) {
  if (word->exchange(0, std::memory_order_release) & kPidLockSleepers)
    Syscall(SYS_futex, reinterpret_cast<long>(FutexWord(word)), FUTEX_WAKE, 1);
}

}  // namespace junction::host
