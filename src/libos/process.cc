#include "libos/process.h"

#include "libos/ipc/sysv/sysv_registry.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "libos/fs/fd_limit.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/shared_shm.h"
#include "libos/host/host.h"
#include "libos/proc/process_doorbell.h"
#include "libos/proc/process_table.h"
#include "libos/proc/process_view.h"
#include "libos/proc/task_deadline.h"
#include "libos/proc/task_sched.h"
#include "libos/proc/teardown_watchdog.h"
#include "libos/signals/signal_queue.h"
#include "sched/kthread.h"
#include "sched/uthread.h"
#include "base/fork_written.h"

namespace junction::libos {

Process& CurrentProcess() {
  JUNCTION_FORK_WRITTEN static Process p;
  return p;
}

namespace proc {

bool InitContainer() {
  Process& p = CurrentProcess();
  int host_pgid = static_cast<int>(host::Syscall(SYS_getpgid, 0));
  if (!Create(p.host_pid, host_pgid)) return false;
  p.pid = 1;
  Entry* self = FindPid(Get(), 1);
  fs::FdTable::Get().PublishHostFds(&self->fd_map);
  struct rlimit nofile = fs::FdLimit();
  self->nofile[0].store(nofile.rlim_cur);
  self->nofile[1].store(nofile.rlim_max);
  fs::FdTable::Get().ShareLimits(self->nofile);
  PublishCredentials();
  InitMainThreadSched();
  SetSignalQueueAccount(&Get()->rt_signals, &self->rt_signals);
  SetSignalQueueLimitChanges(&Get()->sigpending_limit_changes);
  AttachProcessDoorbell(1);
  // Orphans of the container are reparented to its init on the host too.
  host::Syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1);
  return true;
}

void PublishCredentials() {
  const Process& p = CurrentProcess();
  Table* t = Get();
  Entry* e = t ? FindPid(t, p.pid) : nullptr;
  if (!e) return;
  // Linux's commit_creds: a new effective (or file system) uid or gid
  // makes the process not dumpable (suid_dumpable 0).
  if (e->euid.load() != p.euid || e->egid.load() != p.egid) e->flags.fetch_or(kNotDumpable);
  e->uid.store(p.uid);
  e->euid.store(p.euid);
  e->suid.store(p.suid);
  e->gid.store(p.gid);
  e->egid.store(p.egid);
  e->sgid.store(p.sgid);
  e->cap_effective.store(p.caps.effective);
  e->cap_permitted.store(p.caps.permitted);
  e->cap_inheritable.store(p.caps.inheritable);
}

int ContainerPid(int host_pid) {
  const Table* t = Get();
  return t ? ContainerPidOf(t, host_pid) : 0;
}

int HostPid(int pid) {
  Table* t = Get();
  if (!t) return 0;
  Entry* e = FindPid(t, pid);
  return e && e->state.load() != kReserved ? e->host_pid.load() : 0;
}

bool OtherProcessesRunning() {
  const Table* t = Get();
  if (!t) return false;
  int self = CurrentProcess().pid;
  for (const Entry& e : t->entries) {
    uint32_t s = e.state.load();
    if ((s == kRunning || s == kReserved) && e.pid.load() != self) return true;
  }
  return false;
}

int HostOwner(int owner) {
  if (owner > 0) return HostPid(owner);
  if (owner < 0) {
    Table* t = Get();
    int g = t ? HostPgidOf(t, -owner) : 0;
    return g ? -g : 0;
  }
  return 0;
}

void SetCommand(const std::vector<std::string>& argv) {
  Table* t = Get();
  Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr;
  if (!e) return;
  std::string line;
  for (const std::string& a : argv) {
    if (!line.empty()) line += ' ';
    line += a;
    if (line.size() >= kCommandBytes) break;
  }
  proc::SetCommand(e, line.c_str());
}

int AllocateTid() {
  Table* t = Get();
  if (!t) return -EAGAIN;
  Process& p = CurrentProcess();
  SchedAttrs sched;  // inherited from the creator
  if (long r = SchedForNewTask(&sched); r < 0) return static_cast<int>(r);
  std::string name = ThreadName(sched::Current()->tid);  // inherited from the creator
  LockTable(t, p.host_pid);
  int tid = AllocateTidLocked(t);
  if (tid > 0 && !AddThreadLocked(t, tid, p.pid, sched, name.c_str())) tid = -EAGAIN;
  UnlockTable(t);
  if (tid > 0) p.recorded_threads = true;
  return tid;
}

void ForgetThread(int tid) {
  Table* t = Get();
  Process& p = CurrentProcess();
  if (!t) return;
  if (tid != p.pid) {
    RemoveThread(t, tid);
    return;
  }
  ForgetMainThread();  // its Uthread goes
  // The main thread ends before the others (its entry stays while the
  // process runs): Linux gives its deadline bandwidth back at its death.
  if (DeadlineOf(t, tid).runtime == 0) return;
  LockTable(t, p.host_pid);
  DropDeadlineLocked(t, tid);
  UnlockTable(t);
}

void ForgetOtherThreads() {
  Table* t = Get();
  Process& p = CurrentProcess();
  if (!t || !p.recorded_threads) return;
  LockTable(t, p.host_pid);
  RemoveThreadsOfLocked(t, p.pid);
  UnlockTable(t);
  p.recorded_threads = false;
}

int ThreadOwner(int tid) {
  Table* t = Get();
  return t ? proc::ThreadOwner(t, tid) : 0;
}

void SetDumpable(bool dumpable) {
  Table* t = Get();
  Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr;
  if (!e) return;
  if (dumpable) e->flags.fetch_and(~static_cast<uint32_t>(kNotDumpable));
  else e->flags.fetch_or(kNotDumpable);
}

bool Dumpable() {
  Table* t = Get();
  Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr;
  return !e || !(e->flags.load() & kNotDumpable);
}

void SetAutoReap(bool on) {
  Table* t = Get();
  Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr;
  if (!e) return;
  if (on) e->flags.fetch_or(kAutoReap);
  else e->flags.fetch_and(~static_cast<uint32_t>(kAutoReap));
}

void ForgetReapedChildren() {
  Table* t = Get();
  Process& p = CurrentProcess();
  Entry* self = t ? FindPid(t, p.pid) : nullptr;
  if (!self || !(self->flags.load() & kAutoReap)) return;
  std::vector<ChildProcess> gone;
  {
    sched::SpinGuard g(p.children_lock);
    for (size_t i = 0; i < p.children.size();) {
      ChildProcess c = p.children.begin()[i];
      Entry* e = FindPid(t, c.pid);
      if (e && e->host_pid.load() == c.host_pid) {
        i++;
        continue;
      }
      // Its entry was freed at its exit (or is another process's now).
      gone.push_back(c);
      p.children.erase(p.children.begin() + i);
    }
  }
  for (const ChildProcess& c : gone) {
    if (c.in_set) host::Syscall(SYS_epoll_ctl, p.children_epfd, EPOLL_CTL_DEL, c.pidfd, 0);
    host::Syscall(SYS_close, c.pidfd);
  }
}

void OnProcessExit() {
  sysv::OnProcessExit();  // its attachments end, its SEM_UNDO adjustments apply
  Table* t = Get();
  if (!t) return;
  Process& p = CurrentProcess();
  sched::DetachDoorbell();  // no more cross-process wake-ups for it
  LockTable(t, p.host_pid);
  Entry* self = FindPid(t, p.pid);
  if (self) {
    // Its queued real-time signals end with it.
    SetSignalQueueAccount(nullptr, nullptr);
    DropRtSignals(t, self);
    // Linux reaps it at once if its parent ignores SIGCHLD or set
    // SA_NOCLDWAIT (the host does so with the host process).
    Entry* parent = FindPid(t, self->ppid.load());
    if (parent && parent->state.load() == kRunning && (parent->flags.load() & kAutoReap)) {
      sched::ForgetDoorbell(&t->doorbells, static_cast<int>(self - t->entries));
      self->state.store(kFree);
    } else {
      self->state.store(kExited);
    }
  }
  // Its threads are gone with it (a zombie has none).
  if (p.recorded_threads) RemoveThreadsOfLocked(t, p.pid);
  // A process that never had children has none to reparent: scanning the
  // whole table touched ~40 shared pages (page faults in a short-lived child).
  if (p.pid == 1 || p.may_have_children) {
    // Orphans go to the nearest living subreaper ancestor, else to init.
    int new_parent = 1;
    for (int anc = self ? self->ppid.load() : 0, hops = 0; anc > 1 && hops < kMaxProcesses; hops++) {
      Entry* a = FindPid(t, anc);
      if (!a || a->state.load() != kRunning) {
        if (!a) break;
        anc = a->ppid.load();
        continue;
      }
      if (a->flags.load() & kSubreaper) {
        new_parent = anc;
        break;
      }
      anc = a->ppid.load();
    }
    for (Entry& e : t->entries) {
      uint32_t s = e.state.load();
      if (s == kFree || e.pid.load() == p.pid) continue;
      if (p.pid == 1) {
        int h = e.host_pid.load();
        if (h > 0 && (s == kRunning || s == kExited)) host::Syscall(SYS_kill, h, SIGKILL);
        DropRtSignals(t, &e);
        e.state.store(kFree);
      } else if (e.ppid.load() == p.pid) {
        e.ppid.store(new_parent);  // as the host reparents them
      }
    }
  }
  UnlockTable(t);
  if (p.pid == 1) fs::RemoveSharedShmDir();  // the container ends
}

}  // namespace proc
}  // namespace junction::libos
