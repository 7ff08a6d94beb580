// Decodes a system call's arguments and result the way strace prints them.
#pragma once

#include <string>

#include "libos/syscalls/syscall_table.h"

namespace junction::libos {

std::string FormatSyscall(const SyscallArgs& args, long result);

}  // namespace junction::libos
