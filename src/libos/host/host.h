// Typed wrappers for host system calls. They all go through
// junction_host_syscall6 (host_stubs.S), the one code range allowed to
// enter the host kernel once a guest runs. Return value: >= 0 or -errno.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
long junction_host_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long junction_host_syscall_abortable(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
extern const char junction_abortable_syscall[];  // its syscall instruction
void junction_host_syscall_linked();  // register convention: host::SyscallLinked
void junction_host_sigreturn();
long junction_host_clone_thread(unsigned long flags, uintptr_t stack_top, int* child_tid,
                                uintptr_t tls, void (*fn)(void*), void* arg);
extern const char junction_host_stubs_begin[];
extern const char junction_host_stubs_end[];
}

namespace junction::host {

inline long Syscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                    long a5 = 0) {
  return junction_host_syscall6(nr, a0, a1, a2, a3, a4, a5);
}

// Syscall for a call that may block on the guest's behalf outside the
// reactor: -EINTR at once for a thread another thread's exec ends
// (host_stubs.S).
inline long AbortableSyscall(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
                             long a5 = 0) {
  return junction_host_syscall_abortable(nr, a0, a1, a2, a3, a4, a5);
}
inline uintptr_t AbortableSyscallAddress() { return reinterpret_cast<uintptr_t>(junction_abortable_syscall); }
// The stub's first instruction: from there to AbortableSyscallAddress()
// the call has not begun.
inline uintptr_t AbortableStubAddress() { return reinterpret_cast<uintptr_t>(junction_host_syscall_abortable); }

// Syscall (up to five arguments) for the host calls of lazy handlers: the
// stub returns by a jump to the address left in %rbx, not by `ret`, whose
// prediction the host call itself has spoilt (host_stubs.S).
inline long SyscallLinked(long nr, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0) {
  register long r10 asm("r10") = a3;
  register long r8 asm("r8") = a4;
  long ret;
  asm volatile(
      "lea 1f(%%rip), %%rbx\n\t"
      "jmp junction_host_syscall_linked\n"
      "1:"
      : "=a"(ret)
      : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
      : "rbx", "rcx", "r11", "memory");
  return ret;
}

template <typename T>
inline long L(T v) {
  return (long)(v);
}

inline uintptr_t StubsBegin() { return reinterpret_cast<uintptr_t>(junction_host_stubs_begin); }
inline uintptr_t StubsEnd() { return reinterpret_cast<uintptr_t>(junction_host_stubs_end); }

// The host calls the LibOS uses most, named.
long Write(int fd, const void* buf, size_t len);
long Mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off);
long Munmap(uintptr_t addr, size_t len);
long Mprotect(uintptr_t addr, size_t len, int prot);
[[noreturn]] void ExitGroup(int status);

// Writes all of `len` bytes (retrying short writes); for diagnostics.
void WriteAll(int fd, const char* buf, size_t len);

}  // namespace junction::host
