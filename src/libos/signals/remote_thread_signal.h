// A signal for one thread of another container process (tgkill, tkill,
// rt_tgsigqueueinfo naming a non-main thread). The host knows only the
// target's host process, so the sender queues the signal there with a
// marker si_code and the target thread's id in siginfo bytes the host
// carries but no siginfo layout of the marker uses; the target's host
// handler puts it in a mailbox, and the scheduler's notice hands it to that
// thread (a lookup that takes locks, which the handler may not).
#pragma once

#include <signal.h>

namespace junction::libos {

// Sends `info` (its si_pid a container pid) to thread `tid` of host process
// `host_pid`. 0 or -errno (ESRCH, EAGAIN).
long SendRemoteThreadSignal(int host_pid, int tid, siginfo_t info);

// In the host signal handler: true if `info` was such a signal (then taken:
// its original si_code restored and si_pid translated, it waits in the
// mailbox). No locks, no allocation.
bool TakeRemoteThreadSignal(int sig, siginfo_t* info);

// From the scheduler's notice: queues the mailbox's signals for their
// threads (one that exited meanwhile loses it, as on Linux).
void DeliverRemoteThreadSignals();

}  // namespace junction::libos
