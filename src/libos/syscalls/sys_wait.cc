// wait4 and waitid: the children are host processes, so the host's wait
// answers (status and zombies as Linux keeps them); the LibOS selects which
// children (container pids, process groups, pidfds), translates pids, and
// parks the uthread in the reactor on the children's pidfds instead of
// blocking the kthread.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"
#include "libos/host/host.h"
#include "libos/proc/process_table.h"
#include "libos/process.h"
#include "libos/signals/signal_queue.h"
#include "libos/signals/signal_state.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"
#include "sched/reactor.h"

namespace junction::libos {

namespace {

constexpr int kWaitOptions = WNOHANG | WUNTRACED | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT |
                             __WNOTHREAD | __WCLONE | __WALL;

// Which children a wait selects, on the host.
struct HostSelector {
  int idtype = P_ALL;
  int id = 0;
  int pidfd = -1;  // the child's pidfd to park on (P_PID/P_PIDFD), -1: any
  bool poll_only = false;  // no descriptor reports the awaited change
};

// Forgets a reaped child: its pidfd, its table entry.
void ForgetChild(int pid) {
  Process& p = CurrentProcess();
  int pidfd = -1;
  bool in_set = false;
  {
    sched::SpinGuard g(p.children_lock);
    auto it = std::find_if(p.children.begin(), p.children.end(),
                           [&](const ChildProcess& c) { return c.pid == pid; });
    if (it != p.children.end()) {
      pidfd = it->pidfd;
      in_set = it->in_set;
      p.children.erase(it);
    }
  }
  if (pidfd >= 0) {
    if (in_set) host::Syscall(SYS_epoll_ctl, p.children_epfd, EPOLL_CTL_DEL, pidfd, 0);
    host::Syscall(SYS_close, pidfd);
  }
  if (proc::Table* t = proc::Get()) {
    proc::LockTable(t, p.host_pid);
    if (proc::Entry* e = proc::FindPid(t, pid)) {
      proc::DropRtSignals(t, e);  // it may have died without giving it back
      sched::ForgetDoorbell(&t->doorbells, static_cast<int>(e - t->entries));  // (killed: never detached)
      e->state.store(proc::kFree);
    }
    proc::UnlockTable(t);
  }
}

// The children's set (process.h), made at the first wait for any child
// with every child's pidfd in it; later forks add theirs. -1 if it cannot
// be made (the wait then polls).
int ChildrenSet() {
  Process& p = CurrentProcess();
  sched::SpinGuard g(p.children_lock);
  if (p.children_epfd < 0)
    p.children_epfd = static_cast<int>(host::Syscall(SYS_epoll_create1, EPOLL_CLOEXEC));
  if (p.children_epfd < 0) return -1;
  for (ChildProcess& c : p.children) {
    if (c.in_set) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(c.pid);
    c.in_set = host::Syscall(SYS_epoll_ctl, p.children_epfd, EPOLL_CTL_ADD, c.pidfd, host::L(&ev)) == 0;
  }
  return p.children_epfd;
}

int ChildPidfd(int pid) {
  Process& p = CurrentProcess();
  sched::SpinGuard g(p.children_lock);
  for (const ChildProcess& c : p.children)
    if (c.pid == pid) return c.pidfd;
  return -1;
}

// idtype/id as the guest gave them (container pids) -> the host's.
long Select(int idtype, long id, HostSelector* out) {
  proc::Table* t = proc::Get();
  Process& p = CurrentProcess();
  switch (idtype) {
    case P_ALL:
      out->idtype = P_ALL;
      // Orphans adopted by init or a subreaper have no pidfd here.
      if (p.pid == 1) {
        out->poll_only = true;
      } else if (proc::Entry* self = t ? proc::FindPid(t, p.pid) : nullptr) {
        out->poll_only = self->flags.load() & proc::kSubreaper;
      }
      return 0;
    case P_PID: {
      if (id <= 0) return -EINVAL;
      int h = proc::HostPid(static_cast<int>(id));
      if (!h) return -ECHILD;
      out->idtype = P_PID;
      out->id = h;
      out->pidfd = ChildPidfd(static_cast<int>(id));
      out->poll_only = out->pidfd < 0;
      return 0;
    }
    case P_PGID: {
      if (id < 0) return -EINVAL;
      int pgid = static_cast<int>(id);
      if (pgid == 0) {
        proc::Entry* self = t ? proc::FindPid(t, p.pid) : nullptr;
        pgid = self ? self->pgid.load() : p.pid;
      }
      int h = t ? proc::HostPgidOf(t, pgid) : 0;
      if (!h) return -ECHILD;
      out->idtype = P_PGID;
      out->id = h;
      out->poll_only = true;  // other children's exits must not wake us in a loop
      return 0;
    }
    case P_PIDFD: {
      fs::FilePtr f = fs::FdTable::Get().Lookup(id);
      if (!f) return -EBADF;
      if (f->host_fd() < 0) return -EINVAL;
      out->idtype = P_PIDFD;
      out->id = f->host_fd();
      out->pidfd = f->host_fd();
      return 0;
    }
    default:
      return -EINVAL;
  }
}

// The wait itself. Fills *info (container pid in si_pid) and returns the
// container pid of the child that changed state, 0 (WNOHANG: none yet), or
// -errno.
long Wait(int idtype, long id, int options, siginfo_t* info, rusage* ru) {
  HostSelector sel;
  long r = Select(idtype, id, &sel);
  if (r < 0) return r;
  // Without events on a descriptor (stops, continues, adopted orphans, a
  // group), re-check every few milliseconds.
  bool poll = sel.poll_only || (options & (WSTOPPED | WCONTINUED)) || !(options & WEXITED);
  int park_fd = sel.pidfd;
  uint64_t backoff_ns = 200000;
  for (;;) {
    siginfo_t si{};
    r = host::Syscall(SYS_waitid, sel.idtype, sel.id, host::L(&si), options | WNOHANG | __WALL,
                      host::L(ru));
    if (r < 0) return r;
    if (si.si_pid != 0) {
      int pid = proc::ContainerPid(si.si_pid);
      bool reaped = !(options & WNOWAIT) &&
                    (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED);
      if (reaped) ForgetChild(pid);
      si.si_pid = pid;
      *info = si;
      return pid;
    }
    if (options & WNOHANG) return 0;
    if (sel.pidfd < 0) park_fd = ChildrenSet();
    uint64_t deadline = 0;
    if (poll || park_fd < 0) {
      deadline = sched::NowNs() + backoff_ns;
      backoff_ns = std::min<uint64_t>(backoff_ns * 2, 20000000);
    }
    long w;
    if (park_fd >= 0) {
      w = sched::WaitHostFd(park_fd, EPOLLIN, deadline);
    } else {
      sched::Current()->BeginWait();
      w = sched::Park(deadline, true) == sched::WakeReason::kSignal ? -EINTR : 0;
    }
    if (w == -EINTR) {
      // SIGCHLD (ignored by default) and other ignored signals wake the
      // uthread too; only a signal the guest will see interrupts the wait.
      uint64_t pending = DeliverableSignals();
      uint64_t ignored = 0;
      for (int sig = 1; sig <= kMaxSignal; sig++) {
        if (!(pending & SigBit(sig))) continue;
        const KernelSigaction& act = Signals().actions[sig];
        if (act.handler == reinterpret_cast<uint64_t>(SIG_IGN) ||
            (act.handler == reinterpret_cast<uint64_t>(SIG_DFL) &&
             DefaultActionOf(sig) == DefaultAction::kIgnore))
          ignored |= SigBit(sig);
      }
      if (pending & ~ignored) return -EINTR;
      // Discarded, as Linux does with ignored signals: left pending they
      // would end every later park at once.
      DiscardSignals(nullptr, &Signals().pending, ignored);
      DiscardSignals(sched::Current(), &sched::Current()->sig_pending, ignored);
      UpdatePendingFlag();
    }
  }
}

// siginfo of a state change -> the wait4 status word.
int StatusOf(const siginfo_t& si) {
  switch (si.si_code) {
    case CLD_EXITED: return (si.si_status & 0xff) << 8;
    case CLD_KILLED: return si.si_status & 0x7f;
    case CLD_DUMPED: return (si.si_status & 0x7f) | 0x80;
    case CLD_STOPPED:
    case CLD_TRAPPED: return ((si.si_status & 0xff) << 8) | 0x7f;
    case CLD_CONTINUED: return 0xffff;
    default: return 0;
  }
}

}  // namespace

JUNCTION_HANDLER(wait4) {
  long pid = static_cast<int>(a.a[0]);
  int options = static_cast<int>(a.a[2]);
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -EINVAL;
  // The results' buffers are checked by the copies, after the wait.
  int idtype;
  long id;
  if (pid == -1) {
    idtype = P_ALL;
    id = 0;
  } else if (pid < -1) {
    if (pid == INT32_MIN) return -ESRCH;
    idtype = P_PGID;
    id = -pid;
  } else if (pid == 0) {
    idtype = P_PGID;
    id = 0;
  } else {
    idtype = P_PID;
    id = pid;
  }
  siginfo_t si{};
  rusage ru{};
  long r = Wait(idtype, id, options | WEXITED, &si, a.a[3] ? &ru : nullptr);
  if (r > 0) {
    int status = StatusOf(si);
    // As Linux: the child is reaped even if the results cannot be stored.
    if (a.a[1] && !CopyToUser(static_cast<uintptr_t>(a.a[1]), &status, sizeof(status)).ok()) return -EFAULT;
    if (a.a[3] && !CopyToUser(static_cast<uintptr_t>(a.a[3]), &ru, sizeof(ru)).ok()) return -EFAULT;
  }
  return r;
}

JUNCTION_HANDLER(waitid) {
  int idtype = static_cast<int>(a.a[0]);
  int options = static_cast<int>(a.a[3]);
  if (options & ~kWaitOptions) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  long id = idtype == P_PIDFD || idtype == P_PGID ? static_cast<int>(a.a[1]) : a.a[1];
  siginfo_t si{};
  rusage ru{};
  // As Linux: the child is reaped even if the results cannot be stored
  // (the buffers are checked by the copies, after the wait).
  long r = Wait(idtype, id, options, &si, a.a[4] ? &ru : nullptr);
  // CopyToUser, not a bare SafeCopy: a pointer into a hole of the guest's
  // mappings may point at LibOS memory placed there since (a trampoline
  // page's entry word, zeroed by the siginfo below: syscall_fuzz seed 5
  // with the threads generator jumped to address 0).
  if (r > 0 && a.a[4] && !CopyToUser(static_cast<uintptr_t>(a.a[4]), &ru, sizeof(ru)).ok()) return -EFAULT;
  if (r < 0) {
    // Linux stores the fields it reports, zero, on an error too (EFAULT
    // then wins): si_signo, si_errno, si_code, then si_pid, si_uid, si_status.
    if (!a.a[2]) return r;
    const uint32_t zeros[3] = {};
    uintptr_t info = static_cast<uintptr_t>(a.a[2]);
    if (!CopyToUser(info, zeros, sizeof(zeros)).ok() ||
        !CopyToUser(info + offsetof(siginfo_t, si_pid), zeros, sizeof(zeros)).ok())
      return -EFAULT;
    return r;
  }
  // WNOHANG with nothing to report: Linux zeroes si_pid and si_signo.
  if (a.a[2] && !CopyToUser(static_cast<uintptr_t>(a.a[2]), &si, sizeof(si)).ok()) return -EFAULT;
  return 0;
}

}  // namespace junction::libos
