#include "libos/entry/seccomp.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <vector>

#include "libos/host/host.h"

namespace junction::libos {

namespace {

struct HostCall {
  int nr;
  const char* name;
  const char* why;
};

#define H(name, why) {SYS_##name, #name, why}

// Keep this short; every entry is host attack surface.
constexpr HostCall kAllowed[] = {
    // Guest file I/O is passed through until the VFS lands (files issue).
    H(read, "file and terminal I/O"), H(write, "file and terminal I/O, diagnostics, the daemon's doorbell"),
    H(pread64, "file I/O, loader"), H(pwrite64, "file I/O"), H(readv, "file I/O"),
    H(writev, "file I/O"), H(preadv, "file I/O"), H(pwritev, "file I/O"), H(preadv2, "file I/O"),
    H(pwritev2, "file I/O"), H(openat, "host devices, reopening memfds and /proc/self/fd"),
    H(openat2, "VFS: host mounts only through RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS"),
    H(close, "file descriptors"), H(memfd_create, "tmpfs files, guest memfds"), H(fstat, "file metadata"), H(newfstatat, "file metadata"),
    H(statx, "file metadata"), H(lseek, "file offsets"), H(faccessat, "access checks"),
    H(faccessat2, "access checks"), H(readlinkat, "symlinks"), H(getdents64, "directories"),
    H(getcwd, "junction's own start-up directory"),
    H(fcntl, "descriptor flags and locks"), H(ioctl, "terminal requests (filtered by the LibOS)"),
    H(pipe2, "pipes"), H(poll, "readiness"),
    H(ppoll, "readiness"), H(statfs, "file systems"), H(fstatfs, "file systems"),
    H(unlinkat, "directories"), H(mkdirat, "directories"),
    H(mknodat, "FIFOs and unix socket files (the LibOS refuses device nodes)"), H(renameat2, "directories"),
    H(ftruncate, "files"), H(truncate, "files"), H(fsync, "durability"),
    H(fdatasync, "durability"), H(flock, "locks"), H(fadvise64, "read-ahead hints"),
    H(fchmod, "permissions"), H(fchmodat, "permissions"), H(fchown, "ownership"), H(fchownat, "ownership (O_PATH descriptors)"),
    H(fallocate, "files"), H(sync_file_range, "durability"), H(sendfile, "copies"),
    H(copy_file_range, "copies"),
    H(utimensat, "timestamps"), H(symlinkat, "links"), H(linkat, "links"),
    H(getxattr, "xattrs"), H(lgetxattr, "xattrs"), H(fgetxattr, "xattrs"),
    H(listxattr, "xattrs"), H(llistxattr, "xattrs"), H(flistxattr, "xattrs"),
    H(setxattr, "xattrs"), H(lsetxattr, "xattrs"), H(fsetxattr, "xattrs"),
    H(removexattr, "xattrs"), H(lremovexattr, "xattrs"), H(fremovexattr, "xattrs"),
    H(kill, "signals to the process itself and to the container's host processes"),
    H(rt_sigqueueinfo, "sigqueue to another container process"),
    H(rt_tgsigqueueinfo, "sigqueue to another container process's main thread"),
    // Memory for the guest (tracked as VMAs) and for the LibOS.
    H(mmap, "memory"), H(munmap, "memory"), H(mprotect, "memory, syscall-site rewriting"),
    H(mremap, "memory"), H(madvise, "memory"), H(msync, "file mappings"),
    H(mincore, "memory residency"), H(brk, "the LibOS's own heap (glibc malloc)"),
    // Signals: the LibOS's own handlers (SIGSYS trap path, faults).
    H(rt_sigaction, "LibOS signal handlers"), H(rt_sigprocmask, "LibOS signal mask"),
    H(rt_sigreturn, "return from LibOS signal handlers"), H(sigaltstack, "LibOS signal stacks"),
    // Identity, time, limits.
    H(getpid, "identity"), H(getppid, "identity"), H(gettid, "identity"),
    H(getuid, "identity"), H(geteuid, "identity"), H(getgid, "identity"), H(getegid, "identity"),
    H(getpgid, "identity"), H(getsid, "identity"),
    H(uname, "host identity"), H(prlimit64, "resource limits of this process"),
    H(getrusage, "accounting"), H(sysinfo, "memory figures"), H(times, "accounting"),
    H(getrandom, "randomness for AT_RANDOM and the guest"), H(clock_gettime, "clocks"),
    H(clock_getres, "clocks"), H(gettimeofday, "clocks"), H(time, "clocks"),
    H(nanosleep, "sleeping"), H(clock_nanosleep, "sleeping"), H(sched_yield, "yielding"),
    H(getcpu, "current core"), H(sched_getaffinity, "core count at start"),
    H(sched_setaffinity, "a kthread runs on the core the daemon granted it (docs/daemon.md)"),
    // Control of the process itself.
    H(prctl, "names, pdeath signal, syscall user dispatch"), H(arch_prctl, "TLS base fallback"),
    H(exit_group, "exit"), H(exit, "exit"), H(set_tid_address, "glibc start-up of junction"),
    H(set_robust_list, "glibc start-up of junction"), H(rseq, "glibc start-up of junction"),
    H(futex, "LibOS locks, parking idle kthreads, the daemon's grant words (shared futex)"),
    H(epoll_ctl, "the reactor: host descriptors uthreads wait for"),
    H(epoll_wait, "the reactor"), H(epoll_create1, "the reactor, again in a forked child"),
    H(eventfd2, "the reactor's wake-up descriptor (also after fork)"),
    // Host-network mode (docs/ipc.md): the guest's AF_INET/AF_INET6/AF_NETLINK
    // sockets are host sockets the LibOS creates and drives (non-blocking).
    H(socket, "host sockets ([net] mode = host); the daemon client re-registering"), H(bind, "host sockets"), H(listen, "host sockets"),
    H(accept4, "host sockets"), H(connect, "host sockets, the daemon's control socket"), H(sendto, "host sockets"),
    H(recvfrom, "host sockets, daemon hang-up check"), H(sendmsg, "host sockets, daemon registration (region memfd)"), H(recvmsg, "host sockets, the daemon's reply (region, doorbell)"),
    H(shutdown, "host sockets"), H(socketpair, "unix socket pairs shared by forked processes"), H(getsockname, "host sockets"), H(getpeername, "host sockets"),
    H(getsockopt, "host sockets"), H(setsockopt, "host sockets"),
    // Processes (docs/architecture.md): each container process is a host
    // process. clone only with an exit signal and CLONE_PIDFD (checked on
    // the argument below: no threads, no shared VM, no namespaces).
    H(clone, "host fork of a container process (flags restricted to CSIGNAL|CLONE_PIDFD)"),
    H(wait4, "waiting for the container's host processes"),
    H(waitid, "waiting for the container's host processes (WNOHANG only; uthreads park on pidfds)"),
    H(pidfd_open, "pidfd_open of a container process"),
    H(pidfd_send_signal, "pidfd_send_signal on a container pidfd"),
    H(pidfd_getfd, "pidfd_getfd of a host descriptor of a container process"),
    H(setpgid, "container process groups mirrored on the host"),
    H(setsid, "container sessions mirrored on the host"),
    H(timer_create, "per-kthread preemption timers"), H(timer_settime, "preemption timers"), H(tgkill, "abort() of the LibOS itself"),
};

#undef H

}  // namespace

bool InstallSeccompFilter() {
  const uint64_t lo = host::StubsBegin(), hi = host::StubsEnd();
  // Both stub bounds share their upper 32 bits in practice; check it.
  if ((lo >> 32) != ((hi - 1) >> 32)) {
    std::fprintf(stderr, "junction: host stubs straddle a 4 GiB boundary\n");
    return false;
  }
  std::vector<sock_filter> f;
  auto stmt = [&](uint16_t code, uint32_t k) { f.push_back(BPF_STMT(code, k)); };
  auto jump = [&](uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    f.push_back(BPF_JUMP(code, k, jt, jf));
  };
  constexpr uint32_t kTrap = SECCOMP_RET_TRAP;
  // 0: architecture
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  // Instruction pointer within [lo, hi)?
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer) + 4);
  jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(lo >> 32), 1, 0);
  stmt(BPF_RET | BPF_K, kTrap);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer));
  jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(lo), 1, 0);
  stmt(BPF_RET | BPF_K, kTrap);
  jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(hi), 0, 1);
  stmt(BPF_RET | BPF_K, kTrap);
  // From the stubs: the allow-list, everything else EPERM.
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  // clone: a fork-like clone only (the kernel uses the low 32 bits of the
  // flags): anything beyond the exit signal and CLONE_PIDFD is EPERM.
  jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 5);
  stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
  stmt(BPF_ALU | BPF_AND | BPF_K, ~static_cast<uint32_t>(CSIGNAL | CLONE_PIDFD));
  jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  constexpr size_t n = sizeof(kAllowed) / sizeof(kAllowed[0]);
  for (size_t i = 0; i < n; i++) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(kAllowed[i].nr), 0, 1);
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);

  sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
  if (host::Syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return false;
  // TSYNC: every kthread gets it, not just this one.
  long r = host::Syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
                         host::L(&prog));
  if (r < 0) {
    std::fprintf(stderr, "junction: installing the seccomp filter failed (errno %ld)\n", -r);
    return false;
  }
  return true;
}

void PrintHostCallAllowList(int fd) {
  for (const HostCall& c : kAllowed) {
    char line[256];
    int n = std::snprintf(line, sizeof(line), "%3d %-20s %s\n", c.nr, c.name, c.why);
    host::WriteAll(fd, line, static_cast<size_t>(n));
  }
}

}  // namespace junction::libos
