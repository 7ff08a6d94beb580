// SO_LINGER with a timeout: what a lingering close() of either socket kind
// (bypass: inet_socket.cc; host: host_socket.cc) needs from the scheduler.
#pragma once

#include <cstdint>

#include "sched/kthread.h"

namespace junction::libos::net {

// Linux lingers in whichever call drops the last reference (close, dup2
// over it, execve's close-on-exec), never in an exit (inet_release skips
// the wait under PF_EXITING). Only a guest thread can wait.
inline bool MayLingerHere() {
  sched::Uthread* u = sched::Current();
  return u != nullptr && !u->exiting;
}

// The wait's length for SO_LINGER's time as stored (`secs` < 0: forever,
// 0 here).
inline uint64_t LingerTimeoutNs(int secs) {
  return secs > 0 ? static_cast<uint64_t>(secs) * 1'000'000'000 : 0;
}

}  // namespace junction::libos::net
