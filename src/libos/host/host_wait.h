// A host call that may wait on the guest's behalf with its kthread
// blocked (file locks, sendfile between host descriptors, terminal
// drains: docs/architecture.md, "Exec and threads blocked in host calls"):
// host::AbortableSyscall, so that an exec can end it, with the calling
// uthread marked meanwhile so that /proc shows it sleeping (S), as Linux
// shows a task waiting for a lock.
#pragma once

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

// `interruptible`: as Linux's interruptible waits, a signal the thread may
// take ends the call with -EINTR (its sender signals this kthread; the
// syscall exit then restarts the call or runs the handler, per
// SA_RESTART). One that is pending already ends it before it starts.
inline long HostWaitCallAs(bool interruptible, long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  sched::Uthread* u = sched::Current();
  if (!u) return host::AbortableSyscall(nr, a0, a1, a2, a3, a4, a5);
  ThreadState* ts = CurrentThread();
  ts->host_wait_abort = 0;
  __atomic_store_n(&u->host_wait_interruptible, interruptible, __ATOMIC_RELAXED);
  // Ordered before the look at pending signals; a sender stores the signal
  // before it looks at this (signal_state.cc Notify): one of the two sees
  // the other.
  __atomic_store_n(&u->in_host_wait, true, __ATOMIC_SEQ_CST);
  long r;
  for (;;) {
    if (interruptible && DeliverableSignals()) {
      r = -EINTR;
      break;
    }
    r = host::AbortableSyscall(nr, a0, a1, a2, a3, a4, a5);
    if (r != -EINTR || !interruptible || DeliverableSignals() || ExecEndsCurrentThread()) break;
    // Ended for due timers (SignalEndsHostWait), or for a signal another
    // thread took meanwhile: the scheduler runs the timers (one may send
    // a signal this thread takes), then the wait goes on.
    ts->host_wait_abort = 0;
    sched::Yield();
    ts = CurrentThread();  // it may go on on another kthread
    ts->host_wait_abort = 0;
  }
  __atomic_store_n(&u->in_host_wait, false, __ATOMIC_RELAXED);
  __atomic_store_n(&u->host_wait_interruptible, false, __ATOMIC_RELAXED);
  CurrentThread()->host_wait_abort = 0;
  return r;
}

// Not ended by signals (copy_file_range between files).
inline long HostWaitCall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                         long a5 = 0) {
  return HostWaitCallAs(false, nr, a0, a1, a2, a3, a4, a5);
}
// Ended by signals (file locks, a pipe's sendfile, terminal drains). Only
// for calls that wait: the look at pending signals gives EINTR where a
// call that never waits (F_SETLK, TCGETS) never does on Linux; callers
// whose request may or may not wait use HostWaitCallAs.
inline long HostInterruptibleWaitCall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0,
                                      long a4 = 0, long a5 = 0) {
  return HostWaitCallAs(true, nr, a0, a1, a2, a3, a4, a5);
}

}  // namespace junction::libos
