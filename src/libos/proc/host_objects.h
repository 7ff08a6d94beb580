// LibOS objects (pipes, connected unix sockets, eventfds) keep their state
// in one process's memory. When another process is about to share them (a
// fork, a descriptor passed over a host socket) they become host objects:
// host pipes, host socket pairs, host eventfds, with buffered data moved
// along, in the descriptor table and in the epoll sets that watch them.
#pragma once

#include "libos/fs/file.h"

namespace junction::libos::proc {

// Converts every such object in the descriptor table; returns the old
// objects and their replacements. Callers hold no descriptor-table lock.
fs::Replacements MoveSharedObjectsToHost();

// A host descriptor another process handed over (SCM_RIGHTS, pidfd_getfd)
// as a guest description: a host socket or a host file.
fs::FilePtr AdoptHostDescriptor(int host_fd);

}  // namespace junction::libos::proc
