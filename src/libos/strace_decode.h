// Decodes a system call's arguments and result the way strace prints them:
//   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
//   read(3, 0x7ffc12345678, 832)            = -1 EBADF (Bad file descriptor)
// Called after the handler ran (output buffers are filled), with LibOS TLS
// active. Per-call argument kinds: strace/signatures.cc; formatting of each
// kind: strace/format.cc; symbolic constants: strace/xlat.cc.
#pragma once

#include <string>

#include "libos/syscalls/syscall_table.h"

namespace junction::libos {

// `name(args) = result`, without a newline. `result` is the raw return
// value (-errno on failure); calls that never return print `= ?`.
std::string FormatSyscall(const SyscallArgs& args, long result);

}  // namespace junction::libos
