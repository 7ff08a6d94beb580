// RLIMIT_NOFILE is the guest's own: it bounds the LibOS's descriptor table
// (FdTable), whose numbers are the guest's. The host process's limit
// bounds only the host descriptors behind some of them plus the LibOS's
// own, so it is kept at its hard limit, which stays at least the guest's.
// The limits live in the table (process memory): a fork copies them, an
// execve keeps them, as on Linux.
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <optional>

namespace junction::libos::fs {

// At start, before the seccomp filter: the guest's soft and hard limits
// are `configured` (limits.open_files) or else the host's, which a native
// child of junction's caller would have inherited; the host's soft limit
// goes up to its hard limit (raised to `configured` if the host allows).
void InitFdLimit(std::optional<uint64_t> configured);

// getrlimit(RLIMIT_NOFILE).
struct rlimit FdLimit();

// setrlimit(RLIMIT_NOFILE) with Linux's rules: EINVAL if soft > hard;
// EPERM for a hard limit above the current one without CAP_SYS_RESOURCE
// (here: the host process has it and the guest's effective uid is 0,
// `root`; a setuid away from 0 drops it, as on Linux), or above what the
// host lets its own hard limit follow to (fs.nr_open). 0 or -errno.
long SetFdLimit(const struct rlimit& r, bool root);

// The guest's CAP_SYS_RESOURCE: effective uid 0 (`root`) in a host process
// that has it.
bool GuestCapSysResource(bool root);

// The same for another process of the container (prlimit64): its limits
// `limits` (soft, hard: shared with its table, FdTable::ShareLimits), its
// host process `host_pid`, the caller's `root`.
long SetFdLimitOf(std::atomic<uint64_t>* limits, int host_pid, const struct rlimit& r, bool root);

}  // namespace junction::libos::fs
