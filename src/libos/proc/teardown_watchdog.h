// The container ends with its first process. When pid 1 exits through the
// LibOS it kills the others itself (proc::OnProcessExit); when it is
// killed from outside (SIGKILL) nothing of it runs any more, so a small
// watchdog process does it: started by pid 1's first fork (a container of
// one process needs none), detached (not a child of pid 1, its own
// session, default signal actions, no descriptors but pid 1's pidfd), it
// waits for pid 1 to end, then SIGKILLs every process left in the process
// table until none is alive, and exits.
#pragma once

#include "libos/proc/process_table.h"

namespace junction::libos::proc {

// From pid 1 (`init_host_pid`), once; uses only allow-listed host calls.
// Pid 1 stops being a subreaper meanwhile, so the host's init, not pid 1,
// adopts the watchdog (pid 1's wait(-1) must never see it).
bool StartTeardownWatchdog(Table* t, int init_host_pid);

}  // namespace junction::libos::proc
