// Declarations of every system call handler; the table (syscall_table.cc)
// names them. Handlers decode and check arguments, then call objects.
#pragma once

#include "libos/syscalls/syscall_table.h"

// In a handler: on error return -errno.
#define CHECK(expr)                          \
  do {                                       \
    auto _r = (expr);                        \
    if (!_r.ok()) return -_r.error();        \
  } while (0)

#define JUNCTION_HANDLER(name) long Sys_##name([[maybe_unused]] const ::junction::libos::SyscallArgs& a)

struct clone_args;  // <linux/sched.h>

namespace junction::libos {

// Memory (sys_mm.cc)
JUNCTION_HANDLER(mmap); JUNCTION_HANDLER(munmap); JUNCTION_HANDLER(mprotect);
JUNCTION_HANDLER(mremap); JUNCTION_HANDLER(madvise); JUNCTION_HANDLER(brk);
JUNCTION_HANDLER(msync); JUNCTION_HANDLER(mincore);
JUNCTION_HANDLER(mlock); JUNCTION_HANDLER(munlock); JUNCTION_HANDLER(mlock2);
JUNCTION_HANDLER(mlockall); JUNCTION_HANDLER(munlockall);

// Threads, futexes, sleeping (sys_thread.cc)
JUNCTION_HANDLER(clone); JUNCTION_HANDLER(clone3); JUNCTION_HANDLER(exit);
JUNCTION_HANDLER(set_tid_address); JUNCTION_HANDLER(set_robust_list);
JUNCTION_HANDLER(get_robust_list); JUNCTION_HANDLER(futex); JUNCTION_HANDLER(futex_waitv); JUNCTION_HANDLER(rseq); JUNCTION_HANDLER(nanosleep);
JUNCTION_HANDLER(futex_lazy);  // futex's kLazy entry (sys_futex_lazy.cc)
JUNCTION_HANDLER(rt_sigprocmask_lazy);  // kLazy entry (sys_signal_lazy.cc)
JUNCTION_HANDLER(madvise_lazy);  // kLazy entry (sys_mm_lazy.cc)
JUNCTION_HANDLER(rseq_lazy);  // kLazy entry (sys_rseq_lazy.cc)
JUNCTION_HANDLER(clone_lazy); JUNCTION_HANDLER(clone3_lazy);  // kLazy entries (sys_thread_lazy.cc)
// A thread clone whose caller's vector registers are kept with moves in
// `area` (sched/guest_vectors.h), not in its xsave area: the child starts
// from a copy of them (sys_thread_lazy.cc).
struct KeptVectors {
  const uint8_t* area;
  uint64_t inuse;
};
long CloneThreadKeptVectors(unsigned long flags, uintptr_t newsp, uintptr_t parent_tid, uintptr_t child_tid,
                            uintptr_t tls, const SyscallArgs& a, const KeptVectors& v);
// clone3 of a thread from its copied `ca` (CLONE_THREAD set); `v` as above,
// or null for the full handler.
long Clone3Thread(const clone_args& ca, const SyscallArgs& a, const KeptVectors* v);
JUNCTION_HANDLER(stat_lazy); JUNCTION_HANDLER(lstat_lazy);  // kLazy entries (sys_path_lazy.cc)
JUNCTION_HANDLER(newfstatat_lazy); JUNCTION_HANDLER(statx_lazy); JUNCTION_HANDLER(open_lazy); JUNCTION_HANDLER(openat_lazy);
JUNCTION_HANDLER(clock_nanosleep);
JUNCTION_HANDLER(sched_yield);  // kLazy (sys_yield_lazy.cc)

// Process identity, limits, control (sys_process.cc)
JUNCTION_HANDLER(exit_group); JUNCTION_HANDLER(getpid);
JUNCTION_HANDLER(getppid); JUNCTION_HANDLER(gettid);
JUNCTION_HANDLER(arch_prctl); JUNCTION_HANDLER(prctl);
JUNCTION_HANDLER(getuid); JUNCTION_HANDLER(geteuid); JUNCTION_HANDLER(getgid);
JUNCTION_HANDLER(getegid); JUNCTION_HANDLER(getresuid); JUNCTION_HANDLER(getresgid);
JUNCTION_HANDLER(getgroups);
// Credentials (sys_cred.cc)
JUNCTION_HANDLER(setuid); JUNCTION_HANDLER(setgid); JUNCTION_HANDLER(setreuid);
JUNCTION_HANDLER(setregid); JUNCTION_HANDLER(setresuid); JUNCTION_HANDLER(setresgid);
JUNCTION_HANDLER(setgroups);
JUNCTION_HANDLER(capget);
JUNCTION_HANDLER(capset);
JUNCTION_HANDLER(name_to_handle_at);
 JUNCTION_HANDLER(uname); JUNCTION_HANDLER(umask);
JUNCTION_HANDLER(prlimit64); JUNCTION_HANDLER(getrlimit); JUNCTION_HANDLER(setrlimit);
JUNCTION_HANDLER(getrandom); JUNCTION_HANDLER(getrusage); JUNCTION_HANDLER(sysinfo);
JUNCTION_HANDLER(getpgrp); JUNCTION_HANDLER(getpgid); JUNCTION_HANDLER(getsid);
JUNCTION_HANDLER(getcpu); JUNCTION_HANDLER(kill);
JUNCTION_HANDLER(tgkill); JUNCTION_HANDLER(tkill);
JUNCTION_HANDLER(pidfd_getfd);
JUNCTION_HANDLER(rt_sigqueueinfo); JUNCTION_HANDLER(rt_tgsigqueueinfo);

// Scheduling attributes of any task of the container (sys_sched.cc)
JUNCTION_HANDLER(sched_getaffinity); JUNCTION_HANDLER(sched_setaffinity);
JUNCTION_HANDLER(getpriority); JUNCTION_HANDLER(setpriority);
JUNCTION_HANDLER(sched_getscheduler); JUNCTION_HANDLER(sched_setscheduler);
JUNCTION_HANDLER(sched_getparam); JUNCTION_HANDLER(sched_setparam);
JUNCTION_HANDLER(sched_get_priority_max); JUNCTION_HANDLER(sched_get_priority_min);
JUNCTION_HANDLER(sched_rr_get_interval);
JUNCTION_HANDLER(sched_setattr); JUNCTION_HANDLER(sched_getattr);

// unshare (sys_unshare.cc)
JUNCTION_HANDLER(unshare);

// Program replacement (sys_exec.cc)
JUNCTION_HANDLER(execve); JUNCTION_HANDLER(execveat);

// Time (sys_time.cc)
JUNCTION_HANDLER(clock_gettime); JUNCTION_HANDLER(clock_getres);
JUNCTION_HANDLER(gettimeofday); JUNCTION_HANDLER(time); JUNCTION_HANDLER(times);

// Signals (sys_signal.cc)
JUNCTION_HANDLER(rt_sigaction); JUNCTION_HANDLER(rt_sigprocmask);
JUNCTION_HANDLER(rt_sigpending); JUNCTION_HANDLER(sigaltstack); JUNCTION_HANDLER(rt_sigreturn);
JUNCTION_HANDLER(rt_sigsuspend); JUNCTION_HANDLER(pause); JUNCTION_HANDLER(rt_sigtimedwait);
// Timers (sys_timer.cc)
JUNCTION_HANDLER(alarm); JUNCTION_HANDLER(setitimer); JUNCTION_HANDLER(getitimer);
JUNCTION_HANDLER(timer_create); JUNCTION_HANDLER(timer_settime); JUNCTION_HANDLER(timer_gettime);
JUNCTION_HANDLER(timer_getoverrun); JUNCTION_HANDLER(timer_delete);

// Files (sys_file.cc: paths and metadata; sys_fd.cc: descriptors and I/O)
JUNCTION_HANDLER(read); JUNCTION_HANDLER(write); JUNCTION_HANDLER(pread64);
JUNCTION_HANDLER(pwrite64); JUNCTION_HANDLER(readv); JUNCTION_HANDLER(writev);
JUNCTION_HANDLER(pread64_lazy); JUNCTION_HANDLER(pwrite64_lazy);  // kLazy entries (sys_fd_lazy.cc)
JUNCTION_HANDLER(read_lazy); JUNCTION_HANDLER(write_lazy);
JUNCTION_HANDLER(close_lazy);  // kLazy entry (sys_fd_lazy.cc)
JUNCTION_HANDLER(open); JUNCTION_HANDLER(openat); JUNCTION_HANDLER(close);
JUNCTION_HANDLER(fstat); JUNCTION_HANDLER(stat); JUNCTION_HANDLER(lstat);
JUNCTION_HANDLER(newfstatat); JUNCTION_HANDLER(statx); JUNCTION_HANDLER(lseek);
JUNCTION_HANDLER(access); JUNCTION_HANDLER(faccessat); JUNCTION_HANDLER(faccessat2);
JUNCTION_HANDLER(readlink); JUNCTION_HANDLER(readlinkat); JUNCTION_HANDLER(getcwd);
JUNCTION_HANDLER(chdir); JUNCTION_HANDLER(fchdir); JUNCTION_HANDLER(fcntl);
JUNCTION_HANDLER(ioctl); JUNCTION_HANDLER(getdents64); JUNCTION_HANDLER(dup);
JUNCTION_HANDLER(dup2); JUNCTION_HANDLER(dup3); JUNCTION_HANDLER(pipe);
JUNCTION_HANDLER(pipe2); JUNCTION_HANDLER(poll); JUNCTION_HANDLER(ppoll);
JUNCTION_HANDLER(statfs); JUNCTION_HANDLER(fstatfs); JUNCTION_HANDLER(unlink);
JUNCTION_HANDLER(unlinkat); JUNCTION_HANDLER(mkdir); JUNCTION_HANDLER(mkdirat); JUNCTION_HANDLER(mknod); JUNCTION_HANDLER(mknodat);
JUNCTION_HANDLER(rmdir); JUNCTION_HANDLER(rename); JUNCTION_HANDLER(renameat);
JUNCTION_HANDLER(renameat2); JUNCTION_HANDLER(ftruncate); JUNCTION_HANDLER(fsync);
JUNCTION_HANDLER(fdatasync); JUNCTION_HANDLER(fchmod); JUNCTION_HANDLER(chmod);
JUNCTION_HANDLER(fchmodat); JUNCTION_HANDLER(fchown); JUNCTION_HANDLER(utimensat);
JUNCTION_HANDLER(fadvise64); JUNCTION_HANDLER(symlink); JUNCTION_HANDLER(symlinkat);
JUNCTION_HANDLER(link); JUNCTION_HANDLER(linkat); JUNCTION_HANDLER(creat);
JUNCTION_HANDLER(truncate); JUNCTION_HANDLER(flock);
JUNCTION_HANDLER(openat2); JUNCTION_HANDLER(close_range); JUNCTION_HANDLER(preadv);
JUNCTION_HANDLER(pwritev); JUNCTION_HANDLER(preadv2); JUNCTION_HANDLER(pwritev2);
JUNCTION_HANDLER(fallocate); JUNCTION_HANDLER(sync_file_range); JUNCTION_HANDLER(sendfile);
JUNCTION_HANDLER(copy_file_range); JUNCTION_HANDLER(memfd_create); JUNCTION_HANDLER(chown);
JUNCTION_HANDLER(lchown); JUNCTION_HANDLER(fchownat);

// Extended attributes, passed to the host (sys_xattr.cc)
JUNCTION_HANDLER(getxattr); JUNCTION_HANDLER(lgetxattr); JUNCTION_HANDLER(fgetxattr);
JUNCTION_HANDLER(listxattr); JUNCTION_HANDLER(llistxattr); JUNCTION_HANDLER(flistxattr);
JUNCTION_HANDLER(setxattr); JUNCTION_HANDLER(lsetxattr); JUNCTION_HANDLER(fsetxattr);
JUNCTION_HANDLER(removexattr); JUNCTION_HANDLER(lremovexattr); JUNCTION_HANDLER(fremovexattr);

// Processes (sys_process.cc, sys_proc_fork.cc, sys_wait.cc).
JUNCTION_HANDLER(fork); JUNCTION_HANDLER(vfork); JUNCTION_HANDLER(wait4);
JUNCTION_HANDLER(waitid); JUNCTION_HANDLER(setpgid); JUNCTION_HANDLER(setsid);
JUNCTION_HANDLER(pidfd_open); JUNCTION_HANDLER(pidfd_send_signal);
long CloneProcess(const SyscallArgs& a);                   // clone without CLONE_THREAD
long Clone3Process(const ::clone_args& ca, const SyscallArgs& a);
void ReleaseVforkParent();                                 // execve in a vfork child

// Pipes, splice, tee (sys_pipe.cc); eventfd, timerfd, signalfd
// (sys_event.cc); epoll (sys_epoll.cc); poll and select (sys_poll.cc).
JUNCTION_HANDLER(splice); JUNCTION_HANDLER(tee);
JUNCTION_HANDLER(eventfd); JUNCTION_HANDLER(eventfd2); JUNCTION_HANDLER(timerfd_create);
JUNCTION_HANDLER(inotify_init); JUNCTION_HANDLER(inotify_init1); JUNCTION_HANDLER(inotify_add_watch);
JUNCTION_HANDLER(inotify_rm_watch);
JUNCTION_HANDLER(timerfd_settime); JUNCTION_HANDLER(timerfd_gettime);
JUNCTION_HANDLER(signalfd); JUNCTION_HANDLER(signalfd4);
JUNCTION_HANDLER(epoll_create); JUNCTION_HANDLER(epoll_create1); JUNCTION_HANDLER(epoll_ctl);
JUNCTION_HANDLER(epoll_wait); JUNCTION_HANDLER(epoll_pwait); JUNCTION_HANDLER(epoll_pwait2);
JUNCTION_HANDLER(select); JUNCTION_HANDLER(pselect6);

// System V IPC (sys_sysvipc.cc)
JUNCTION_HANDLER(shmget); JUNCTION_HANDLER(shmat); JUNCTION_HANDLER(shmdt); JUNCTION_HANDLER(shmctl);
JUNCTION_HANDLER(semget); JUNCTION_HANDLER(semop); JUNCTION_HANDLER(semtimedop); JUNCTION_HANDLER(semctl);
JUNCTION_HANDLER(msgget); JUNCTION_HANDLER(msgsnd); JUNCTION_HANDLER(msgrcv); JUNCTION_HANDLER(msgctl);

// Sockets (sys_socket.cc)
JUNCTION_HANDLER(socket); JUNCTION_HANDLER(socketpair); JUNCTION_HANDLER(bind);
JUNCTION_HANDLER(listen); JUNCTION_HANDLER(accept); JUNCTION_HANDLER(accept4);
JUNCTION_HANDLER(connect); JUNCTION_HANDLER(shutdown); JUNCTION_HANDLER(getsockname);
JUNCTION_HANDLER(getpeername); JUNCTION_HANDLER(getsockopt); JUNCTION_HANDLER(setsockopt);
JUNCTION_HANDLER(sendto); JUNCTION_HANDLER(recvfrom); JUNCTION_HANDLER(sendmsg);
JUNCTION_HANDLER(recvmsg); JUNCTION_HANDLER(sendmmsg); JUNCTION_HANDLER(recvmmsg);

}  // namespace junction::libos
