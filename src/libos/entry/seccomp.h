// The host attack surface: a seccomp filter that lets only the LibOS's host
// stubs enter the host kernel, and only for the system calls listed in
// seccomp.cc (docs/security.md gives the reason for each). A system call
// from anywhere else traps into the LibOS (SIGSYS).
#pragma once

#include <linux/filter.h>
#include <linux/sched.h>

#include <cstdint>
#include <vector>

namespace junction::libos {

// The one set of thread flags clone is allowed with: a new kthread in a
// forked child (proc/child_kthreads.h), in the same process, VM and
// signal handlers, on its own %fs and with its tid written to its glibc
// descriptor.
inline constexpr unsigned long kThreadCloneFlags = CLONE_VM | CLONE_FS | CLONE_FILES |
                                                   CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                                                   CLONE_SETTLS | CLONE_CHILD_SETTID;

// The filter for host stubs in [stubs_lo, stubs_hi) (same upper 32 bits):
// wrong architecture kills; pread64, pwrite64, read, write, close, fstat and
// sync_file_range pass whatever their origin (HostCallAllowedFromAnywhere: the kernel caches that verdict and
// skips the filter); any other call from outside the stubs traps; a call
// from the stubs is allowed if on the list (clone: fork-like flags or
// exactly kThreadCloneFlags),
// else EPERM. The hottest host calls are tested first, the rest by a
// binary search.
std::vector<sock_filter> BuildSeccompFilter(uint64_t stubs_lo, uint64_t stubs_hi);
// Whether `nr` is on the allow-list (clone is, with its flags checked).
bool HostCallAllowed(int nr);
bool HostCallAllowedFromAnywhere(int nr);

// Installs the filter for the whole process (inherited by later kthreads).
// Sets PR_SET_NO_NEW_PRIVS first. Returns false with a message on stderr.
bool InstallSeccompFilter();

// Writes the allow-list (number, name, reason) for `junction run --host-calls`.
void PrintHostCallAllowList(int fd);

}  // namespace junction::libos
