#include "libos/proc/teardown_watchdog.h"

#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>

#include <cstdio>
#include <cstring>

#include "libos/fs/shared_shm.h"
#include "libos/host/host.h"
#include "libos/signals/kernel_abi.h"

namespace junction::libos::proc {

namespace {

// True if host process `h` exists and is not a zombie (killed processes
// stay zombies until whoever adopted them reaps them).
bool Alive(int h) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", h);
  int fd = static_cast<int>(host::Syscall(SYS_openat, AT_FDCWD, host::L(path), O_RDONLY | O_CLOEXEC));
  if (fd < 0) return false;
  char buf[512];
  long n = host::Syscall(SYS_read, fd, host::L(buf), sizeof(buf) - 1);
  host::Syscall(SYS_close, fd);
  if (n <= 0) return false;
  buf[n] = 0;
  const char* paren = std::strrchr(buf, ')');
  return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

// Kills what is left of the container; true while anything may remain.
bool KillRemaining(Table* t) {
  bool left = false;
  for (Entry& e : t->entries) {
    uint32_t s = e.state.load();
    if (s == kFree || e.pid.load() == 1) continue;
    if (s == kReserved) left = true;  // being forked: its host pid comes next
    int h = e.host_pid.load();
    if (h > 0 && Alive(h)) {
      host::Syscall(SYS_kill, h, SIGKILL);
      left = true;
    }
  }
  return left;
}

// Closes every descriptor but `keep` (close_range is not on the host
// allow-list: the numbers come from /proc/self/fd).
void CloseAllBut(int keep) {
  int dir = static_cast<int>(host::Syscall(SYS_openat, AT_FDCWD, host::L("/proc/self/fd"),
                                           O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    long n = host::Syscall(SYS_getdents64, dir, host::L(buf), sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<dirent64*>(buf + off);
      off += d->d_reclen;
      int fd = 0;
      const char* c = d->d_name;
      if (*c < '0' || *c > '9') continue;
      for (; *c >= '0' && *c <= '9'; c++) fd = fd * 10 + (*c - '0');
      if (fd != keep && fd != dir) host::Syscall(SYS_close, fd);
    }
  }
  host::Syscall(SYS_close, dir);
}

[[noreturn]] void Watch(Table* t, int pidfd) {
  host::Syscall(SYS_setsid);  // no terminal signals, no guest group kills
  // The LibOS's handlers are of no use here (no scheduler, no guest).
  KernelSigaction dfl{};
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) host::Syscall(SYS_rt_sigaction, sig, host::L(&dfl), 0, 8);
  host::Syscall(SYS_prctl, PR_SET_NAME, host::L("junction-reaper"));
  CloseAllBut(pidfd);
  pollfd p{pidfd, POLLIN, 0};
  while (host::Syscall(SYS_ppoll, host::L(&p), 1, 0, 0, 0) <= 0) {
  }
  // Processes forking while we kill appear in the table: a few rounds.
  for (int round = 0; round < 200 && KillRemaining(t); round++) {
    timespec pause{0, 10'000'000};
    host::Syscall(SYS_nanosleep, host::L(&pause), 0);
  }
  fs::RemoveSharedShmDir();  // pid 1 died without removing it
  host::ExitGroup(0);
}

}  // namespace

bool StartTeardownWatchdog(Table* t, int init_host_pid) {
  int pidfd = static_cast<int>(host::Syscall(SYS_pidfd_open, init_host_pid, 0));
  if (pidfd < 0) return false;
  // Double fork: the watchdog's parent exits at once, so the host (not
  // pid 1) adopts and reaps it. No exit signal: the guest in pid 1 must
  // not get a SIGCHLD for a process it never made.
  host::Syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 0);
  long mid = host::Syscall(SYS_clone, 0, 0, 0, 0, 0);
  if (mid == 0) {
    if (host::Syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == 0) Watch(t, pidfd);
    host::ExitGroup(0);
  }
  host::Syscall(SYS_close, pidfd);
  if (mid > 0) {
    int status = 0;
    host::Syscall(SYS_wait4, mid, host::L(&status), __WALL, 0);
  }
  host::Syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1);
  return mid > 0;
}

}  // namespace junction::libos::proc
