// This process's doorbell for cross-process wake-ups (sched/doorbell.h):
// in the process table, at the index of its entry, and the host signal
// that rings it when no kthread of it waits on the doorbell's futex word.
#pragma once

#include <signal.h>

namespace junction::libos::proc {

// The calling process (container pid `pid`, its entry in the table) uses
// its entry's doorbell: container start and a fork child. Also installs
// the signal sender (once).
void AttachProcessDoorbell(int pid);

// The kPreemptSignal hook's part: true if `info` rang this process's
// doorbell (the scheduler then looks at it).
bool TakeDoorbellRing(const siginfo_t* info);

}  // namespace junction::libos::proc
