// The one declarative system call table: every Linux x86-64 number maps to a
// LibOS handler, a documented host pass-through, or a precise errno.
// `junction run --list-syscalls` prints it; docs/syscalls.md is generated from it.
#pragma once

#include <array>
#include <cstdint>

namespace junction::libos {

enum class Support : uint8_t {
  kFull,     // implemented by the LibOS with Linux semantics
  kPartial,  // implemented; `note` says what differs
  kHost,     // passed to the host after argument checks; `note` says why
  kErrno,    // returns `err` (ENOSYS, EPERM...); `note` says why
};

enum SyscallFlags : uint8_t {
  kFast = 1,      // handler uses no vector registers and no libc/TLS
  kNoReturn = 2,  // exit, exit_group, rt_sigreturn...
  // Handler starts on the guest's registers (vector-free code) and calls
  // EnterLibos() before anything else (libos/entry/libos_context.h).
  kLazy = 4,
};

// Arguments as the guest passed them (rdi, rsi, rdx, r10, r8, r9).
struct SyscallArgs {
  long nr;
  long a[6];
};

// What junction_syscall_entry saved: the arguments, then the guest's
// callee-saved registers.
struct SyscallFrame {
  SyscallArgs args;
  long rbx, rbp, r12, r13, r14, r15;
};

// The word junction_syscall_entry keeps below the frame: nonzero once
// junction_dispatch has tail-called a lazy handler (syscall_entry.S).
inline long& LazyCallMark(SyscallArgs* a) { return reinterpret_cast<long*>(a)[-1]; }

// The frame of the call being handled by the current uthread.
inline const SyscallFrame& FrameOf(const SyscallArgs& a) {
  return *reinterpret_cast<const SyscallFrame*>(&a);
}

using SyscallHandler = long (*)(const SyscallArgs&);

struct SyscallEntry {
  const char* name;        // nullptr: no such system call number
  SyscallHandler handler;  // nullptr for kErrno entries
  Support support;
  uint8_t flags;
  int16_t err;             // for kErrno
  const char* note;
};

inline constexpr long kNumSyscalls = 468;

extern const std::array<SyscallEntry, kNumSyscalls> kSyscallTable;
extern const SyscallEntry kNoSuchSyscall;

// The entry for `nr` (a "no such call" entry for unknown numbers).
inline const SyscallEntry& LookupSyscall(long nr) {
  return static_cast<unsigned long>(nr) < static_cast<unsigned long>(kNumSyscalls)
             ? kSyscallTable[nr]
             : kNoSuchSyscall;
}

extern bool g_strace_enabled;

// Handles a call with LibOS TLS active and vector state saved: strace,
// unknown-number reporting, then the handler.
long DispatchWithLibc(const SyscallArgs& args);

// Prints the table (number, name, support, note) for the compatibility
// report; returns the number of entries that are implemented.
int PrintSyscallTable(int fd);

}  // namespace junction::libos

extern "C" long junction_dispatch(junction::libos::SyscallArgs* args);
