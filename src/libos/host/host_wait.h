// A host call that may wait on the guest's behalf with its kthread
// blocked (file locks, sendfile between host descriptors, terminal
// drains: docs/architecture.md, "Exec and threads blocked in host calls"):
// host::AbortableSyscall, so that an exec can end it, with the calling
// uthread marked meanwhile so that /proc shows it sleeping (S), as Linux
// shows a task waiting for a lock.
#pragma once

#include "libos/host/host.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

inline long HostWaitCall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                         long a5 = 0) {
  sched::Uthread* u = sched::Current();
  if (u) __atomic_store_n(&u->in_host_wait, true, __ATOMIC_RELAXED);
  long r = host::AbortableSyscall(nr, a0, a1, a2, a3, a4, a5);
  if (u) __atomic_store_n(&u->in_host_wait, false, __ATOMIC_RELAXED);
  return r;
}

}  // namespace junction::libos
