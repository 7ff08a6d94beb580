#include "libos/strace/xlat.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>

namespace junction::libos::strace {

#define X(name) {static_cast<uint64_t>(name), #name}
#define XLAT(var, unknown, ...)                                         \
  namespace {                                                          \
  constexpr XlatEntry var##_e[] = {__VA_ARGS__};                       \
  }                                                                    \
  const Xlat var = {var##_e, static_cast<int>(std::size(var##_e)), unknown};

namespace {

void AppendHex(std::string& out, uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

void AppendOctal(std::string& out, uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof(buf), "%#03llo", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

const char* XlatName(const Xlat& x, uint64_t value) {
  for (int i = 0; i < x.count; i++)
    if (x.entries[i].value == value) return x.entries[i].name;
  return nullptr;
}

void PrintValue(std::string& out, const Xlat& x, uint64_t value) {
  if (const char* n = XlatName(x, value)) {
    out += n;
    return;
  }
  AppendHex(out, value);
  out += " /* ";
  out += x.unknown;
  out += " */";
}

void PrintFlags(std::string& out, const Xlat& x, uint64_t value, const char* zero) {
  if (value == 0) {
    out += zero ? zero : "0";
    return;
  }
  bool first = true;
  for (int i = 0; i < x.count; i++) {
    uint64_t v = x.entries[i].value;
    if (v == 0 || (value & v) != v) continue;
    if (!first) out += '|';
    out += x.entries[i].name;
    first = false;
    value &= ~v;
  }
  if (value) {
    if (!first) out += '|';
    AppendHex(out, value);
  }
}

// Kernel values where glibc's differ or are missing.
constexpr uint64_t kOLargefile = 0100000;
constexpr uint64_t kOTmpfileOnly = 020000000;

XLAT(kOpenFlags, "O_???",
     X(O_CREAT), X(O_EXCL), X(O_NOCTTY), X(O_TRUNC), X(O_APPEND), X(O_NONBLOCK),
     X(O_SYNC), X(O_DSYNC), {FASYNC, "O_ASYNC"}, X(O_DIRECT), {kOLargefile, "O_LARGEFILE"},
     X(O_NOFOLLOW), X(O_NOATIME), X(O_CLOEXEC), X(O_PATH), {kOTmpfileOnly | O_DIRECTORY, "O_TMPFILE"},
     X(O_DIRECTORY))

XLAT(kAtFlags, "AT_???",
     X(AT_SYMLINK_NOFOLLOW), X(AT_REMOVEDIR), X(AT_SYMLINK_FOLLOW), X(AT_NO_AUTOMOUNT),
     X(AT_EMPTY_PATH), {0x6000, "AT_STATX_SYNC_TYPE"}, {0x2000, "AT_STATX_FORCE_SYNC"},
     {0x4000, "AT_STATX_DONT_SYNC"}, {0x8000, "AT_RECURSIVE"})

XLAT(kProtFlags, "PROT_???",
     X(PROT_READ), X(PROT_WRITE), X(PROT_EXEC), {0x8, "PROT_SEM"}, X(PROT_GROWSDOWN),
     X(PROT_GROWSUP))

XLAT(kMapFlags, "MAP_???",
     X(MAP_FIXED), X(MAP_ANONYMOUS), X(MAP_32BIT), X(MAP_GROWSDOWN), X(MAP_DENYWRITE),
     X(MAP_EXECUTABLE), X(MAP_LOCKED), X(MAP_NORESERVE), X(MAP_POPULATE), X(MAP_NONBLOCK),
     X(MAP_STACK), X(MAP_HUGETLB), {0x80000, "MAP_SYNC"}, {0x100000, "MAP_FIXED_NOREPLACE"},
     {0x4000000, "MAP_UNINITIALIZED"})

XLAT(kMremapFlags, "MREMAP_???",
     {1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"})

XLAT(kMadvise, "MADV_???",
     {0, "MADV_NORMAL"}, {1, "MADV_RANDOM"}, {2, "MADV_SEQUENTIAL"}, {3, "MADV_WILLNEED"},
     {4, "MADV_DONTNEED"}, {8, "MADV_FREE"}, {9, "MADV_REMOVE"}, {10, "MADV_DONTFORK"},
     {11, "MADV_DOFORK"}, {12, "MADV_MERGEABLE"}, {13, "MADV_UNMERGEABLE"},
     {14, "MADV_HUGEPAGE"}, {15, "MADV_NOHUGEPAGE"}, {16, "MADV_DONTDUMP"}, {17, "MADV_DODUMP"},
     {18, "MADV_WIPEONFORK"}, {19, "MADV_KEEPONFORK"}, {20, "MADV_COLD"}, {21, "MADV_PAGEOUT"},
     {22, "MADV_POPULATE_READ"}, {23, "MADV_POPULATE_WRITE"}, {24, "MADV_DONTNEED_LOCKED"},
     {25, "MADV_COLLAPSE"}, {100, "MADV_HWPOISON"}, {101, "MADV_SOFT_OFFLINE"})

XLAT(kCloneFlags, "CLONE_???",
     X(CLONE_VM), X(CLONE_FS), X(CLONE_FILES), X(CLONE_SIGHAND), X(CLONE_PIDFD),
     X(CLONE_PTRACE), X(CLONE_VFORK), X(CLONE_PARENT), X(CLONE_THREAD), X(CLONE_NEWNS),
     X(CLONE_SYSVSEM), X(CLONE_SETTLS), X(CLONE_PARENT_SETTID), X(CLONE_CHILD_CLEARTID),
     X(CLONE_DETACHED), X(CLONE_UNTRACED), X(CLONE_CHILD_SETTID), X(CLONE_NEWCGROUP),
     X(CLONE_NEWUTS), X(CLONE_NEWIPC), X(CLONE_NEWUSER), X(CLONE_NEWPID), X(CLONE_NEWNET),
     X(CLONE_IO))

XLAT(kFutexCmds, "FUTEX_???",
     X(FUTEX_WAIT), X(FUTEX_WAKE), X(FUTEX_FD), X(FUTEX_REQUEUE), X(FUTEX_CMP_REQUEUE),
     X(FUTEX_WAKE_OP), X(FUTEX_LOCK_PI), X(FUTEX_UNLOCK_PI), X(FUTEX_TRYLOCK_PI),
     X(FUTEX_WAIT_BITSET), X(FUTEX_WAKE_BITSET), X(FUTEX_WAIT_REQUEUE_PI),
     X(FUTEX_CMP_REQUEUE_PI), {13, "FUTEX_LOCK_PI2"})

XLAT(kFcntlCmds, "F_???",
     X(F_DUPFD), X(F_GETFD), X(F_SETFD), X(F_GETFL), X(F_SETFL), X(F_GETLK), X(F_SETLK),
     X(F_SETLKW), X(F_SETOWN), X(F_GETOWN), X(F_SETSIG), X(F_GETSIG), X(F_SETOWN_EX),
     X(F_GETOWN_EX), X(F_OFD_GETLK), X(F_OFD_SETLK), X(F_OFD_SETLKW), X(F_SETLEASE),
     X(F_GETLEASE), X(F_NOTIFY), X(F_DUPFD_CLOEXEC), X(F_SETPIPE_SZ), X(F_GETPIPE_SZ),
     X(F_ADD_SEALS), X(F_GET_SEALS))

XLAT(kFdFlags, "FD_???", X(FD_CLOEXEC))

XLAT(kIoctlReqs, "_IOC???",
     X(TCGETS), X(TCSETS), X(TCSETSW), X(TCSETSF), X(TCGETA), X(TCSETA), X(TCSETAW),
     X(TCSETAF), X(TCSBRK), X(TCXONC), X(TCFLSH), X(TIOCEXCL), X(TIOCNXCL), X(TIOCSCTTY),
     X(TIOCGPGRP), X(TIOCSPGRP), X(TIOCOUTQ), X(TIOCSTI), X(TIOCGWINSZ), X(TIOCSWINSZ),
     X(TIOCMGET), X(TIOCMSET), X(FIONREAD), X(TIOCLINUX), X(TIOCCONS), X(FIONBIO),
     X(TIOCNOTTY), X(TIOCSETD), X(TIOCGETD), X(TIOCGSID), X(TIOCGPTN), X(TIOCSPTLCK),
     X(TIOCGPTPEER), X(FIONCLEX), X(FIOCLEX), X(FIOASYNC), X(TIOCGSERIAL), X(TIOCSSERIAL))

XLAT(kSigHow, "SIG_???", X(SIG_BLOCK), X(SIG_UNBLOCK), X(SIG_SETMASK))

XLAT(kSaFlags, "SA_???",
     {0x04000000, "SA_RESTORER"}, X(SA_ONSTACK), X(SA_RESTART), X(SA_NODEFER),
     X(SA_RESETHAND), X(SA_SIGINFO), X(SA_NOCLDSTOP), X(SA_NOCLDWAIT))

XLAT(kArchPrctl, "ARCH_???",
     X(ARCH_SET_GS), X(ARCH_SET_FS), X(ARCH_GET_FS), X(ARCH_GET_GS), {0x1011, "ARCH_GET_CPUID"},
     {0x1012, "ARCH_SET_CPUID"}, {0x1021, "ARCH_GET_XCOMP_SUPP"},
     {0x1022, "ARCH_GET_XCOMP_PERM"}, {0x1023, "ARCH_REQ_XCOMP_PERM"},
     {0x1024, "ARCH_GET_XCOMP_GUEST_PERM"}, {0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"},
     {0x2001, "ARCH_MAP_VDSO_X32"}, {0x2002, "ARCH_MAP_VDSO_32"}, {0x2003, "ARCH_MAP_VDSO_64"},
     {0x4001, "ARCH_GET_UNTAG_MASK"}, {0x4002, "ARCH_ENABLE_TAGGED_ADDR"},
     {0x5001, "ARCH_SHSTK_ENABLE"}, {0x5002, "ARCH_SHSTK_DISABLE"}, {0x5003, "ARCH_SHSTK_LOCK"})

XLAT(kPrctlOptions, "PR_???",
     X(PR_SET_PDEATHSIG), X(PR_GET_PDEATHSIG), X(PR_GET_DUMPABLE), X(PR_SET_DUMPABLE),
     X(PR_GET_UNALIGN), X(PR_SET_UNALIGN), X(PR_GET_KEEPCAPS), X(PR_SET_KEEPCAPS),
     X(PR_GET_FPEMU), X(PR_SET_FPEMU), X(PR_GET_FPEXC), X(PR_SET_FPEXC), X(PR_GET_TIMING),
     X(PR_SET_TIMING), X(PR_SET_NAME), X(PR_GET_NAME), X(PR_GET_ENDIAN), X(PR_SET_ENDIAN),
     X(PR_GET_SECCOMP), X(PR_SET_SECCOMP), X(PR_CAPBSET_READ), X(PR_CAPBSET_DROP),
     X(PR_GET_TSC), X(PR_SET_TSC), X(PR_GET_SECUREBITS), X(PR_SET_SECUREBITS),
     X(PR_SET_TIMERSLACK), X(PR_GET_TIMERSLACK), X(PR_TASK_PERF_EVENTS_DISABLE),
     X(PR_TASK_PERF_EVENTS_ENABLE), X(PR_MCE_KILL), X(PR_MCE_KILL_GET), X(PR_SET_MM),
     X(PR_SET_CHILD_SUBREAPER), X(PR_GET_CHILD_SUBREAPER), X(PR_SET_NO_NEW_PRIVS),
     X(PR_GET_NO_NEW_PRIVS), X(PR_GET_TID_ADDRESS), X(PR_SET_THP_DISABLE),
     X(PR_GET_THP_DISABLE), X(PR_SET_FP_MODE), X(PR_GET_FP_MODE), X(PR_CAP_AMBIENT),
     X(PR_GET_SPECULATION_CTRL), X(PR_SET_SPECULATION_CTRL), X(PR_SET_TAGGED_ADDR_CTRL),
     X(PR_GET_TAGGED_ADDR_CTRL), X(PR_SET_IO_FLUSHER), X(PR_GET_IO_FLUSHER),
     {59, "PR_SET_SYSCALL_USER_DISPATCH"}, {62, "PR_SCHED_CORE"}, {65, "PR_SET_MDWE"},
     {66, "PR_GET_MDWE"}, {0x53564d41, "PR_SET_VMA"})

XLAT(kClockIds, "CLOCK_???",
     X(CLOCK_REALTIME), X(CLOCK_MONOTONIC), X(CLOCK_PROCESS_CPUTIME_ID),
     X(CLOCK_THREAD_CPUTIME_ID), X(CLOCK_MONOTONIC_RAW), X(CLOCK_REALTIME_COARSE),
     X(CLOCK_MONOTONIC_COARSE), X(CLOCK_BOOTTIME), X(CLOCK_REALTIME_ALARM),
     X(CLOCK_BOOTTIME_ALARM), X(CLOCK_TAI))

XLAT(kAccessModes, "?_OK", X(R_OK), X(W_OK), X(X_OK))

XLAT(kWhence, "SEEK_???", X(SEEK_SET), X(SEEK_CUR), X(SEEK_END), X(SEEK_DATA), X(SEEK_HOLE))

XLAT(kGrndFlags, "GRND_???", X(GRND_NONBLOCK), X(GRND_RANDOM), {4, "GRND_INSECURE"})

XLAT(kRlimits, "RLIMIT_???",
     X(RLIMIT_CPU), X(RLIMIT_FSIZE), X(RLIMIT_DATA), X(RLIMIT_STACK), X(RLIMIT_CORE),
     X(RLIMIT_RSS), X(RLIMIT_NPROC), X(RLIMIT_NOFILE), X(RLIMIT_MEMLOCK), X(RLIMIT_AS),
     X(RLIMIT_LOCKS), X(RLIMIT_SIGPENDING), X(RLIMIT_MSGQUEUE), X(RLIMIT_NICE),
     X(RLIMIT_RTPRIO), X(RLIMIT_RTTIME))

XLAT(kWaitOptions, "W???",
     X(WNOHANG), X(WUNTRACED), X(WCONTINUED), X(__WNOTHREAD), X(__WALL), X(__WCLONE))

XLAT(kRenameFlags, "RENAME_???",
     {1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"})

XLAT(kTimerFlags, "TIMER_???", X(TIMER_ABSTIME))

XLAT(kStatxMask, "STATX_???",
     {0x7ff, "STATX_BASIC_STATS"}, {0x1, "STATX_TYPE"}, {0x2, "STATX_MODE"},
     {0x4, "STATX_NLINK"}, {0x8, "STATX_UID"}, {0x10, "STATX_GID"}, {0x20, "STATX_ATIME"},
     {0x40, "STATX_MTIME"}, {0x80, "STATX_CTIME"}, {0x100, "STATX_INO"}, {0x200, "STATX_SIZE"},
     {0x400, "STATX_BLOCKS"}, {0x800, "STATX_BTIME"}, {0x1000, "STATX_MNT_ID"},
     {0x2000, "STATX_DIOALIGN"})

void PrintOpenFlags(std::string& out, uint64_t flags) {
  static const char* const kModes[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
  out += kModes[flags & O_ACCMODE];
  flags &= ~static_cast<uint64_t>(O_ACCMODE);
  if (flags) {
    out += '|';
    PrintFlags(out, kOpenFlags, flags);
  }
}

void PrintMapFlags(std::string& out, uint64_t flags) {
  static const char* const kTypes[] = {"0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
  uint64_t type = flags & 0xf;
  if (type < 4) {
    out += kTypes[type];
  } else {
    AppendHex(out, type);
    out += " /* MAP_??? */";
  }
  flags &= ~uint64_t{0xf};
  if (flags) {
    out += '|';
    PrintFlags(out, kMapFlags, flags);
  }
}

void PrintFileMode(std::string& out, uint32_t mode) {
  static const XlatEntry kTypes[] = {X(S_IFREG), X(S_IFDIR), X(S_IFCHR), X(S_IFBLK),
                                     X(S_IFIFO), X(S_IFLNK), X(S_IFSOCK)};
  uint32_t type = mode & S_IFMT;
  bool named = false;
  for (const XlatEntry& t : kTypes) {
    if (t.value == type) {
      out += t.name;
      out += '|';
      named = true;
    }
  }
  if (!named && type) {
    AppendHex(out, type);
    out += '|';
  }
  uint32_t rest = mode & ~S_IFMT;
  if (rest & (S_ISUID | S_ISGID | S_ISVTX)) {
    if (rest & S_ISUID) out += "S_ISUID|";
    if (rest & S_ISGID) out += "S_ISGID|";
    if (rest & S_ISVTX) out += "S_ISVTX|";
    rest &= ~static_cast<uint32_t>(S_ISUID | S_ISGID | S_ISVTX);
  }
  AppendOctal(out, rest);
}

void PrintSignal(std::string& out, long sig, bool with_prefix) {
  // Standard names 1..31 (x86-64), then the kernel's real-time range.
  static const char* const kNames[] = {
      nullptr, "HUP",  "INT",    "QUIT", "ILL",  "TRAP", "ABRT", "BUS",  "FPE",
      "KILL",  "USR1", "SEGV",   "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD",
      "CONT",  "STOP", "TSTP",   "TTIN", "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM",
      "PROF",  "WINCH", "IO",    "PWR",  "SYS"};
  const char* prefix = with_prefix ? "SIG" : "";
  char buf[32];
  int n;
  if (sig > 0 && sig < 32)
    n = std::snprintf(buf, sizeof(buf), "%s%s", prefix, kNames[sig]);
  else if (sig == 32)
    n = std::snprintf(buf, sizeof(buf), "%sRTMIN", prefix);
  else if (sig > 32 && sig <= 64)
    n = std::snprintf(buf, sizeof(buf), "%sRT_%ld", prefix, sig - 32);
  else
    n = std::snprintf(buf, sizeof(buf), "%ld", sig);
  out.append(buf, static_cast<size_t>(n));
}

void PrintFutexOp(std::string& out, long op) {
  long cmd = op & FUTEX_CMD_MASK;
  const char* name = XlatName(kFutexCmds, static_cast<uint64_t>(cmd));
  if (!name) {
    AppendHex(out, static_cast<uint64_t>(op));
    out += " /* FUTEX_??? */";
    return;
  }
  out += name;
  if (op & FUTEX_PRIVATE_FLAG) out += "_PRIVATE";
  if (op & FUTEX_CLOCK_REALTIME) out += "|FUTEX_CLOCK_REALTIME";
}

void PrintCloneFlags(std::string& out, uint64_t flags) {
  uint64_t sig = flags & CSIGNAL;
  flags &= ~static_cast<uint64_t>(CSIGNAL);
  if (flags) PrintFlags(out, kCloneFlags, flags);
  if (sig) {
    if (flags) out += '|';
    PrintSignal(out, static_cast<long>(sig));
  }
  if (!flags && !sig) out += '0';
}

}  // namespace junction::libos::strace
