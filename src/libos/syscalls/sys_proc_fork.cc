// fork, vfork, clone/clone3 without CLONE_THREAD: every new container
// process is a host process created by a host fork (copy-on-write memory,
// inherited host descriptors, the LibOS state copied). The child keeps
// only the forking kthread and uthread (sched::ResetAfterFork) and takes a
// fresh container pid from the shared process table (proc/process_table.h).
//
// vfork and CLONE_VM|CLONE_VFORK (posix_spawn) are forks whose parent waits
// until the child execs or exits: the child's memory is a copy, so the
// semantics are those of a child that does not write its parent's memory.
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>
#include <map>
#include <vector>

#include "libos/entry/rewrite.h"
#include "libos/entry/sigsys.h"
#include "libos/entry/thread_state.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/ipc/epoll.h"
#include "libos/ipc/eventfd.h"
#include "libos/ipc/pipe.h"
#include "libos/net/daemon_link.h"
#include "libos/net/socket.h"
#include "libos/libos.h"
#include "libos/mm/address_space.h"
#include "libos/proc/host_objects.h"
#include "libos/proc/libc_fork_locks.h"
#include "libos/proc/pidfd.h"
#include "libos/proc/process_doorbell.h"
#include "libos/proc/process_table.h"
#include "libos/proc/process_view.h"
#include "libos/proc/task_sched.h"
#include "libos/proc/teardown_watchdog.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/process.h"
#include "libos/signals/delivery.h"
#include "libos/signals/posix_timers.h"
#include "libos/signals/signal_queue.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"
#include "sched/cpu_time.h"
#include "sched/futex.h"
#include "sched/kthread.h"
#include "sched/single_kthread.h"
#include "sched/standalone_registry.h"
#include "sched/uthread.h"
#include "sched/reactor.h"

namespace junction::libos {

namespace {

// Flags a new process may be created with. Namespaces, CLONE_PARENT,
// CLONE_FILES/CLONE_FS/CLONE_SIGHAND (shared tables across processes) and
// CLONE_VM without CLONE_VFORK are not supported.
constexpr unsigned long kForkFlags = CLONE_VFORK | CLONE_VM | CLONE_PARENT_SETTID |
                                     CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS |
                                     CLONE_PIDFD | CLONE_DETACHED;

struct ForkRequest {
  unsigned long flags = 0;
  int exit_signal = SIGCHLD;
  uintptr_t stack = 0;  // new stack pointer for the child, 0 = the parent's
  uintptr_t parent_tid = 0, child_tid = 0, tls = 0;
  uintptr_t pidfd_out = 0;  // where CLONE_PIDFD stores the guest descriptor
};

// Installs a host pidfd as a guest descriptor (close-on-exec, as Linux).
long InstallPidfd(int host_pidfd, int pid) {
  int dup = static_cast<int>(host::Syscall(SYS_fcntl, host_pidfd, F_DUPFD_CLOEXEC, 3));
  if (dup < 0) return dup;
  auto f = std::make_shared<proc::PidFd>(O_RDWR, dup, pid);
  auto fd = fs::FdTable::Get().Insert(f, true);
  if (!fd.ok()) return -fd.error();
  return *fd;
}

// The child side, right after the host fork: only this kthread and uthread
// exist; renew the scheduler and the per-process LibOS state.
void BecomeChild(int pid, const ForkRequest& req, int vfork_rd, int vfork_wr) {
  RewriteAfterFork();
  sched::ResetAfterFork();
  ResetLiveGuestThreadsAfterFork();
  sched::ForgetStandaloneRegistration();
  sched::ResetCpuTimeAfterFork(sched::Current());
  ResetTimersAfterFork();
  ResetChildrenUsageBaseline();
  EnableSyscallDispatch();
  Process& p = CurrentProcess();
  p.host_ppid = p.host_pid;  // still the parent's: no getppid
  p.host_pid = static_cast<int>(host::Syscall(SYS_getpid));
  p.pid = pid;
  // The parent's children are not ours; their pidfds go.
  for (const ChildProcess& c : p.children) host::Syscall(SYS_close, c.pidfd);
  p.children.clear();
  p.may_have_children = false;
  p.recorded_threads = false;  // the forking thread is its main thread
  p.children_lock.unlock();
  // Its own children's set is made at its first wait for any child.
  if (p.children_epfd >= 0) host::Syscall(SYS_close, p.children_epfd);
  p.children_epfd = -1;
  if (vfork_rd >= 0) host::Syscall(SYS_close, vfork_rd);
  if (p.vfork_fd >= 0) host::Syscall(SYS_close, p.vfork_fd);
  p.vfork_fd = vfork_wr;
  if (proc::Table* t = proc::Get()) {
    if (proc::Entry* e = proc::FindPid(t, pid)) {
      fs::FdTable::Get().PublishHostFds(&e->fd_map);
      fs::FdTable::Get().ShareLimits(e->nofile);
      e->host_pid.store(p.host_pid);
      p.name = proc::CommOf(*e);  // the forking thread's
      proc::RepublishAfterFork(e, sched::Current());
      e->state.store(proc::kRunning);
    }
  }
  proc::AttachProcessDoorbell(pid);  // its own (the parent's stays the parent's)
  // Linux: the child starts with no pending signals. (Written only if set:
  // each page written here is a copy-on-write fault.)
  if (Signals().pending) Signals().pending = 0;
  sched::Current()->sig_pending = 0;
  ResetSignalQueues();
  // Its real-time signals count on its own entry (the parent's stay the parent's).
  if (proc::Table* t = proc::Get()) {
    proc::Entry* e = proc::FindPid(t, pid);
    SetSignalQueueAccount(e ? &t->rt_signals : nullptr, e ? &e->rt_signals : nullptr);
  }
  UpdatePendingFlag();
  sched::Uthread* u = sched::Current();
  u->tid = pid;
  u->clear_child_tid = (req.flags & CLONE_CHILD_CLEARTID) ? req.child_tid : 0;
  if (req.flags & CLONE_CHILD_SETTID) (void)UserPtr<int>(static_cast<long>(req.child_tid)).Write(pid);
  if (req.flags & CLONE_SETTLS) CurrentThread()->guest_fs = req.tls;
}

// Resumes the child at the parent's call site on another stack (clone with
// a stack, as posix_spawn does): registers as at the call, rax = 0.
[[noreturn]] void ResumeChildOnStack(const SyscallFrame& f, uintptr_t stack) {
  GuestContext ctx;
  if (!ChildContextAtSyscall(&f, stack, &ctx)) GuestStackLost();  // as its parent's return
  ResumeGuestWithSignals(ctx);
}

// The parent waits for a vfork child to exec or exit: the child writes a
// byte at exec, and its end of the socket pair closes when it exits.
// Not interruptible, as on Linux: a pending signal waits for the child
// (an interruptible park would end at once, again and again). A reactor
// wake-up is only a hint (with two kthreads, one can hand on an event its
// epoll_wait took for an earlier descriptor of the same number), so the
// wait ends only once the descriptor really is readable or hung up: the
// parent that went on early closed its end, and the child's byte at exec
// then found no reader (a shell's heredoc `cat` died of SIGPIPE about
// once in 40 spawns on two cores).
constexpr timespec kZeroTimeout{0, 0};

void WaitForVforkChild(int rd) {
  for (;;) {
    pollfd p{rd, POLLIN, 0};
    long n = host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(&kZeroTimeout), 0, 0);
    if (n < 0 && n != -EINTR) break;
    if (n > 0) break;
    sched::WaitHostFd(rd, EPOLLIN, 0, false);
  }
  host::Syscall(SYS_close, rd);
}

long Fork(const ForkRequest& req, const SyscallFrame& f) {
  if (req.flags & ~kForkFlags) return -EINVAL;
  if ((req.flags & CLONE_VM) && !(req.flags & CLONE_VFORK)) return -EINVAL;
  if ((req.flags & CLONE_PIDFD) && (req.flags & CLONE_PARENT_SETTID) && req.pidfd_out == req.parent_tid)
    return -EINVAL;
  if ((req.flags & CLONE_PARENT_SETTID) && !GuestWritable(req.parent_tid, 4)) return -EFAULT;
  if ((req.flags & CLONE_PIDFD) && !GuestWritable(req.pidfd_out, 4)) return -EFAULT;
  if (req.exit_signal < 0 || req.exit_signal > kMaxSignal) return -EINVAL;
  proc::Table* t = proc::Get();
  if (!t) return -ENOSYS;

  Process& p = CurrentProcess();
  // The container now has more than one process: someone must end the
  // others if pid 1 is killed from outside.
  // (Read first: an exchange writes its page at every fork, a copy-on-write
  // fault.)
  static std::atomic<bool> watchdog_started{false};
  if (p.pid == 1 && !watchdog_started.load(std::memory_order_relaxed) && !watchdog_started.exchange(true))
    proc::StartTeardownWatchdog(t, p.host_pid);
  proc::SchedAttrs sched;  // the forking thread's
  if (long r = proc::SchedForNewTask(&sched); r < 0) return r;
  proc::ForgetReapedChildren();  // (with SIGCHLD ignored no wait does)
  // The child's name is the forking thread's (its main thread's from now on).
  std::string name = proc::ThreadName(sched::Current()->tid);
  proc::LockTable(t, p.host_pid);
  int pid = proc::ReserveLocked(t, p.pid, sched);
  if (proc::Entry* e = pid > 0 ? proc::FindPid(t, pid) : nullptr) proc::StoreComm(e->comm, name.c_str());
  proc::UnlockTable(t);
  if (pid < 0) return pid;

  int vfork_fds[2] = {-1, -1};
  // A socket pair, not a pipe: the child's byte goes with MSG_NOSIGNAL, so
  // a parent gone meanwhile costs it no host SIGPIPE (whose action is the
  // guest's: SIG_DFL would end the child).
  if ((req.flags & CLONE_VFORK) &&
      host::Syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, host::L(vfork_fds)) < 0) {
    vfork_fds[0] = vfork_fds[1] = -1;
  }

  proc::MoveSharedObjectsToHost();
  RewriteSitesOfChildren();
  sched::PrepareFutexesForFork();
  // Locks other kthreads may hold mid-update: the child must not inherit
  // them taken. Order: rewriting (a SIGSYS rewrite looks up the mm under
  // it), mm, descriptors, the stack, children; then leaf locks (their
  // holders take no other LibOS lock): the working directory, host signal
  // actions, the uthread cache; last libc's malloc (code under any of the
  // others may allocate; malloc takes none of them). None is held by a
  // parked uthread (spinlocks, never held across a block).
  // Then the locks of the descriptions in the table, which the child's
  // closes and notifications take: tried, not waited for (their holder may
  // be waiting for one of the locks above), so all of these are let go
  // and taken again until none is held elsewhere.
  StraceFlush();
  // With one kthread no other can be inside a description's lock (as for
  // libc's locks below): none is taken, so none is written before the fork
  // and again after it in both processes (a copy-on-write fault per page
  // holding one: fork_exit +10 %, docs/performance.md).
  const bool other_kthreads = !sched::g_single_kthread;
  std::vector<sched::SpinLock*> file_locks;
  std::vector<fs::FilePtr> fork_members;  // epoll members the fork locked too
  if (other_kthreads) file_locks.reserve(64);
  // Before the mm lock (System V IPC looks up VMAs under its own).
  const bool sysv_held = sysv::BeforeFork(other_kthreads);
  for (;;) {
    RewriteForkLock();
    AddressSpace::Get().ForkLock();
    fs::FdTable::Get().ForkLock();
    if (!other_kthreads || fs::FdTable::Get().TryLockFilesForFork(file_locks, fork_members)) break;
    fs::FdTable::Get().ForkUnlock();
    AddressSpace::Get().ForkUnlock();
    RewriteForkUnlock();
    fork_members.clear();  // released with no fork lock held
    __builtin_ia32_pause();
  }
  net::NetForkLock(!(req.flags & CLONE_VFORK));
  p.children_lock.lock();
  fs::Vfs::Get().ForkLock();
  HostActionsForkLock();
  sched::UthreadCacheForkLock();
  // As glibc's own fork: malloc's locks only if another host thread may
  // hold one (taking and releasing them writes two libc pages, each then a
  // copy-on-write fault in parent and child).
  const bool libc_locks = other_kthreads;
  if (libc_locks) proc::LibcForkLock();
  int pidfd = -1;
  long host_flags = CLONE_PIDFD | (req.exit_signal & CSIGNAL);
  // Host signals stay blocked across the fork until the child has dropped
  // the parent's pending signals: one sent to the child as soon as the
  // parent returns must not be dropped with them. SIGSYS stays open: the
  // LibOS's own libc calls (malloc growing an arena, or making one for a
  // kthread's first allocation) trap and are forwarded (a blocked SIGSYS
  // from the filter kills the process).
  uint64_t all = ~(uint64_t{1} << (SIGSYS - 1)), host_mask = 0;
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&all), host::L(&host_mask), 8);
  long r = host::Syscall(SYS_clone, host_flags, 0, host::L(&pidfd), 0, 0);
  if (r == 0) {
    if (libc_locks) proc::LibcForkUnlockChild();  // no host call
  } else {
    host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&host_mask), 0, 8);
    if (libc_locks) proc::LibcForkUnlockParent();  // may wake a waiter: a futex call from libc
  }
  sched::UthreadCacheForkUnlock();
  HostActionsForkUnlock();
  fs::Vfs::Get().ForkUnlock();
  net::NetForkUnlock(r == 0, r < 0);
  fs::FdTable::UnlockFilesAfterFork(file_locks);
  fs::FdTable::Get().ForkUnlock();
  AddressSpace::Get().ForkUnlock();
  RewriteForkUnlock();
  if (r == 0) sysv::AfterForkChild(sysv_held);
  else sysv::AfterForkParent(sysv_held, r < 0);
  fork_members.clear();  // with no fork lock held

  if (r == 0) {
    BecomeChild(pid, req, vfork_fds[0], vfork_fds[1]);
    host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&host_mask), 0, 8);
    // A bypass child that inherited a listener or UDP socket gets its own
    // packet rings now (a vfork child is about to exec: it does not).
    if (!(req.flags & CLONE_VFORK)) net::JoinDaemonLinkAfterFork(true);
    // Its kthread takes the container's cores from the daemon.
    JoinDaemonAfterFork();
    if (req.stack) ResumeChildOnStack(f, req.stack);
    return 0;
  }
  if (r < 0) {
    p.children_lock.unlock();
    proc::LockTable(t, p.host_pid);
    if (proc::Entry* e = proc::FindPid(t, pid)) e->state.store(proc::kFree);
    proc::UnlockTable(t);
    if (vfork_fds[0] >= 0) host::Syscall(SYS_close, vfork_fds[0]);
    if (vfork_fds[1] >= 0) host::Syscall(SYS_close, vfork_fds[1]);
    return r == -EPERM ? -EAGAIN : r;
  }
  int host_pid = static_cast<int>(r);
  // Into the children's set if a wait for any child made it (decided under
  // children_lock, as that wait does: sys_wait.cc, ChildrenSet).
  const int children_epfd = p.children_epfd;
  p.children.push_back(ChildProcess{pid, host_pid, pidfd, children_epfd >= 0});
  p.may_have_children = true;
  p.children_lock.unlock();
  if (proc::Entry* e = proc::FindPid(t, pid)) {
    e->host_pid.store(host_pid);
    e->state.store(proc::kRunning);
  }
  if (children_epfd >= 0) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(pid);
    host::Syscall(SYS_epoll_ctl, children_epfd, EPOLL_CTL_ADD, pidfd, host::L(&ev));
  }
  if (req.flags & CLONE_PARENT_SETTID) (void)UserPtr<int>(static_cast<long>(req.parent_tid)).Write(pid);
  if (req.flags & CLONE_PIDFD) {
    long gfd = InstallPidfd(pidfd, pid);
    if (gfd >= 0) (void)UserPtr<int>(static_cast<long>(req.pidfd_out)).Write(static_cast<int>(gfd));
  }
  if (vfork_fds[1] >= 0) {
    host::Syscall(SYS_close, vfork_fds[1]);
    WaitForVforkChild(vfork_fds[0]);
  }
  if (!(req.flags & CLONE_VFORK)) net::DelegateListenersAfterFork();
  return pid;
}

}  // namespace

long CloneProcess(const SyscallArgs& a) {
  // clone(flags, stack, parent_tid, child_tid, tls) on x86-64.
  ForkRequest req;
  unsigned long flags = static_cast<unsigned long>(a.a[0]);
  req.flags = flags & ~static_cast<unsigned long>(CSIGNAL);
  req.exit_signal = static_cast<int>(flags & CSIGNAL);
  req.stack = static_cast<uintptr_t>(a.a[1]);
  req.parent_tid = static_cast<uintptr_t>(a.a[2]);
  req.child_tid = static_cast<uintptr_t>(a.a[3]);
  req.tls = static_cast<uintptr_t>(a.a[4]);
  req.pidfd_out = req.parent_tid;  // clone(): CLONE_PIDFD uses parent_tid
  return Fork(req, FrameOf(a));
}

long Clone3Process(const clone_args& ca, const SyscallArgs& a) {
  ForkRequest req;
  req.flags = static_cast<unsigned long>(ca.flags);
  if (ca.exit_signal > static_cast<uint64_t>(kMaxSignal)) return -EINVAL;
  req.exit_signal = static_cast<int>(ca.exit_signal);
  req.stack = ca.stack ? static_cast<uintptr_t>(ca.stack + ca.stack_size) : 0;
  req.parent_tid = static_cast<uintptr_t>(ca.parent_tid);
  req.child_tid = static_cast<uintptr_t>(ca.child_tid);
  req.tls = static_cast<uintptr_t>(ca.tls);
  req.pidfd_out = static_cast<uintptr_t>(ca.pidfd);
  return Fork(req, FrameOf(a));
}

JUNCTION_HANDLER(fork) {
  ForkRequest req;
  return Fork(req, FrameOf(a));
}

JUNCTION_HANDLER(vfork) {
  ForkRequest req;
  req.flags = CLONE_VFORK | CLONE_VM;
  return Fork(req, FrameOf(a));
}

// execve calls this once the new image is certain: a vfork parent resumes.
void ReleaseVforkParent() {
  Process& p = CurrentProcess();
  if (p.vfork_fd < 0) return;
  char byte = 1;
  host::Syscall(SYS_sendto, p.vfork_fd, host::L(&byte), 1, MSG_NOSIGNAL, 0, 0);
  host::Syscall(SYS_close, p.vfork_fd);
  p.vfork_fd = -1;
}

}  // namespace junction::libos
