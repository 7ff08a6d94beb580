// What strace prints for each system call: the kind of each argument (in
// the order printed) and of the result. The table (signatures.cc) is data;
// a few calls whose argument list depends on an argument value (open's
// mode, fcntl's and ioctl's third argument, futex's op, prctl's option,
// clone's named fields) are refined per call by RefineSignature.
#pragma once

#include <cstdint>

#include "libos/syscalls/syscall_table.h"

namespace junction::libos::strace {

enum class Arg : uint8_t {
  // Numbers.
  kInt,      // signed 32-bit decimal
  kLong,     // signed 64-bit decimal
  kULong,    // unsigned decimal (sizes, counts)
  kHex,      // 0x2a
  kPtr,      // NULL or 0x7ffc...
  kFd,       // int
  kDirFd,    // AT_FDCWD or int
  kMode,     // 0644
  // Guest strings and buffers (bad pointers print as hex).
  kPath,       // "..." untruncated (up to PATH_MAX)
  kStr,        // "..." truncated at 32 bytes
  kStrOut,     // NUL-terminated string written by the call (after success)
  kBufIn,      // bytes, length = next argument
  kBufOut,     // bytes written by the call, length = result
  kBufOutHex,  // same, every byte as \xNN (getrandom)
  kIovIn,      // [{iov_base="...", iov_len=N}, ...], count = next argument
  kIovOut,     // same, filled by the call (result bytes in total)
  kStrArray,   // ["a", "b"] (execve argv)
  kEnvp,       // 0x7ffc... /* N vars */
  // Symbolic constants (xlat.h).
  kOpenFlags, kAtFlags, kProt, kMapFlags, kMremapFlags, kMadvise, kFutexOp, kFcntlCmd,
  kFdFlags, kIoctlReq, kSignal, kSigHow, kArchPrctl, kPrctlOption, kClockId, kAccessMode,
  kWhence, kGrndFlags, kRlimitResource, kWaitOptions, kRenameFlags, kTimerFlags, kStatxMask,
  kPipeFlags,  // O_CLOEXEC|O_NONBLOCK|O_DIRECT (pipe2, dup3, eventfd2...)
  kFutexBitset,  // FUTEX_BITSET_MATCH_ANY or hex
  // Structures.
  kStatOut,        // {st_mode=S_IFREG|0644, st_size=123, ...}
  kTimespecIn,     // {tv_sec=1, tv_nsec=0}
  kTimespecOut,
  kTimevalOut,     // {tv_sec=1, tv_usec=0}
  kSigsetIn,       // [INT TERM], ~[RTMIN RT_1]
  kSigsetOut,
  kSigactionIn,    // {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}
  kSigactionOut,
  kRlimitIn,       // {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}
  kRlimitOut,
  kUtsnameOut,     // {sysname="Linux", nodename="host", ...}
  kIntPairOut,     // [3, 4] (pipe)
  kIntOut,         // [42]
  kWinsizeOut,     // {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}
  // clone's named fields.
  kCloneStack,     // child_stack=0x...
  kCloneFlags,     // flags=CLONE_VM|...|SIGCHLD
  kCloneParentTid, // parent_tid=0x...
  kCloneChildTid,  // child_tidptr=0x...
  kCloneTls,       // tls=0x...
};

enum class Ret : uint8_t {
  kInt,      // decimal
  kHex,      // addresses (mmap, brk, mremap)
  kOctal,    // umask
  kNone,     // never returns: "= ?"
  kFdFlags,  // F_GETFD: 0x1 (flags FD_CLOEXEC)
  kOpenFlags,  // F_GETFL: 0x8002 (flags O_RDWR|O_LARGEFILE)
};

struct Field {
  uint8_t index;  // which of the six argument registers
  Arg kind;
};

struct Signature {
  Ret ret = Ret::kInt;
  uint8_t count = 0;  // fields printed
  Field fields[6] = {};
  bool known = false;  // false: not in the table (all six args in hex)
};

// The static signature of `nr` (an unknown-number signature for others).
const Signature& LookupSignature(long nr);

// The signature for this particular call (value-dependent argument lists).
Signature RefineSignature(const SyscallArgs& args);

}  // namespace junction::libos::strace
