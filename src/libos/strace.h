// --strace: one line per guest system call, in strace's format
// (`name(args) = result`), to stderr or a file.
#pragma once

#include <string>

#include "libos/syscalls/syscall_table.h"

namespace junction::libos {

// Opens the log (empty path = stderr). Returns false with errno set.
bool StraceOpen(const std::string& path);
void StraceLog(const SyscallArgs& args, long result);
void StraceFlush();

}  // namespace junction::libos
