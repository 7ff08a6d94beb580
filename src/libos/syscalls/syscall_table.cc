// The system call table. Every number has a name (syscall_names.inc); the
// list below says how each one the LibOS knows about is handled. Numbers
// not listed return ENOSYS.
#include "libos/syscalls/syscall_table.h"

#include <sys/syscall.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "libos/host/host.h"
#include "libos/strace.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

namespace {

struct Spec {
  long nr;
  SyscallHandler handler;
  Support support;
  uint8_t flags;
  int16_t err;
  const char* note;
};

#define IMPL(name, flags, note) {SYS_##name, Sys_##name, Support::kFull, flags, 0, note}
#define PART(name, note) {SYS_##name, Sys_##name, Support::kPartial, 0, 0, note}
#define PART_FAST(name, note) {SYS_##name, Sys_##name, Support::kPartial, kFast, 0, note}
#define HOST(name, note) {SYS_##name, Sys_##name, Support::kHost, 0, 0, note}
#define ERR(name, err, note) {SYS_##name, nullptr, Support::kErrno, 0, err, note}

constexpr Spec kSpecs[] = {
    // Memory: tracked as VMAs; LibOS memory is invisible to the guest.
    IMPL(mmap, 0, "VMAs tracked; MAP_FIXED over LibOS memory fails with ENOMEM"),
    IMPL(munmap, 0, "unmaps only guest memory"),
    IMPL(mprotect, 0, ""),
    IMPL(mremap, 0, ""),
    {SYS_madvise, Sys_madvise_lazy, Support::kFull, kLazy, 0, ""},
    IMPL(brk, 0, "emulated; the host brk belongs to the LibOS"),
    HOST(msync, "range checked against the guest's VMAs"),
    HOST(mincore, "range checked against the guest's VMAs"),
    HOST(mlock, "range checked against the guest's VMAs"),
    HOST(munlock, "range checked against the guest's VMAs"),
    HOST(mlock2, "range checked against the guest's VMAs; MLOCK_ONFAULT"),
    PART(mlockall, "flags checked; locks nothing (the LibOS's own memory and reservations would be locked too)"),
    PART(munlockall, "nothing to unlock (mlockall locks nothing)"),

    // Process identity and control.
    IMPL(exit, kNoReturn, "ends the thread (the process with the last one); clear_child_tid, robust futexes"),
    IMPL(exit_group, kNoReturn, ""),
    IMPL(getpid, kFast, "container pid (1 for the first process)"),
    PART(getppid, "container pid of the parent; 0 for the container's first process"),
    IMPL(gettid, kFast, ""),
    IMPL(set_tid_address, 0, ""),
    IMPL(set_robust_list, kFast, ""),
    IMPL(get_robust_list, 0, ""),
    PART(arch_prctl, "ARCH_SET_FS/GET_FS; %gs belongs to the LibOS (EPERM)"),
    PART(prctl, "NAME, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS, caps queries; others EINVAL"),
    IMPL(getuid, kFast, ""),
    IMPL(geteuid, kFast, ""),
    IMPL(getgid, kFast, ""),
    IMPL(getegid, kFast, ""),
    IMPL(getresuid, 0, ""),
    IMPL(getresgid, 0, ""),
    PART(setuid, "container credentials (Linux rules); host files keep the host's"),
    PART(setgid, "container credentials (Linux rules); host files keep the host's"),
    PART(setreuid, "container credentials (Linux rules); host files keep the host's"),
    PART(setregid, "container credentials (Linux rules); host files keep the host's"),
    PART(setresuid, "container credentials (Linux rules); host files keep the host's"),
    PART(setresgid, "container credentials (Linux rules); host files keep the host's"),
    IMPL(getgroups, 0, "the container's view (the host's groups at start, then setgroups)"),
    PART(setgroups, "container credentials (Linux rules); host files keep the host's"),
    PART(capget, "the container's sets: the host process's at start, then capset, set*uid and exec as Linux; host files keep the host's"),
    PART(name_to_handle_at, "host-backed paths: the host's handle of the file the LibOS resolved, the container's mount id; LibOS file systems EOPNOTSUPP"),
    ERR(open_by_handle_at, EPERM, "a handle can name a file outside the container root: refused as without CAP_DAC_READ_SEARCH"),
    PART(capset, "the caller's own sets, Linux's rules (EPERM to raise); the host process keeps its capabilities"),
    HOST(uname, "reports the host's identity"),
    IMPL(umask, kFast, ""),
    PART(prlimit64, "RLIMIT_NOFILE the guest's (the descriptor table), the others the host process's; any process of the container (a thread's id names its process) with Linux's permission rules"),
    PART(getrlimit, "RLIMIT_NOFILE the guest's (the descriptor table), the others the host process's"),
    PART(setrlimit, "RLIMIT_NOFILE the guest's (the descriptor table), the others the host process's"),
    IMPL(sched_getaffinity, 0, "any task of the container; the mask within the container's cores (kthreads)"),
    IMPL(sched_setaffinity, 0, "any task of the container (Linux's permission rule); cut to the container's cores (none: EINVAL); the thread moves to a kthread it may use"),
    PART(getpriority, "any task, process group or user of the container; nice recorded per task (uthreads have no priorities)"),
    PART(setpriority, "any task, process group or user of the container (EPERM, EACCES, RLIMIT_NICE as Linux); recorded only: uthreads have no priorities"),
    PART(sched_getscheduler, "any task of the container: the policy last set (SCHED_RESET_ON_FORK included)"),
    PART(sched_setscheduler, "OTHER, BATCH, IDLE, FIFO, RR (DEADLINE: EINVAL, as Linux: it needs sched_setattr) on any task, Linux's checks; recorded, inherited, reset on fork: uthreads have no priorities"),
    PART(sched_setattr, "all policies on any task, Linux's checks; DEADLINE: CAP_SYS_NICE, the container's cores as root domain (admission: EBUSY), no fork (EAGAIN); fair slices (Linux 6.12 on); utilization clamps EOPNOTSUPP (no CONFIG_UCLAMP_TASK); recorded only: uthreads have no priorities or deadlines"),
    PART(unshare, "Linux's flag checks; CLONE_FS/FILES/SYSVSEM (undo applied)/THREAD/SIGHAND/VM with no other thread (nothing shared); CLONE_FS with other threads: a working directory of the thread's own (the umask stays the process's); CLONE_FILES/SYSVSEM with other threads EINVAL (one descriptor table and undo list per process); namespaces EPERM (none in a container)"),
    PART(sched_getattr, "any task of the container: what sched_setattr and the older calls recorded; the default slice the host's"),
    PART(sched_getparam, "any task of the container"),
    PART(sched_setparam, "as sched_setscheduler with the policy kept"),
    IMPL(sched_get_priority_max, 0, ""),
    IMPL(sched_get_priority_min, 0, ""),
    PART(sched_rr_get_interval, "FIFO 0, RR the host's sched_rr_timeslice_ms, others the host's fair-class answer"),
    IMPL(sched_yield, kLazy, "yields to another uthread"),
    HOST(getrandom, ""),
    IMPL(getrusage, 0, "SELF/THREAD: the uthreads' CPU time (tick-sampled user/sys split) and switches; memory and I/O figures and CHILDREN from the host"),
    HOST(sysinfo, ""),
    IMPL(getpgrp, 0, "container process group"),
    IMPL(getpgid, 0, "any container process"),
    IMPL(getsid, 0, "any container process"),
    PART(setpgid, "groups within the container session; mirrored on the host"),
    PART(setsid, "recorded in the container; the host session only if the host allows it"),
    IMPL(getcpu, 0, "the container core (kthread) the thread runs on; node 0 (the vDSO asks the LibOS)"),
    // Lazy: the common forms run without saving the guest's vector state.
    {SYS_futex, Sys_futex_lazy, Support::kPartial, kLazy, 0, "user-level: WAIT/WAKE(_BITSET), (CMP_)REQUEUE, WAKE_OP, LOCK/TRYLOCK/UNLOCK_PI, WAIT_REQUEUE_PI/CMP_REQUEUE_PI (no priority boost: uthreads have no priorities)"},
    IMPL(futex_waitv, 0, "up to 128 32-bit futexes; absolute timeout on CLOCK_MONOTONIC/REALTIME"),
    IMPL(kill, 0, "container pids, groups, -1 = every container process but init and the caller"),
    PART(tgkill, "any thread of the caller; the main thread of another container process"),
    PART(tkill, "any thread of the caller; the main thread of another container process"),
    IMPL(rt_sigqueueinfo, 0, "the caller's process in the LibOS; another container process through the host"),
    PART(rt_tgsigqueueinfo, "any thread of the caller; the main thread of another container process"),
    PART(wait4, "host wait on the container's host processes; parks the uthread on pidfds"),
    PART(waitid, "P_ALL/P_PID/P_PGID/P_PIDFD; stops and continues noticed by polling (<= 20 ms)"),
    PART(pidfd_open, "a host pidfd for the container process"),
    PART(pidfd_send_signal, "passed to the host pidfd; a /proc/PID directory names the caller's process"),
    PART(pidfd_getfd, "host-backed descriptors of container processes, any number; LibOS-only objects (made since the target's last fork) EOPNOTSUPP"),

    // Time; the vDSO answers most reads in user space.
    IMPL(clock_gettime, 0, "vDSO fallback; CPU-time clocks from the uthreads' run time"),
    IMPL(clock_getres, 0, "the host's; CPU-time clocks 1 ns (SCHED) or a tick"),
    HOST(gettimeofday, ""),
    HOST(time, ""),
    IMPL(nanosleep, 0, "parks the uthread; the kthread runs others"),
    IMPL(clock_nanosleep, 0, "relative and TIMER_ABSTIME on every settable clock and the CPU-time clocks"),
    IMPL(times, 0, "the uthreads' CPU time; children's from the host"),
    ERR(clock_settime, EPERM, "a container may not set the host's clock (no CAP_SYS_TIME)"),
    ERR(settimeofday, EPERM, "a container may not set the host's clock (no CAP_SYS_TIME)"),
    ERR(sethostname, EPERM, "a container may not rename the host (it has no UTS namespace of its own)"),
    ERR(setdomainname, EPERM, "a container may not rename the host (it has no UTS namespace of its own)"),

    // Signals: kernel-layout frames, restart rules (signals/).
    IMPL(rt_sigaction, 0, ""),
    {SYS_rt_sigprocmask, Sys_rt_sigprocmask_lazy, Support::kFull, kLazy, 0, "a mask per thread"},
    IMPL(rt_sigpending, 0, ""),
    IMPL(sigaltstack, 0, "SS_AUTODISARM supported"),
    IMPL(rt_sigreturn, kNoReturn, "restores registers, FPU state, mask, altstack"),
    IMPL(rt_sigsuspend, 0, "the caller's mask returns through the handler's frame"),
    IMPL(pause, 0, ""),
    IMPL(rt_sigtimedwait, 0, "thread- then process-directed signals"),

    // Timers: the scheduler's timer heap, no host timer per guest timer.
    IMPL(alarm, 0, "ITIMER_REAL"),
    IMPL(setitimer, 0, "REAL on CLOCK_MONOTONIC; VIRTUAL/PROF on the process's user / user+system time"),
    IMPL(getitimer, 0, ""),
    PART(timer_create, "wall and CPU-time clocks; SIGEV_SIGNAL/THREAD_ID/NONE; one queued signal per signal number (RT signals do not queue twice)"),
    IMPL(timer_settime, 0, "relative, TIMER_ABSTIME, periodic; re-setting drops a pending signal"),
    IMPL(timer_gettime, 0, ""),
    IMPL(timer_getoverrun, 0, ""),
    IMPL(timer_delete, 0, ""),

    // Files: the LibOS VFS (mount table, path resolution, descriptor table;
    // docs/filesystem.md). Host-backed files keep a host descriptor.
    // Lazy: pipes' read/write that need not block, host files' positional
    // I/O, without saving the guest's vector state.
    {SYS_read, Sys_read_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_write, Sys_write_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_pread64, Sys_pread64_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_pwrite64, Sys_pwrite64_lazy, Support::kFull, kLazy, 0, ""},
    IMPL(readv, 0, ""), IMPL(writev, 0, ""), IMPL(preadv, 0, ""), IMPL(pwritev, 0, ""),
    PART(preadv2, "RWF_* flags passed to the host for host files"),
    PART(pwritev2, "RWF_* flags passed to the host for host files"),
    {SYS_open, Sys_open_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_openat, Sys_openat_lazy, Support::kFull, kLazy, 0, ""}, IMPL(creat, 0, ""),
    PART(openat2, "all RESOLVE_* flags; RESOLVE_CACHED ignored"),
    {SYS_close, Sys_close_lazy, Support::kFull, kLazy, 0, "LibOS descriptors have no guest number"},
    IMPL(close_range, 0, ""),
    IMPL(fstat, 0, ""),
    {SYS_stat, Sys_stat_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_lstat, Sys_lstat_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_newfstatat, Sys_newfstatat_lazy, Support::kFull, kLazy, 0, ""},
    {SYS_statx, Sys_statx_lazy, Support::kPartial, kLazy, 0, "host statx for host files; others from stat (basic fields)"},
    IMPL(lseek, 0, ""), IMPL(access, 0, ""), IMPL(faccessat, 0, ""), IMPL(faccessat2, 0, ""),
    IMPL(readlink, 0, ""), IMPL(readlinkat, 0, ""),
    IMPL(getcwd, 0, "relative to the container root"), IMPL(chdir, 0, ""), IMPL(fchdir, 0, ""),
    PART(fcntl, "locks, leases, seals, pipe size passed to the host descriptor"),
    PART(ioctl, "FIONREAD, FIONBIO, FIOCLEX/FIONCLEX; terminal requests to a host terminal; SIOCGIFCONF and the SIOCGIF* interface queries on sockets; others ENOTTY"),
    IMPL(getdents64, 0, ""), IMPL(dup, 0, ""), IMPL(dup2, 0, ""), IMPL(dup3, 0, ""),

    // Objects and readiness (docs/ipc.md): LibOS pipes, eventfd, timerfd,
    // signalfd, epoll, poll/select; host descriptors through the reactor.
    IMPL(pipe, 0, "LibOS pipe"), IMPL(pipe2, 0, "O_NONBLOCK, O_DIRECT packets, O_CLOEXEC"),
    PART(splice, "one end a LibOS pipe; copies through a LibOS buffer"),
    PART(tee, "LibOS pipes; copies"),
    IMPL(poll, 0, "LibOS objects and host descriptors (reactor); parks the uthread"),
    PART(ppoll, "the temporary mask is restored before a handler runs"),
    IMPL(select, 0, ""), PART(pselect6, "the temporary mask is restored before a handler runs"),
    IMPL(eventfd, 0, ""), IMPL(eventfd2, 0, "EFD_SEMAPHORE, EFD_NONBLOCK"),
    PART(timerfd_create, "all clocks; TFD_TIMER_CANCEL_ON_SET: ECANCELED when the host's CLOCK_REALTIME is set"),
    IMPL(timerfd_settime, 0, "TFD_TIMER_CANCEL_ON_SET: ECANCELED when the host's CLOCK_REALTIME is set"), IMPL(timerfd_gettime, 0, ""),
    IMPL(signalfd, 0, "the caller's thread- and process-directed signals; woken when one becomes pending"),
    IMPL(signalfd4, 0, "the caller's thread- and process-directed signals; woken when one becomes pending"),
    IMPL(epoll_create, 0, ""), IMPL(epoll_create1, 0, ""),
    PART(epoll_ctl, "LT, ET, ONESHOT, nesting; EPOLLEXCLUSIVE: an event wakes one of the exclusive instances"),
    IMPL(epoll_wait, 0, ""),
    PART(epoll_pwait, "the temporary mask is restored before a handler runs"),
    PART(epoll_pwait2, "the temporary mask is restored before a handler runs"),
    // Sockets: AF_UNIX in the LibOS; AF_INET/AF_INET6 (and AF_NETLINK, for
    // interface queries) are host sockets driven through the reactor, or in
    // [net] mode = "bypass" AF_INET goes to the LibOS's own stack.
    PART(socket, "AF_UNIX (LibOS), AF_INET/AF_INET6/AF_NETLINK (host); bypass mode: AF_INET stream/dgram on the LibOS stack, AF_INET6 as dual-stack over it (no IPv6 traffic), NETLINK_ROUTE answered by the LibOS; others EAFNOSUPPORT"),
    PART(socketpair, "AF_UNIX stream, dgram, seqpacket"),
    PART(bind, "unix path names make socket files; a socket is found by its file's identity; a family-only address autobinds"),
    IMPL(listen, 0, ""), IMPL(accept, 0, ""), IMPL(accept4, 0, ""),
    IMPL(connect, 0, "EINPROGRESS for non-blocking host sockets"), IMPL(shutdown, 0, ""),
    IMPL(getsockname, 0, ""), IMPL(getpeername, 0, ""),
    PART(getsockopt, "unix: SO_TYPE/DOMAIN/ERROR/PEERCRED/PASSCRED/ACCEPTCONN/buffer sizes; bypass inet: docs/network.md"),
    PART(setsockopt, "unix: SO_PASSCRED; others accepted and ignored; host sockets: the host's; bypass inet: docs/network.md (unknown: ENOPROTOOPT)"),
    IMPL(sendto, 0, ""), IMPL(recvfrom, 0, ""),
    PART(sendmsg, "SCM_RIGHTS, SCM_CREDENTIALS on unix sockets; host sockets: no control data"),
    PART(recvmsg, "SCM_RIGHTS, SCM_CREDENTIALS on unix sockets; host sockets: no control data"),
    PART(sendmmsg, "loop of sendmsg on every socket kind; vlen capped at UIO_MAXIOV, count of sent messages after a later error"),
    PART(recvmmsg, "loop of recvmsg on every socket kind; MSG_WAITFORONE, timeout checked after each message; an error after the first message is not kept for the next call"),
    IMPL(statfs, 0, ""), IMPL(fstatfs, 0, ""), IMPL(unlink, 0, ""), IMPL(unlinkat, 0, ""),
    IMPL(mkdir, 0, ""), IMPL(mkdirat, 0, ""),
    PART(mknod, "FIFOs, socket files, regular files; device nodes EPERM (no CAP_MKNOD); tmpfs: socket files only"),
    PART(mknodat, "FIFOs, socket files, regular files; device nodes EPERM (no CAP_MKNOD); tmpfs: socket files only"), IMPL(rmdir, 0, ""), IMPL(rename, 0, ""), IMPL(renameat, 0, ""),
    PART(renameat2, "RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT EINVAL"),
    IMPL(ftruncate, 0, ""), IMPL(truncate, 0, ""), IMPL(fsync, 0, ""), IMPL(fdatasync, 0, ""),
    IMPL(sync_file_range, 0, ""), PART(fallocate, "host files and tmpfs (a size limit: ENOSPC unless the whole range fits, as Linux)"),
    PART(flock, "host descriptor's lock; generated files always succeed"), IMPL(fadvise64, 0, ""),
    IMPL(fchmod, 0, ""), IMPL(chmod, 0, ""), IMPL(fchmodat, 0, ""), IMPL(fchown, 0, ""),
    IMPL(chown, 0, ""), IMPL(lchown, 0, ""), IMPL(fchownat, 0, ""), IMPL(utimensat, 0, ""),
    IMPL(symlink, 0, ""), IMPL(symlinkat, 0, ""), IMPL(link, 0, ""), IMPL(linkat, 0, ""),
    IMPL(sendfile, 0, ""), IMPL(copy_file_range, 0, ""),
    PART(memfd_create, "a host memfd; sealing through fcntl"),
    IMPL(inotify_init, 0, "a LibOS instance (host watches through a host instance of its own)"),
    IMPL(inotify_init1, 0, "IN_NONBLOCK, IN_CLOEXEC"),
    PART(inotify_add_watch, "LibOS tmpfs: the LibOS's events; host directories (mounts, /dev/shm, config tmpfs): the host's; procfs, sysfs, devfs: watches that never fire"),
    IMPL(inotify_rm_watch, 0, ""),
    // System V IPC, container-wide (ipc/sysv/, docs/ipc.md "System V IPC").
    PART(shmget, "segments are host tmpfs files of the container; SHM_HUGETLB/SHM_NORESERVE ignored"),
    PART(shmat, "SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC; nattch follows fork, exec, exit, shmdt and munmap"),
    IMPL(shmdt, 0, ""),
    PART(shmctl, "IPC_STAT/SET/RMID/INFO, SHM_INFO/STAT/STAT_ANY/LOCK/UNLOCK (LOCK only marks the segment)"),
    IMPL(semget, 0, "SEMMNS is 1048576 (/proc/sys/kernel/sem)"),
    PART(semop, "SEM_UNDO applied at exit (a process killed from outside the container: by the next waiter, within 100 ms)"),
    PART(semtimedop, "as semop"),
    IMPL(semctl, 0, ""),
    PART(msgget, "messages in a 64 MiB pool shared by all queues (ENOMEM when it is full)"),
    PART(msgsnd, "as msgget"),
    IMPL(msgrcv, 0, "MSG_EXCEPT, MSG_NOERROR, MSG_COPY"),
    IMPL(msgctl, 0, ""),
    ERR(fanotify_init, ENOSYS, "not supported (docs/filesystem.md)"),
    HOST(getxattr, ""), HOST(lgetxattr, ""), HOST(fgetxattr, ""), HOST(listxattr, ""),
    HOST(llistxattr, ""), HOST(flistxattr, ""), HOST(setxattr, ""), HOST(lsetxattr, ""),
    HOST(fsetxattr, ""), HOST(removexattr, ""), HOST(lremovexattr, ""), HOST(fremovexattr, ""),

    // Precise errors.
    {SYS_rseq, Sys_rseq_lazy, Support::kFull, kLazy, 0, "cpu_id of the kthread's core, updated when the thread resumes elsewhere; critical sections aborted on preemption and signals"},
    ERR(io_uring_setup, ENOSYS, "programs fall back to epoll/threads"),
    // Linux AIO: what a kernel built without CONFIG_AIO gives (libaio
    // users such as MySQL/InnoDB and fio fall back to threads or psync).
    ERR(io_setup, ENOSYS, "as a kernel without CONFIG_AIO: programs fall back to synchronous I/O"),
    ERR(io_destroy, ENOSYS, "as a kernel without CONFIG_AIO"),
    ERR(io_submit, ENOSYS, "as a kernel without CONFIG_AIO"),
    ERR(io_cancel, ENOSYS, "as a kernel without CONFIG_AIO"),
    ERR(io_getevents, ENOSYS, "as a kernel without CONFIG_AIO"),
    ERR(io_pgetevents, ENOSYS, "as a kernel without CONFIG_AIO"),
    {SYS_clone3, Sys_clone3_lazy, Support::kPartial, kLazy, 0, "threads are uthreads; processes are host forks (CLONE_VM only with CLONE_VFORK; no namespaces, CLONE_FILES/FS/SIGHAND/PARENT)"},
    {SYS_clone, Sys_clone_lazy, Support::kPartial, kLazy, 0, "threads are uthreads; processes are host forks (CLONE_VM only with CLONE_VFORK; no namespaces, CLONE_FILES/FS/SIGHAND/PARENT)"},
    PART(fork, "a host fork; the child gets kthreads of its own for its threads (standalone)"),
    PART(vfork, "a fork whose parent waits until the child execs or exits (memory copied, not shared)"),
    PART(execve, "replaces the image in this process; set-id bits ignored"),
    PART(execveat, "replaces the image in this process; set-id bits ignored"),
    ERR(ptrace, EPERM, "not supported inside the LibOS"),
    ERR(seccomp, EINVAL, "the LibOS's own filter is not the guest's to change"),
};

constexpr std::array<SyscallEntry, kNumSyscalls> BuildTable() {
  std::array<SyscallEntry, kNumSyscalls> t{};
  for (auto& e : t) e = {nullptr, nullptr, Support::kErrno, 0, ENOSYS, "no such system call"};
#define SYSCALL(n, name) t[n] = {#name, nullptr, Support::kErrno, 0, ENOSYS, "not implemented"};
#include "libos/syscalls/syscall_names.inc"
#undef SYSCALL
  for (const Spec& s : kSpecs) {
    t[s.nr].handler = s.handler;
    t[s.nr].support = s.support;
    t[s.nr].flags = s.flags;
    t[s.nr].err = s.err;
    t[s.nr].note = s.note;
  }
  return t;
}


bool g_reported[kNumSyscalls + 1];

}  // namespace

constinit const SyscallEntry kNoSuchSyscall = {nullptr, nullptr, Support::kErrno, 0, ENOSYS,
                                               "no such system call"};
constinit const std::array<SyscallEntry, kNumSyscalls> kSyscallTable = BuildTable();

long DispatchWithLibc(const SyscallArgs& args) {
  const SyscallEntry& e = LookupSyscall(args.nr);
  long ret;
  if (e.handler) {
    ret = e.handler(args);
  } else {
    ret = -e.err;
    if (!e.name) {
      size_t slot = static_cast<size_t>(args.nr) < static_cast<size_t>(kNumSyscalls)
                        ? static_cast<size_t>(args.nr)
                        : kNumSyscalls;
      if (!g_reported[slot]) {
        g_reported[slot] = true;
        char msg[128];
        int n = std::snprintf(msg, sizeof(msg),
                              "junction: unknown system call %ld, returning ENOSYS\n", args.nr);
        host::WriteAll(2, msg, static_cast<size_t>(n));
      }
    }
  }
  if (g_strace_enabled) StraceLog(args, ret);
  return ret;
}

int PrintSyscallTable(int fd) {
  static const char* const kSupportNames[] = {"full", "partial", "host", "errno"};
  int implemented = 0;
  for (long nr = 0; nr < kNumSyscalls; nr++) {
    const SyscallEntry& e = kSyscallTable[static_cast<size_t>(nr)];
    if (!e.name) continue;
    char line[512];
    int n;
    if (e.support == Support::kErrno)
      n = std::snprintf(line, sizeof(line), "%3ld %-24s %-8s %s: %s\n", nr, e.name, "errno",
                        strerrorname_np(e.err), e.note);
    else
      n = std::snprintf(line, sizeof(line), "%3ld %-24s %-8s %s\n", nr, e.name,
                        kSupportNames[static_cast<int>(e.support)], e.note);
    host::WriteAll(fd, line, static_cast<size_t>(n));
    if (e.support != Support::kErrno) implemented++;
  }
  return implemented;
}

}  // namespace junction::libos
