// The trap path: Syscall User Dispatch (exempting only the host stubs)
// raises SIGSYS for every guest syscall that has not been rewritten; the
// seccomp filter (seccomp.h) backs it up. The handler rewrites the site if
// it can and makes the guest call junction_syscall_entry, so trapped and
// rewritten calls run the same code and give identical results.
#pragma once

namespace junction::libos {

// Installs the host SIGSYS handler and this kthread's alternate signal
// stack. Call once per kthread before EnableSyscallDispatch.
bool InstallTrapHandlers();
// Only this kthread's alternate signal stack (a kthread started in a forked
// child: the process's handlers are in place).
bool InstallAltStack();

// Turns on Syscall User Dispatch for the calling kthread. From then on any
// syscall outside the host stubs traps into the LibOS.
bool EnableSyscallDispatch();

}  // namespace junction::libos
