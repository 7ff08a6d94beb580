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
#include <algorithm>
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
    H(openat2, "VFS: host mounts only through RESOLVE_NO_SYMLINKS (+RESOLVE_BENEATH for a path with ..)"),
    H(close, "file descriptors"), H(memfd_create, "tmpfs files, guest memfds"), H(fstat, "file metadata"), H(newfstatat, "file metadata"),
    H(statx, "file metadata"), H(name_to_handle_at, "file handles (on a descriptor the VFS opened)"), H(lseek, "file offsets"), H(faccessat, "access checks"),
    H(faccessat2, "access checks"), H(readlinkat, "symlinks"), H(getdents64, "directories"),
    H(getcwd, "junction's own start-up directory"),
    H(fcntl, "descriptor flags and locks"),
    H(dup3, "a new daemon's doorbell eventfd takes the old one's number (the kthreads ring it unlocked)"), H(ioctl, "terminal requests (filtered by the LibOS)"),
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
    H(mlock, "guest ranges locked in memory"), H(munlock, "guest ranges locked in memory"),
    H(mlock2, "guest ranges locked in memory"),
    // Signals: the LibOS's own handlers (SIGSYS trap path, faults).
    H(rt_sigaction, "LibOS signal handlers"), H(rt_sigprocmask, "LibOS signal mask"),
    H(rt_sigreturn, "return from LibOS signal handlers"), H(sigaltstack, "LibOS signal stacks"),
    // Identity, time, limits.
    H(getpid, "identity"), H(getppid, "identity"), H(gettid, "identity"),
    H(getuid, "identity"), H(geteuid, "identity"), H(getgid, "identity"), H(getegid, "identity"),
    H(getpgid, "identity"), H(getsid, "identity"),
    H(uname, "host identity"), H(prlimit64, "resource limits of this process and of the container's others"),
    H(getrusage, "accounting"), H(sysinfo, "memory figures"), H(times, "accounting"),
    H(getrandom, "randomness for AT_RANDOM and the guest"), H(clock_gettime, "clocks"),
    H(clock_getres, "clocks"), H(gettimeofday, "clocks"), H(time, "clocks"),
    H(nanosleep, "sleeping"), H(clock_nanosleep, "sleeping"), H(sched_yield, "yielding"),
    H(getcpu, "current core"), H(sched_getaffinity, "core count at start"),
    H(sched_rr_get_interval, "the fair class's slice, for a SCHED_OTHER task's sched_rr_get_interval"),
    H(sched_setaffinity, "a kthread runs on the core the daemon granted it (docs/daemon.md)"),
    // Control of the process itself.
    H(prctl, "names, pdeath signal, syscall user dispatch"), H(arch_prctl, "TLS base fallback"),
    H(exit_group, "exit"), H(exit, "exit"), H(set_tid_address, "glibc start-up of junction"),
    H(set_robust_list, "glibc start-up of junction"), H(rseq, "glibc start-up of junction; each kthread drops that registration"),
    H(futex, "LibOS locks, parking idle kthreads, the daemon's grant words (shared futex)"),
    H(futex_waitv, "an idle kthread waits on its park word and its process's doorbell at once (cross-process wake-ups)"),
    H(epoll_ctl, "the reactor: host descriptors uthreads wait for"),
    H(epoll_wait, "the reactor"), H(epoll_create1, "the reactor, again in a forked child"),
    H(eventfd2, "the reactor's wake-up descriptor (also after fork)"),
    H(timerfd_create, "LibOS timerfds a fork shares become host timerfds"),
    H(timerfd_settime, "timerfds shared since a fork"), H(timerfd_gettime, "timerfds shared since a fork"),
    H(io_uring_setup, "blocking FIFO opens run by the host's io_uring worker (fs/fifo_open.h)"),
    H(io_uring_enter, "blocking FIFO opens: submit, cancel"),
    H(inotify_init1, "the host side of the guest's inotify instances (watches on host mounts)"),
    H(inotify_add_watch, "inotify watches, on /proc/self/fd links of files the VFS resolved"),
    H(inotify_rm_watch, "inotify watches"),
    // Host-network mode (docs/ipc.md): the guest's AF_INET/AF_INET6/AF_NETLINK
    // sockets are host sockets the LibOS creates and drives (non-blocking).
    H(socket, "host sockets ([net] mode = host); the daemon client re-registering"), H(bind, "host sockets"), H(listen, "host sockets"),
    H(accept4, "host sockets"), H(connect, "host sockets, the daemon's control socket"), H(sendto, "host sockets"),
    H(recvfrom, "host sockets, daemon hang-up check"), H(sendmsg, "host sockets, daemon registration (region memfd)"), H(recvmsg, "host sockets, the daemon's reply (region, doorbell)"),
    H(shutdown, "host sockets"), H(socketpair, "unix socket pairs shared by forked processes"), H(getsockname, "host sockets"), H(getpeername, "host sockets"),
    H(getsockopt, "host sockets"), H(setsockopt, "host sockets"),
    // Processes (docs/architecture.md): each container process is a host
    // process. clone only with an exit signal and CLONE_PIDFD, or with the
    // one fixed set of thread flags (checked on the argument below: no
    // namespaces, no other sharing).
    H(clone, "host fork of a container process (flags restricted to CSIGNAL|CLONE_PIDFD), or a kthread of a forked child (exactly the thread flags of kThreadCloneFlags)"),
    H(wait4, "waiting for the container's host processes"),
    H(waitid, "waiting for the container's host processes (WNOHANG only; uthreads park on pidfds)"),
    H(pidfd_open, "pidfd_open of a container process"),
    H(pidfd_send_signal, "pidfd_send_signal on a container pidfd"),
    H(pidfd_getfd, "pidfd_getfd of a host descriptor of a container process"),
    H(process_vm_readv, "pidfd_getfd: which host descriptor backs a container process's guest descriptor"),
    H(setpgid, "container process groups mirrored on the host"),
    H(setsid, "container sessions mirrored on the host"),
    H(timer_create, "per-kthread preemption timers"), H(timer_settime, "preemption timers"), H(tgkill, "abort() of the LibOS itself"),
};

#undef H

// Allowed from anywhere, before the instruction pointer is looked at: a
// verdict that depends on the number alone is cached by the kernel, which
// then runs no filter at all for the call (~50 ns, as much as a lazy
// pread64 or read of a host file costs beyond the host's own work). docs/security.md
// says why this is no weaker: Syscall User Dispatch still sends a guest's
// own pread64 to the LibOS, and code that could get past it could as well
// call the stubs. Only calls on descriptors the process already holds, none
// that names a path: close and sync_file_range (with no flags, the type
// check, fs/host_fd_kind.h) are on every open of a host file, fstat on
// every stat (its O_PATH descriptor).
constexpr int kByNumber[] = {SYS_pread64, SYS_pwrite64, SYS_read, SYS_write, SYS_close, SYS_fstat, SYS_sync_file_range};
// The next hottest host calls, tested first (one comparison each) once
// the call is known to come from the stubs. (openat2 here too made no
// difference: ~40 ns of the filter's run for it is its invocation, the
// same for 19 instructions as for 35; docs/performance.md.)
constexpr int kHot[] = {SYS_futex};

// Filter assembly: 8-bit conditional offsets, a 32-bit `ja`.
class FilterBuilder {
 public:
  void Stmt(uint16_t code, uint32_t k) { f_.push_back(BPF_STMT(code, k)); }
  void Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) { f_.push_back(BPF_JUMP(code, k, jt, jf)); }
  size_t size() const { return f_.size(); }
  // A `ja` whose target is patched later (Land).
  size_t JumpLater() {
    Stmt(BPF_JMP | BPF_JA, 0);
    return f_.size() - 1;
  }
  void Land(size_t ja) { f_[ja].k = static_cast<uint32_t>(f_.size() - ja - 1); }
  std::vector<sock_filter>& code() { return f_; }

 private:
  std::vector<sock_filter> f_;
};

// clone: a fork-like clone (nothing beyond the exit signal and
// CLONE_PIDFD), or a thread with exactly kThreadCloneFlags (a kthread of a
// forked child, docs/architecture.md); anything else is EPERM. The kernel
// uses the low 32 bits of the flags.
constexpr size_t kCloneCheckLen = 6;
void EmitCloneCheck(FilterBuilder& b) {
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0]));
  b.Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(kThreadCloneFlags), 3, 0);
  b.Stmt(BPF_ALU | BPF_AND | BPF_K, ~static_cast<uint32_t>(CSIGNAL | CLONE_PIDFD));
  b.Jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
  b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
  b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

// A binary search over the sorted numbers [lo, hi) with the number in A:
// allowed (clone: checked) or EPERM, in about log2(n) comparisons.
void EmitSearch(FilterBuilder& b, const std::vector<uint32_t>& nrs, size_t lo, size_t hi) {
  if (hi - lo <= 3) {
    for (size_t i = lo; i < hi; i++) {
      if (nrs[i] == SYS_clone) {
        b.Jump(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, kCloneCheckLen);
        EmitCloneCheck(b);
      } else {
        b.Jump(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
        b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      }
    }
    b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    return;
  }
  size_t mid = lo + (hi - lo) / 2;  // [lo, mid) <= nrs[mid - 1] < [mid, hi)
  b.Jump(BPF_JMP | BPF_JGT | BPF_K, nrs[mid - 1], 0, 1);
  size_t to_right = b.JumpLater();
  EmitSearch(b, nrs, lo, mid);
  b.Land(to_right);
  EmitSearch(b, nrs, mid, hi);
}

}  // namespace

std::vector<sock_filter> BuildSeccompFilter(uint64_t lo, uint64_t hi) {
  // Every other host call of the LibOS runs this (the kernel cannot cache
  // a verdict that depends on the instruction pointer).
  FilterBuilder b;
  constexpr uint32_t kTrap = SECCOMP_RET_TRAP;
  // Architecture.
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  b.Jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  for (int nr : kByNumber) {
    b.Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1);
    b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  // Instruction pointer within [lo, hi)? (Unsigned: ip - lo < hi - lo.)
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer) + 4);
  b.Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(lo >> 32), 1, 0);
  b.Stmt(BPF_RET | BPF_K, kTrap);
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, instruction_pointer));
  b.Stmt(BPF_ALU | BPF_SUB | BPF_K, static_cast<uint32_t>(lo));
  b.Jump(BPF_JMP | BPF_JGE | BPF_K, static_cast<uint32_t>(hi - lo), 0, 1);
  b.Stmt(BPF_RET | BPF_K, kTrap);
  // From the stubs: the allow-list, everything else EPERM.
  b.Stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  for (int nr : kHot) {
    b.Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1);
    b.Stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  }
  std::vector<uint32_t> nrs{SYS_clone};
  for (const HostCall& c : kAllowed) nrs.push_back(static_cast<uint32_t>(c.nr));
  std::sort(nrs.begin(), nrs.end());
  nrs.erase(std::unique(nrs.begin(), nrs.end()), nrs.end());
  EmitSearch(b, nrs, 0, nrs.size());
  return std::move(b.code());
}

bool HostCallAllowedFromAnywhere(int nr) {
  for (int n : kByNumber)
    if (n == nr) return true;
  return false;
}

bool HostCallAllowed(int nr) {
  for (const HostCall& c : kAllowed)
    if (c.nr == nr) return true;
  return false;
}

bool InstallSeccompFilter() {
  const uint64_t lo = host::StubsBegin(), hi = host::StubsEnd();
  // Both stub bounds share their upper 32 bits in practice; check it.
  if ((lo >> 32) != ((hi - 1) >> 32)) {
    std::fprintf(stderr, "junction: host stubs straddle a 4 GiB boundary\n");
    return false;
  }
  std::vector<sock_filter> f = BuildSeccompFilter(lo, hi);
  if (f.size() > BPF_MAXINSNS) {
    std::fprintf(stderr, "junction: seccomp filter too long\n");
    return false;
  }
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
