// SIGKILL to another process of the container. A host SIGKILL ends the
// target before its LibOS can run, so its robust futexes would stay held
// (Linux releases them in the dying task's exit). Instead the sender asks
// the target's LibOS to die of SIGKILL itself: a host kPreemptSignal queued
// with a marker value, which the target turns into a pending guest SIGKILL
// (unblockable, SIG_DFL): delivery then releases every thread's robust
// futexes and ends the process by a host SIGKILL, so its parent sees
// WTERMSIG == SIGKILL. A target that has not died 1 s later (stopped, or
// its threads all in uninterruptible waits) gets the host SIGKILL, and so
// does one the request cannot be queued to (a real-time host signal, it
// counts against the host's RLIMIT_SIGPENDING of the sending user).
#pragma once

#include <signal.h>

namespace junction::libos {

// Sends the request to host process `host_pid`. 0 or -errno (ESRCH).
long SendKillRequest(int host_pid);
// The same through a host pidfd the caller keeps (pidfd_send_signal).
long SendKillRequestPidfd(int host_pidfd);

// The kPreemptSignal hook (sched::SetPreemptSignalHook): a request is
// handled as a host SIGKILL from its sender would be if it could be caught
// (queued for the process, delivered at once in guest code, else at the
// next LibOS exit of a thread woken for it). True if `info` was one.
bool TakeKillRequest(siginfo_t* info, void* ucontext);

}  // namespace junction::libos
