// The container ends with its first process. When pid 1 exits through the
// LibOS it kills the others itself (proc::OnProcessExit); when it is
// killed from outside (SIGKILL) nothing of it runs any more, so a small
// watchdog process does it: started at `junction run` start, detached (not
// a child of pid 1, its own session, no descriptors but pid 1's pidfd),
// it waits for pid 1 to end, then SIGKILLs every process left in the
// process table until none is, and exits.
#pragma once

#include "libos/proc/process_table.h"

namespace junction::libos::proc {

// Before the seccomp filter, from pid 1 (`init_host_pid`), before it
// becomes a subreaper (the watchdog must not be adopted by it).
bool StartTeardownWatchdog(Table* t, int init_host_pid);

}  // namespace junction::libos::proc
