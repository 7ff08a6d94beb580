// A lock word in memory the container's processes share (the System V
// registry, the process table), held by a host process: the word is the
// holder's host pid, with kPidLockSleepers set while a waiter sleeps on it.
// A waiter spins briefly, then sleeps on the word (a host futex, so a
// stopped holder costs the others no CPU); every kPidLockCheckNs of
// sleeping it asks whether the holder has exited (a pidfd is readable from
// the exit on, before the parent reaps the zombie) and takes the word over
// from a dead holder. What is left (docs/ipc.md): a holder's pid reused by
// an unrelated host process before anyone noticed the death.
#pragma once

#include <atomic>
#include <cstdint>

namespace junction::host {

inline constexpr int32_t kPidLockSleepers = 1 << 30;  // above any pid (PID_MAX_LIMIT = 2^22)
inline constexpr uint64_t kPidLockCheckNs = 10'000'000;

enum class PidLockTaken {
  kFree,      // from an unlock (or already ours)
  kFromDead,  // from a holder that exited holding it: what it guarded may be half updated
};

// kFromDead: *dead_holder (if given) is the host pid of the dead holder.
PidLockTaken LockPidWord(std::atomic<int32_t>* word, int32_t self_host_pid, int32_t* dead_holder = nullptr);
void UnlockPidWord(std::atomic<int32_t>* word);

// Host process `host_pid` has exited (a zombie or gone).
bool HostProcessExited(int host_pid);

}  // namespace junction::host
