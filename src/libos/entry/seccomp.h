// The host attack surface: a seccomp filter that lets only the LibOS's host
// stubs enter the host kernel, and only for the system calls listed in
// seccomp.cc (docs/security.md gives the reason for each). A system call
// from anywhere else traps into the LibOS (SIGSYS).
#pragma once

namespace junction::libos {

// Installs the filter for the whole process (inherited by later kthreads).
// Sets PR_SET_NO_NEW_PRIVS first. Returns false with a message on stderr.
bool InstallSeccompFilter();

// Writes the allow-list (number, name, reason) for `junction run --host-calls`.
void PrintHostCallAllowList(int fd);

}  // namespace junction::libos
