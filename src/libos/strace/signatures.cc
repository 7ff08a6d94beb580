// The per-call argument description strace output is built from. Keyed by
// name (checked against syscall_names.inc at compile time); every Linux
// x86-64 system call has an entry with its exact argument count.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <array>
#include <initializer_list>
#include <string_view>

#include "libos/strace/signature.h"

namespace junction::libos::strace {

namespace {

struct NameNr {
  std::string_view name;
  long nr;
};

constexpr NameNr kNames[] = {
#define SYSCALL(n, name) {#name, n},
#include "libos/syscalls/syscall_names.inc"
#undef SYSCALL
};

constexpr long NumberOf(std::string_view name) {
  for (const NameNr& n : kNames)
    if (n.name == name) return n.nr;
  return -1;
}

struct Spec {
  long nr;
  Signature sig;
};

constexpr Spec S(std::string_view name, std::initializer_list<Arg> args, Ret ret = Ret::kInt) {
  Spec s{NumberOf(name), {}};
  s.sig.ret = ret;
  s.sig.known = true;
  for (Arg a : args) {
    s.sig.fields[s.sig.count] = Field{s.sig.count, a};
    s.sig.count++;
  }
  return s;
}

using enum Arg;
constexpr Ret kHexRet = Ret::kHex;
constexpr Ret kNoRet = Ret::kNone;

constexpr Spec kSpecs[] = {
    // Files and I/O.
    S("read", {kFd, kBufOut, kULong}), S("write", {kFd, kBufIn, kULong}),
    S("open", {kPath, kOpenFlags, kMode}), S("close", {kFd}),
    S("stat", {kPath, kStatOut}), S("fstat", {kFd, kStatOut}), S("lstat", {kPath, kStatOut}),
    S("poll", {kPtr, kULong, kInt}), S("lseek", {kFd, kLong, kWhence}),
    S("ioctl", {kFd, kIoctlReq, kPtr}),
    S("pread64", {kFd, kBufOut, kULong, kLong}), S("pwrite64", {kFd, kBufIn, kULong, kLong}),
    S("readv", {kFd, kIovOut, kULong}), S("writev", {kFd, kIovIn, kULong}),
    S("access", {kPath, kAccessMode}), S("pipe", {kIntPairOut}),
    S("select", {kInt, kPtr, kPtr, kPtr, kPtr}),
    S("dup", {kFd}), S("dup2", {kFd, kFd}), S("sendfile", {kFd, kFd, kPtr, kULong}),
    S("fcntl", {kFd, kFcntlCmd, kHex}), S("flock", {kFd, kInt}),
    S("fsync", {kFd}), S("fdatasync", {kFd}), S("truncate", {kPath, kLong}),
    S("ftruncate", {kFd, kLong}), S("getdents", {kFd, kPtr, kULong}),
    S("getcwd", {kStrOut, kULong}), S("chdir", {kPath}), S("fchdir", {kFd}),
    S("rename", {kPath, kPath}), S("mkdir", {kPath, kMode}), S("rmdir", {kPath}),
    S("creat", {kPath, kMode}), S("link", {kPath, kPath}), S("unlink", {kPath}),
    S("symlink", {kPath, kPath}), S("readlink", {kPath, kBufOut, kULong}),
    S("chmod", {kPath, kMode}), S("fchmod", {kFd, kMode}), S("chown", {kPath, kInt, kInt}),
    S("fchown", {kFd, kInt, kInt}), S("lchown", {kPath, kInt, kInt}),
    S("umask", {kMode}, Ret::kOctal), S("utime", {kPath, kPtr}),
    S("mknod", {kPath, kMode, kHex}), S("uselib", {kPath}), S("ustat", {kHex, kPtr}),
    S("statfs", {kPath, kPtr}), S("fstatfs", {kFd, kPtr}), S("sysfs", {kInt, kHex, kHex}),
    S("readahead", {kFd, kLong, kULong}),
    S("setxattr", {kPath, kStr, kBufIn, kULong, kHex}),
    S("lsetxattr", {kPath, kStr, kBufIn, kULong, kHex}),
    S("fsetxattr", {kFd, kStr, kBufIn, kULong, kHex}),
    S("getxattr", {kPath, kStr, kBufOut, kULong}), S("lgetxattr", {kPath, kStr, kBufOut, kULong}),
    S("fgetxattr", {kFd, kStr, kBufOut, kULong}), S("listxattr", {kPath, kBufOut, kULong}),
    S("llistxattr", {kPath, kBufOut, kULong}), S("flistxattr", {kFd, kBufOut, kULong}),
    S("removexattr", {kPath, kStr}), S("lremovexattr", {kPath, kStr}),
    S("fremovexattr", {kFd, kStr}), S("getdents64", {kFd, kPtr, kULong}),
    S("fadvise64", {kFd, kLong, kULong, kInt}), S("utimes", {kPath, kPtr}),
    S("inotify_init", {}), S("inotify_add_watch", {kFd, kPath, kHex}),
    S("inotify_rm_watch", {kFd, kInt}),
    S("openat", {kDirFd, kPath, kOpenFlags, kMode}), S("mkdirat", {kDirFd, kPath, kMode}),
    S("mknodat", {kDirFd, kPath, kMode, kHex}),
    S("fchownat", {kDirFd, kPath, kInt, kInt, kAtFlags}), S("futimesat", {kDirFd, kPath, kPtr}),
    S("newfstatat", {kDirFd, kPath, kStatOut, kAtFlags}),
    S("unlinkat", {kDirFd, kPath, kAtFlags}), S("renameat", {kDirFd, kPath, kDirFd, kPath}),
    S("linkat", {kDirFd, kPath, kDirFd, kPath, kAtFlags}), S("symlinkat", {kPath, kDirFd, kPath}),
    S("readlinkat", {kDirFd, kPath, kBufOut, kULong}), S("fchmodat", {kDirFd, kPath, kMode}),
    S("faccessat", {kDirFd, kPath, kAccessMode}),
    S("pselect6", {kInt, kPtr, kPtr, kPtr, kTimespecIn, kPtr}),
    S("ppoll", {kPtr, kULong, kTimespecIn, kSigsetIn, kULong}),
    S("splice", {kFd, kPtr, kFd, kPtr, kULong, kHex}), S("tee", {kFd, kFd, kULong, kHex}),
    S("sync_file_range", {kFd, kLong, kLong, kHex}), S("vmsplice", {kFd, kPtr, kULong, kHex}),
    S("utimensat", {kDirFd, kPath, kPtr, kAtFlags}),
    S("fallocate", {kFd, kInt, kLong, kLong}), S("dup3", {kFd, kFd, kPipeFlags}),
    S("pipe2", {kIntPairOut, kPipeFlags}), S("inotify_init1", {kHex}),
    S("preadv", {kFd, kIovOut, kULong, kLong}), S("pwritev", {kFd, kIovIn, kULong, kLong}),
    S("name_to_handle_at", {kDirFd, kPath, kPtr, kPtr, kAtFlags}),
    S("open_by_handle_at", {kFd, kPtr, kOpenFlags}), S("syncfs", {kFd}),
    S("renameat2", {kDirFd, kPath, kDirFd, kPath, kRenameFlags}), S("memfd_create", {kStr, kHex}),
    S("copy_file_range", {kFd, kPtr, kFd, kPtr, kULong, kHex}),
    S("preadv2", {kFd, kIovOut, kULong, kLong, kHex}),
    S("pwritev2", {kFd, kIovIn, kULong, kLong, kHex}),
    S("statx", {kDirFd, kPath, kAtFlags, kStatxMask, kPtr}),
    S("close_range", {kFd, kULong, kHex}), S("openat2", {kDirFd, kPath, kPtr, kULong}),
    S("faccessat2", {kDirFd, kPath, kAccessMode, kAtFlags}),
    S("fchmodat2", {kDirFd, kPath, kMode, kAtFlags}), S("cachestat", {kFd, kPtr, kPtr, kHex}),
    S("setxattrat", {kDirFd, kPath, kAtFlags, kStr, kPtr, kULong}),
    S("getxattrat", {kDirFd, kPath, kAtFlags, kStr, kPtr, kULong}),
    S("listxattrat", {kDirFd, kPath, kAtFlags, kBufOut, kULong}),
    S("removexattrat", {kDirFd, kPath, kAtFlags, kStr}),

    // Memory.
    S("mmap", {kPtr, kULong, kProt, kMapFlags, kFd, kHex}, kHexRet),
    S("mprotect", {kPtr, kULong, kProt}), S("munmap", {kPtr, kULong}),
    S("brk", {kPtr}, kHexRet), S("mremap", {kPtr, kULong, kULong, kMremapFlags, kPtr}, kHexRet),
    S("msync", {kPtr, kULong, kHex}), S("mincore", {kPtr, kULong, kPtr}),
    S("madvise", {kPtr, kULong, kMadvise}), S("mlock", {kPtr, kULong}),
    S("munlock", {kPtr, kULong}), S("mlockall", {kHex}), S("munlockall", {}),
    S("remap_file_pages", {kPtr, kULong, kHex, kULong, kHex}),
    S("mbind", {kPtr, kULong, kInt, kPtr, kULong, kHex}), S("set_mempolicy", {kInt, kPtr, kULong}),
    S("get_mempolicy", {kPtr, kPtr, kULong, kPtr, kHex}),
    S("migrate_pages", {kInt, kULong, kPtr, kPtr}),
    S("move_pages", {kInt, kULong, kPtr, kPtr, kPtr, kHex}), S("mlock2", {kPtr, kULong, kHex}),
    S("pkey_mprotect", {kPtr, kULong, kProt, kInt}), S("pkey_alloc", {kHex, kHex}),
    S("pkey_free", {kInt}), S("memfd_secret", {kHex}),
    S("process_madvise", {kFd, kPtr, kULong, kMadvise, kHex}),
    S("set_mempolicy_home_node", {kPtr, kULong, kULong, kHex}),
    S("map_shadow_stack", {kPtr, kULong, kHex}), S("mseal", {kPtr, kULong, kHex}),
    S("shmget", {kHex, kULong, kHex}), S("shmat", {kInt, kPtr, kHex}, kHexRet),
    S("shmctl", {kInt, kInt, kPtr}), S("shmdt", {kPtr}),

    // Signals.
    S("rt_sigaction", {kSignal, kSigactionIn, kSigactionOut, kULong}),
    S("rt_sigprocmask", {kSigHow, kSigsetIn, kSigsetOut, kULong}), S("rt_sigreturn", {}),
    S("pause", {}), S("kill", {kInt, kSignal}), S("tkill", {kInt, kSignal}),
    S("tgkill", {kInt, kInt, kSignal}), S("rt_sigpending", {kSigsetOut, kULong}),
    S("rt_sigtimedwait", {kSigsetIn, kPtr, kTimespecIn, kULong}),
    S("rt_sigqueueinfo", {kInt, kSignal, kPtr}), S("rt_sigsuspend", {kSigsetIn, kULong}),
    S("sigaltstack", {kPtr, kPtr}), S("signalfd", {kFd, kSigsetIn, kULong}),
    S("signalfd4", {kFd, kSigsetIn, kULong, kHex}),
    S("rt_tgsigqueueinfo", {kInt, kInt, kSignal, kPtr}),
    S("pidfd_send_signal", {kFd, kSignal, kPtr, kHex}),

    // Processes and threads.
    S("sched_yield", {}), S("getpid", {}), S("clone", {kCloneStack, kCloneFlags}),
    S("fork", {}), S("vfork", {}), S("execve", {kPath, kStrArray, kEnvp}),
    S("exit", {kInt}, kNoRet), S("exit_group", {kInt}, kNoRet),
    S("wait4", {kInt, kPtr, kWaitOptions, kPtr}), S("uname", {kUtsnameOut}),
    S("getrlimit", {kRlimitResource, kRlimitOut}), S("setrlimit", {kRlimitResource, kRlimitIn}),
    S("getrusage", {kInt, kPtr}), S("sysinfo", {kPtr}), S("times", {kPtr}),
    S("ptrace", {kLong, kInt, kPtr, kPtr}), S("getuid", {}), S("syslog", {kInt, kPtr, kInt}),
    S("getgid", {}), S("setuid", {kInt}), S("setgid", {kInt}), S("geteuid", {}),
    S("getegid", {}), S("setpgid", {kInt, kInt}), S("getppid", {}), S("getpgrp", {}),
    S("setsid", {}), S("setreuid", {kInt, kInt}), S("setregid", {kInt, kInt}),
    S("getgroups", {kInt, kPtr}), S("setgroups", {kInt, kPtr}),
    S("setresuid", {kInt, kInt, kInt}), S("getresuid", {kIntOut, kIntOut, kIntOut}),
    S("setresgid", {kInt, kInt, kInt}), S("getresgid", {kIntOut, kIntOut, kIntOut}),
    S("getpgid", {kInt}), S("setfsuid", {kInt}), S("setfsgid", {kInt}), S("getsid", {kInt}),
    S("capget", {kPtr, kPtr}), S("capset", {kPtr, kPtr}), S("personality", {kHex}),
    S("getpriority", {kInt, kInt}), S("setpriority", {kInt, kInt, kInt}),
    S("sched_setparam", {kInt, kPtr}), S("sched_getparam", {kInt, kPtr}),
    S("sched_setscheduler", {kInt, kInt, kPtr}), S("sched_getscheduler", {kInt}),
    S("sched_get_priority_max", {kInt}), S("sched_get_priority_min", {kInt}),
    S("sched_rr_get_interval", {kInt, kTimespecOut}), S("vhangup", {}),
    S("modify_ldt", {kInt, kPtr, kULong}), S("pivot_root", {kPath, kPath}), S("_sysctl", {kPtr}),
    S("prctl", {kPrctlOption, kHex, kHex, kHex, kHex}), S("arch_prctl", {kArchPrctl, kHex}),
    S("gettid", {}), S("futex", {kPtr, kFutexOp, kInt, kTimespecIn, kPtr, kInt}),
    S("sched_setaffinity", {kInt, kULong, kPtr}), S("sched_getaffinity", {kInt, kULong, kPtr}),
    S("set_thread_area", {kPtr}), S("get_thread_area", {kPtr}),
    S("set_tid_address", {kPtr}), S("restart_syscall", {}),
    S("waitid", {kInt, kInt, kPtr, kWaitOptions, kPtr}), S("unshare", {kHex}),
    S("set_robust_list", {kPtr, kULong}), S("get_robust_list", {kInt, kPtr, kPtr}),
    S("prlimit64", {kInt, kRlimitResource, kRlimitIn, kRlimitOut}),
    S("setns", {kFd, kHex}), S("getcpu", {kIntOut, kIntOut, kPtr}),
    S("process_vm_readv", {kInt, kPtr, kULong, kPtr, kULong, kHex}),
    S("process_vm_writev", {kInt, kPtr, kULong, kPtr, kULong, kHex}),
    S("kcmp", {kInt, kInt, kInt, kHex, kHex}), S("sched_setattr", {kInt, kPtr, kHex}),
    S("sched_getattr", {kInt, kPtr, kULong, kHex}), S("seccomp", {kInt, kHex, kPtr}),
    S("getrandom", {kBufOutHex, kULong, kGrndFlags}),
    S("execveat", {kDirFd, kPath, kStrArray, kEnvp, kAtFlags}), S("membarrier", {kInt, kHex}),
    S("rseq", {kPtr, kHex, kHex, kHex}), S("pidfd_open", {kInt, kHex}),
    S("clone3", {kPtr, kULong}), S("pidfd_getfd", {kFd, kFd, kHex}),
    S("process_mrelease", {kFd, kHex}), S("futex_waitv", {kPtr, kULong, kHex, kTimespecIn, kClockId}),
    S("futex_wake", {kPtr, kHex, kInt, kHex}),
    S("futex_wait", {kPtr, kHex, kHex, kHex, kTimespecIn, kClockId}),
    S("futex_requeue", {kPtr, kHex, kInt, kInt}), S("ioprio_set", {kInt, kInt, kInt}),
    S("ioprio_get", {kInt, kInt}),

    // Time.
    S("nanosleep", {kTimespecIn, kPtr}), S("getitimer", {kInt, kPtr}), S("alarm", {kULong}),
    S("setitimer", {kInt, kPtr, kPtr}), S("gettimeofday", {kTimevalOut, kPtr}),
    S("settimeofday", {kPtr, kPtr}), S("adjtimex", {kPtr}), S("time", {kPtr}),
    S("timer_create", {kClockId, kPtr, kPtr}), S("timer_settime", {kInt, kTimerFlags, kPtr, kPtr}),
    S("timer_gettime", {kInt, kPtr}), S("timer_getoverrun", {kInt}), S("timer_delete", {kInt}),
    S("clock_settime", {kClockId, kTimespecIn}), S("clock_gettime", {kClockId, kTimespecOut}),
    S("clock_getres", {kClockId, kTimespecOut}),
    S("clock_nanosleep", {kClockId, kTimerFlags, kTimespecIn, kPtr}),
    S("timerfd_create", {kClockId, kHex}), S("timerfd_settime", {kFd, kHex, kPtr, kPtr}),
    S("timerfd_gettime", {kFd, kPtr}), S("clock_adjtime", {kClockId, kPtr}),

    // Sockets and IPC.
    S("socket", {kInt, kInt, kInt}), S("connect", {kFd, kPtr, kInt}),
    S("accept", {kFd, kPtr, kPtr}), S("sendto", {kFd, kBufIn, kULong, kHex, kPtr, kInt}),
    S("recvfrom", {kFd, kBufOut, kULong, kHex, kPtr, kPtr}), S("sendmsg", {kFd, kPtr, kHex}),
    S("recvmsg", {kFd, kPtr, kHex}), S("shutdown", {kFd, kInt}), S("bind", {kFd, kPtr, kInt}),
    S("listen", {kFd, kInt}), S("getsockname", {kFd, kPtr, kPtr}),
    S("getpeername", {kFd, kPtr, kPtr}), S("socketpair", {kInt, kInt, kInt, kIntPairOut}),
    S("setsockopt", {kFd, kInt, kInt, kPtr, kInt}), S("getsockopt", {kFd, kInt, kInt, kPtr, kPtr}),
    S("accept4", {kFd, kPtr, kPtr, kHex}), S("recvmmsg", {kFd, kPtr, kULong, kHex, kTimespecIn}),
    S("sendmmsg", {kFd, kPtr, kULong, kHex}),
    S("semget", {kHex, kInt, kHex}), S("semop", {kInt, kPtr, kULong}),
    S("semctl", {kInt, kInt, kInt, kHex}), S("semtimedop", {kInt, kPtr, kULong, kTimespecIn}),
    S("msgget", {kHex, kHex}), S("msgsnd", {kInt, kPtr, kULong, kHex}),
    S("msgrcv", {kInt, kPtr, kULong, kLong, kHex}), S("msgctl", {kInt, kInt, kPtr}),
    S("mq_open", {kStr, kHex, kMode, kPtr}), S("mq_unlink", {kStr}),
    S("mq_timedsend", {kInt, kBufIn, kULong, kULong, kTimespecIn}),
    S("mq_timedreceive", {kInt, kPtr, kULong, kPtr, kTimespecIn}),
    S("mq_notify", {kInt, kPtr}), S("mq_getsetattr", {kInt, kPtr, kPtr}),
    S("eventfd", {kULong}), S("eventfd2", {kULong, kPipeFlags}),

    // Event notification and asynchronous I/O.
    S("epoll_create", {kInt}), S("epoll_ctl_old", {kHex, kHex, kHex, kHex}),
    S("epoll_wait_old", {kHex, kHex, kHex}), S("epoll_wait", {kFd, kPtr, kInt, kInt}),
    S("epoll_ctl", {kFd, kInt, kFd, kPtr}),
    S("epoll_pwait", {kFd, kPtr, kInt, kInt, kSigsetIn, kULong}), S("epoll_create1", {kHex}),
    S("epoll_pwait2", {kFd, kPtr, kInt, kTimespecIn, kSigsetIn, kULong}),
    S("io_setup", {kULong, kPtr}), S("io_destroy", {kHex}),
    S("io_getevents", {kHex, kLong, kLong, kPtr, kTimespecIn}), S("io_submit", {kHex, kLong, kPtr}),
    S("io_cancel", {kHex, kPtr, kPtr}),
    S("io_pgetevents", {kHex, kLong, kLong, kPtr, kTimespecIn, kPtr}),
    S("io_uring_setup", {kULong, kPtr}),
    S("io_uring_enter", {kFd, kULong, kULong, kHex, kPtr, kULong}),
    S("io_uring_register", {kFd, kULong, kPtr, kULong}), S("fanotify_init", {kHex, kHex}),
    S("fanotify_mark", {kFd, kHex, kHex, kDirFd, kPath}), S("userfaultfd", {kHex}),
    S("perf_event_open", {kPtr, kInt, kInt, kInt, kHex}), S("bpf", {kInt, kPtr, kULong}),

    // System administration.
    S("chroot", {kPath}), S("sync", {}), S("acct", {kPath}),
    S("mount", {kStr, kPath, kStr, kHex, kPtr}), S("umount2", {kPath, kHex}),
    S("swapon", {kPath, kHex}), S("swapoff", {kPath}), S("reboot", {kHex, kHex, kHex, kPtr}),
    S("sethostname", {kBufIn, kULong}), S("setdomainname", {kBufIn, kULong}),
    S("iopl", {kInt}), S("ioperm", {kULong, kULong, kInt}), S("create_module", {kStr, kULong}),
    S("init_module", {kPtr, kULong, kStr}), S("delete_module", {kStr, kHex}),
    S("get_kernel_syms", {kPtr}), S("query_module", {kStr, kInt, kPtr, kULong, kPtr}),
    S("quotactl", {kHex, kPath, kInt, kPtr}), S("nfsservctl", {kInt, kPtr, kPtr}),
    S("getpmsg", {kHex, kHex, kHex, kHex, kHex}), S("putpmsg", {kHex, kHex, kHex, kHex, kHex}),
    S("afs_syscall", {kHex, kHex, kHex, kHex, kHex}), S("tuxcall", {kHex, kHex, kHex}),
    S("security", {kHex, kHex, kHex}), S("lookup_dcookie", {kHex, kPtr, kULong}),
    S("vserver", {kHex, kHex, kHex, kHex, kHex}), S("kexec_load", {kHex, kULong, kPtr, kHex}),
    S("add_key", {kStr, kStr, kPtr, kULong, kInt}), S("request_key", {kStr, kStr, kStr, kInt}),
    S("keyctl", {kInt, kHex, kHex, kHex, kHex}), S("finit_module", {kFd, kStr, kHex}),
    S("kexec_file_load", {kFd, kFd, kULong, kStr, kHex}),
    S("open_tree", {kDirFd, kPath, kHex}), S("move_mount", {kDirFd, kPath, kDirFd, kPath, kHex}),
    S("fsopen", {kStr, kHex}), S("fsconfig", {kFd, kInt, kStr, kPtr, kInt}),
    S("fsmount", {kFd, kHex, kHex}), S("fspick", {kDirFd, kPath, kHex}),
    S("mount_setattr", {kDirFd, kPath, kAtFlags, kPtr, kULong}),
    S("quotactl_fd", {kFd, kHex, kInt, kPtr}),
    S("landlock_create_ruleset", {kPtr, kULong, kHex}),
    S("landlock_add_rule", {kFd, kInt, kPtr, kHex}), S("landlock_restrict_self", {kFd, kHex}),
    S("statmount", {kPtr, kPtr, kULong, kHex}), S("listmount", {kPtr, kPtr, kULong, kHex}),
    S("lsm_get_self_attr", {kInt, kPtr, kPtr, kHex}),
    S("lsm_set_self_attr", {kInt, kPtr, kULong, kHex}), S("lsm_list_modules", {kPtr, kPtr, kHex}),
    S("open_tree_attr", {kDirFd, kPath, kHex, kPtr, kULong}),
};

constexpr bool AllNamesKnown() {
  for (const Spec& s : kSpecs)
    if (s.nr < 0) return false;
  return true;
}
static_assert(AllNamesKnown(), "a signature names a system call missing from syscall_names.inc");

constexpr std::array<Signature, kNumSyscalls> BuildSignatures() {
  std::array<Signature, kNumSyscalls> t{};
  for (Signature& s : t) {
    s.count = 6;
    for (uint8_t i = 0; i < 6; i++) s.fields[i] = Field{i, Arg::kHex};
  }
  for (const Spec& s : kSpecs) t[static_cast<size_t>(s.nr)] = s.sig;
  return t;
}

constinit const std::array<Signature, kNumSyscalls> kSignatures = BuildSignatures();

constexpr Signature UnknownSignature() {
  Signature s;
  s.count = 6;
  for (uint8_t i = 0; i < 6; i++) s.fields[i] = Field{i, Arg::kHex};
  return s;
}
constinit const Signature kUnknown = UnknownSignature();

void Drop(Signature& s, uint8_t keep) {
  if (s.count > keep) s.count = keep;
}
void Set(Signature& s, uint8_t pos, Arg kind) {
  s.fields[pos] = Field{pos, kind};
  if (s.count <= pos) s.count = static_cast<uint8_t>(pos + 1);
}

bool OpenTakesMode(long flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

void RefineFcntl(Signature& s, long cmd) {
  switch (cmd) {
    case F_GETFD: s.ret = Ret::kFdFlags; Drop(s, 2); break;
    case F_GETFL: s.ret = Ret::kOpenFlags; Drop(s, 2); break;
    case F_GETOWN: case F_GETSIG: case F_GETLEASE: case F_GETPIPE_SZ: case F_GET_SEALS:
      Drop(s, 2); break;
    case F_SETFD: Set(s, 2, kFdFlags); break;
    case F_SETFL: Set(s, 2, kOpenFlags); break;
    case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETOWN: case F_SETPIPE_SZ: Set(s, 2, kInt); break;
    case F_SETSIG: Set(s, 2, kSignal); break;
    default: Set(s, 2, kPtr); break;
  }
}

void RefineIoctl(Signature& s, unsigned long req) {
  switch (req) {
    case TIOCGWINSZ: Set(s, 2, kWinsizeOut); break;
    case TIOCSCTTY: case TCSBRK: case TCXONC: case TCFLSH: Set(s, 2, kInt); break;
    case TIOCNOTTY: case TIOCEXCL: case TIOCNXCL: case FIOCLEX: case FIONCLEX:
      Drop(s, 2); break;
    default: break;
  }
}

void RefineFutex(Signature& s, long op) {
  switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT: Drop(s, 4); break;  // uaddr, op, val, timeout
    case FUTEX_WAKE: case FUTEX_FD: case FUTEX_UNLOCK_PI: case FUTEX_TRYLOCK_PI:
      Drop(s, 3); break;
    case FUTEX_LOCK_PI: case 13 /*FUTEX_LOCK_PI2*/:
      s.fields[2] = Field{3, kTimespecIn}; Drop(s, 3); break;
    case FUTEX_WAIT_BITSET:  // uaddr, op, val, timeout, val3
      s.fields[4] = Field{5, kFutexBitset}; Drop(s, 5); break;
    case FUTEX_WAKE_BITSET:  // uaddr, op, val, val3
      s.fields[3] = Field{5, kFutexBitset}; Drop(s, 4); break;
    case FUTEX_REQUEUE:  // uaddr, op, val, val2, uaddr2
      s.fields[3] = Field{3, kULong}; Drop(s, 5); break;
    case FUTEX_CMP_REQUEUE: case FUTEX_CMP_REQUEUE_PI: case FUTEX_WAKE_OP:
      s.fields[3] = Field{3, kULong}; s.fields[5] = Field{5, kHex}; break;
    case FUTEX_WAIT_REQUEUE_PI: Drop(s, 5); break;
    default: break;
  }
}

void RefinePrctl(Signature& s, long option) {
  switch (option) {
    case PR_SET_NAME: Set(s, 1, kStr); Drop(s, 2); break;
    case PR_GET_NAME: Set(s, 1, kStrOut); Drop(s, 2); break;
    case PR_SET_PDEATHSIG: Set(s, 1, kSignal); Drop(s, 2); break;
    case PR_GET_PDEATHSIG: Set(s, 1, kIntOut); Drop(s, 2); break;
    case PR_GET_DUMPABLE: case PR_GET_KEEPCAPS: case PR_GET_SECCOMP: case PR_GET_TIMERSLACK:
    case PR_GET_CHILD_SUBREAPER: case PR_GET_NO_NEW_PRIVS: case PR_GET_THP_DISABLE:
    case PR_TASK_PERF_EVENTS_DISABLE: case PR_TASK_PERF_EVENTS_ENABLE:
      Drop(s, 1); break;
    case PR_SET_DUMPABLE: case PR_SET_KEEPCAPS: case PR_SET_CHILD_SUBREAPER:
    case PR_SET_TIMERSLACK: case PR_CAPBSET_READ: case PR_CAPBSET_DROP:
      Set(s, 1, kULong); Drop(s, 2); break;
    default: break;
  }
}

void RefineClone(Signature& s, uint64_t flags) {
  // strace's order: child_stack, flags, parent_tid, tls, child_tidptr.
  s.count = 0;
  s.fields[s.count++] = Field{1, kCloneStack};
  s.fields[s.count++] = Field{0, kCloneFlags};
  if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) s.fields[s.count++] = Field{2, kCloneParentTid};
  if (flags & CLONE_SETTLS) s.fields[s.count++] = Field{4, kCloneTls};
  if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
    s.fields[s.count++] = Field{3, kCloneChildTid};
}

}  // namespace

const Signature& LookupSignature(long nr) {
  return static_cast<unsigned long>(nr) < static_cast<unsigned long>(kNumSyscalls)
             ? kSignatures[static_cast<size_t>(nr)]
             : kUnknown;
}

Signature RefineSignature(const SyscallArgs& args) {
  Signature s = LookupSignature(args.nr);
  switch (args.nr) {
    case SYS_open:
      if (!OpenTakesMode(args.a[1])) Drop(s, 2);
      break;
    case SYS_openat:
      if (!OpenTakesMode(args.a[2])) Drop(s, 3);
      break;
    case SYS_mremap:
      if (!(args.a[3] & MREMAP_FIXED)) Drop(s, 4);
      break;
    case SYS_fcntl: RefineFcntl(s, args.a[1]); break;
    case SYS_ioctl: RefineIoctl(s, static_cast<unsigned long>(args.a[1])); break;
    case SYS_futex: RefineFutex(s, args.a[1]); break;
    case SYS_prctl: RefinePrctl(s, args.a[0]); break;
    case SYS_clone: RefineClone(s, static_cast<uint64_t>(args.a[0])); break;
    default: break;
  }
  return s;
}

}  // namespace junction::libos::strace
