// SCHED_JOIN from a forked process of a container (docs/daemon.md "Forked
// processes"), through the LibOS's host-call stubs: usable in a forked
// child under the syscall filter.
#pragma once

#include <cstdint>
#include <string>

namespace junction::sched {

// Asks the daemon at `socket_path` for a kthread slot of container
// `container_id`. Returns the connected socket, which must stay open while
// the process lives (its closing releases the slot), with the slot index
// and the container's doorbell eventfd; or -1 with `why` and `*refused`
// true if the daemon answered with a refusal (false: no daemon, or no
// usable answer).
// `*token`: the slot's member_token while it is ours.
int SchedJoin(const std::string& socket_path, uint64_t container_id, uint32_t* slot,
              uint32_t* token, int* doorbell, const char** why, bool* refused);

// Which eventfd descriptor `fd` is (Linux's eventfd-id, /proc/self/fdinfo):
// each SCHED_JOIN reply carries a descriptor of its own, and the same id
// says it is the doorbell of the daemon the process joined before, another
// a new daemon's. -1 if it cannot be read.
long EventfdId(int fd);

}  // namespace junction::sched
