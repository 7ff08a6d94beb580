// The processes of a running container, for `junction ps`: read from the
// container's process table (libos/proc/process_table.h), which its pid 1
// keeps in a memfd; ps maps it read-only through /proc/PID/fd (root, or
// the container's own user).
#pragma once

#include <cstdint>
#include <vector>

#include "sched/control_message.h"

namespace junction::cmd {

// The processes of the container whose pid 1 is host process `host_pid`
// (empty if its table cannot be read).
std::vector<sched::ProcessStatus> ReadContainerProcesses(int32_t host_pid);

}  // namespace junction::cmd
