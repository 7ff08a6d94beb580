// Process identity, limits and control.
#include <asm/prctl.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <cstring>
#include <string_view>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/fs/fd_limit.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"
#include "libos/ipc/eventfd.h"
#include "libos/net/daemon_link.h"
#include "libos/proc/host_objects.h"
#include "libos/proc/pidfd.h"
#include "libos/proc/process_table.h"
#include "libos/proc/process_view.h"
#include "libos/process.h"
#include "libos/syscalls/capabilities.h"
#include "libos/signals/kill_request.h"
#include "libos/signals/remote_thread_signal.h"
#include "libos/signals/signal_queue.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/standalone_registry.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

bool GuestHandlesSignal(int sig);  // signals/signal_state.cc

[[noreturn]] void ExitProcess(int status) {
  StraceFlush();
  ReleaseProcessRobustFutexes();
  proc::OnProcessExit();
  net::ReleaseSharedConnectionsAtExit();
  net::HandOverConnectionsAtExit();
  const std::string& entry = sched::StandaloneRegistrationFile();
  if (!entry.empty()) host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(entry.c_str()), 0);
  sched::ForgetStandaloneRegistration();
  host::ExitGroup(status);
}

JUNCTION_HANDLER(exit_group) {
  // Never returns to the dispatcher, so it logs its own `= ?` line.
  if (g_strace_enabled) StraceLog(a, 0);
  ExitProcess(static_cast<int>(a.a[0]) & 0xff);
}

JUNCTION_HANDLER(arch_prctl) {
  ThreadState* ts = CurrentThread();
  switch (a.a[0]) {
    case ARCH_SET_FS:
      if (static_cast<uintptr_t>(a.a[1]) >= 0x800000000000ul) return -EPERM;
      ts->guest_fs = static_cast<uintptr_t>(a.a[1]);
      return 0;
    case ARCH_GET_FS:
      return ToRaw(UserPtr<uintptr_t>(a.a[1]).Write(ts->guest_fs));
    case ARCH_SET_GS:
    case ARCH_GET_GS:
      return -EPERM;  // %gs belongs to the LibOS (docs/syscalls.md)
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(prctl) {
  Process& p = CurrentProcess();
  switch (a.a[0]) {
    case PR_SET_NAME: {
      auto name = CopyStringFromUser(a.a[1], 4096);
      if (!name.ok()) return -name.error();
      proc::SetThreadName(sched::Current()->tid, *name);  // the calling thread's own
      return 0;
    }
    case PR_GET_NAME: {
      char buf[16] = {};
      std::string own = proc::ThreadName(sched::Current()->tid);
      std::memcpy(buf, own.data(), std::min<size_t>(own.size(), 15));
      if (!CopyToUser(static_cast<uintptr_t>(a.a[1]), buf, 16).ok()) return -EFAULT;
      return 0;
    }
    case PR_SET_PDEATHSIG:
      if (a.a[1] < 0 || a.a[1] > 64) return -EINVAL;
      return host::Syscall(SYS_prctl, PR_SET_PDEATHSIG, a.a[1]);
    case PR_GET_PDEATHSIG: {
      int sig = 0;
      host::Syscall(SYS_prctl, PR_GET_PDEATHSIG, host::L(&sig));
      return ToRaw(UserPtr<int>(a.a[1]).Write(sig));
    }
    case PR_SET_NO_NEW_PRIVS:
    case PR_GET_NO_NEW_PRIVS:
    case PR_CAPBSET_READ:
    case PR_CAPBSET_DROP:
    case PR_CAP_AMBIENT:
      return CapabilityPrctl(a.a[0], a.a[1], a.a[2], a.a[3], a.a[4]);
    case PR_GET_DUMPABLE:
      return proc::Dumpable() ? 1 : 0;
    case PR_SET_DUMPABLE: {
      long r = host::Syscall(SYS_prctl, PR_SET_DUMPABLE, a.a[1], a.a[2], a.a[3], a.a[4]);
      if (r == 0) proc::SetDumpable(a.a[1] == 1);
      return r;
    }
    case PR_GET_SECUREBITS:
    case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS:
      return host::Syscall(SYS_prctl, a.a[0], a.a[1], a.a[2], a.a[3], a.a[4]);
    case PR_SET_CHILD_SUBREAPER: {
      proc::Table* t = proc::Get();
      proc::Entry* e = t ? proc::FindPid(t, p.pid) : nullptr;
      if (e) {
        if (a.a[1]) {
          e->flags.fetch_or(proc::kSubreaper);
          p.may_have_children = true;  // adopts orphans from now on
        } else {
          e->flags.fetch_and(~static_cast<uint32_t>(proc::kSubreaper));
        }
      }
      // The container's init stays the host subreaper whatever it asks.
      if (p.pid == 1) return 0;
      return host::Syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, a.a[1] ? 1 : 0);
    }
    case PR_GET_CHILD_SUBREAPER: {
      proc::Table* t = proc::Get();
      proc::Entry* e = t ? proc::FindPid(t, p.pid) : nullptr;
      int v = e && (e->flags.load() & proc::kSubreaper) ? 1 : 0;
      return ToRaw(UserPtr<int>(a.a[1]).Write(v));
    }
    case PR_SET_SECCOMP:
    case PR_GET_SECCOMP:
      return -EINVAL;  // the LibOS's own filter is not the guest's to change
    case PR_SET_VMA:
      return 0;  // names of anonymous mappings are advisory
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(getresuid) {
  Process& p = CurrentProcess();
  CHECK(UserPtr<uint32_t>(a.a[0]).Write(p.uid));
  CHECK(UserPtr<uint32_t>(a.a[1]).Write(p.euid));
  CHECK(UserPtr<uint32_t>(a.a[2]).Write(p.suid));
  return 0;
}

JUNCTION_HANDLER(getresgid) {
  Process& p = CurrentProcess();
  CHECK(UserPtr<uint32_t>(a.a[0]).Write(p.gid));
  CHECK(UserPtr<uint32_t>(a.a[1]).Write(p.egid));
  CHECK(UserPtr<uint32_t>(a.a[2]).Write(p.sgid));
  return 0;
}

JUNCTION_HANDLER(uname) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), sizeof(struct utsname))) return -EFAULT;
  return host::Syscall(SYS_uname, a.a[0]);  // the host's identity, as documented
}

static sched::Uthread* OwnThread(long id);

// Resource limits: RLIMIT_NOFILE is the guest's (fs/fd_limit.h), the
// others the host process's (RLIMIT_SIGPENDING re-read by the signal
// queues once changed). Linux's order: the new limit read (EFAULT), the
// resource (EINVAL), the change, the old limit written (EFAULT: the change
// stays).
namespace {

long Rlimit(unsigned resource, long new_addr, long old_addr) {
  if (resource >= RLIM_NLIMITS) return -EINVAL;
  if (resource != RLIMIT_NOFILE) {
    if (new_addr && !GuestReadable(static_cast<uintptr_t>(new_addr), sizeof(struct rlimit))) return -EFAULT;
    if (old_addr && !GuestWritable(static_cast<uintptr_t>(old_addr), sizeof(struct rlimit))) return -EFAULT;
    long r = host::Syscall(SYS_prlimit64, 0, resource, new_addr, old_addr);
    if (r == 0 && new_addr && resource == RLIMIT_SIGPENDING) ForgetSignalQueueLimit();
    return r;
  }
  struct rlimit old = fs::FdLimit();
  if (new_addr) {
    auto r = UserPtr<struct rlimit>(new_addr).Read();
    if (!r.ok()) return -EFAULT;
    long e = fs::SetFdLimit(*r, CurrentProcess().euid == 0);
    if (e) return e;
  }
  if (old_addr && !UserPtr<struct rlimit>(old_addr).Write(old).ok()) return -EFAULT;
  return 0;
}

// Linux's check_prlimit_permission: the caller's real ids are all of the
// target's ids, or the caller has CAP_SYS_RESOURCE.
bool MayPrlimit(const Process& self, const proc::Entry& e) {
  if (fs::GuestCapSysResource(self.euid == 0)) return true;
  return self.uid == e.uid.load() && self.uid == e.euid.load() && self.uid == e.suid.load() &&
         self.gid == e.gid.load() && self.gid == e.egid.load() && self.gid == e.sgid.load();
}

// prlimit64 on another process of the container: RLIMIT_NOFILE in its
// table entry (its descriptor table reads it there), the others on its
// host process. Linux's order after the lookup: permission (EPERM), the
// resource (EINVAL), soft above hard (EINVAL), raising the hard limit
// without CAP_SYS_RESOURCE (EPERM).
long PeerRlimit(proc::Entry* e, unsigned resource, long new_addr, long old_addr) {
  const Process& self = CurrentProcess();
  if (!MayPrlimit(self, *e)) return -EPERM;
  if (resource >= RLIM_NLIMITS) return -EINVAL;
  int host_pid = e->host_pid.load();
  struct rlimit old{};
  if (resource == RLIMIT_NOFILE) {
    old = {e->nofile[0].load(), e->nofile[1].load()};
  } else if (long r = host::Syscall(SYS_prlimit64, host_pid, resource, 0, host::L(&old)); r != 0) {
    return r;
  }
  if (new_addr) {
    auto r = UserPtr<struct rlimit>(new_addr).Read();
    if (!r.ok()) return -EFAULT;
    if (r->rlim_cur > r->rlim_max) return -EINVAL;
    bool root = self.euid == 0;
    if (resource == RLIMIT_NOFILE) {
      if (long err = fs::SetFdLimitOf(e->nofile, host_pid, *r, root)) return err;
    } else {
      // The host checks only the host's credentials (the container's are the LibOS's).
      if (r->rlim_max > old.rlim_max && !fs::GuestCapSysResource(root)) return -EPERM;
      if (long err = host::Syscall(SYS_prlimit64, host_pid, resource, host::L(&*r), 0)) return err;
      if (resource == RLIMIT_SIGPENDING) proc::Get()->sigpending_limit_changes.fetch_add(1);
    }
  }
  if (old_addr && !UserPtr<struct rlimit>(old_addr).Write(old).ok()) return -EFAULT;
  return 0;
}

}  // namespace

JUNCTION_HANDLER(prlimit64) {
  // The new limit is read first, as Linux does.
  if (a.a[2] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), sizeof(struct rlimit))) return -EFAULT;
  const Process& p = CurrentProcess();
  long pid = a.a[0];
  if (pid == 0 || pid == p.pid || OwnThread(pid)) return Rlimit(static_cast<unsigned>(a.a[1]), a.a[2], a.a[3]);
  // Another process of the container (a zombie too, as on Linux), or the
  // process of another process's thread (limits are per process).
  proc::Table* t = proc::Get();
  proc::Entry* e = t && pid > 0 && pid <= INT32_MAX ? proc::FindPid(t, static_cast<int>(pid)) : nullptr;
  if (!e && t && pid > 0 && pid <= INT32_MAX)
    if (int owner = proc::ThreadOwner(static_cast<int>(pid))) e = proc::FindPid(t, owner);
  uint32_t state = e ? e->state.load() : proc::kFree;
  if (state != proc::kRunning && state != proc::kExited) return -ESRCH;
  return PeerRlimit(e, static_cast<unsigned>(a.a[1]), a.a[2], a.a[3]);
}

JUNCTION_HANDLER(getrlimit) { return Rlimit(static_cast<unsigned>(a.a[0]), 0, a.a[1]); }

JUNCTION_HANDLER(setrlimit) {
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), sizeof(struct rlimit))) return -EFAULT;
  return Rlimit(static_cast<unsigned>(a.a[0]), a.a[1], 0);
}

// The thread `id` names in this process (0 = the caller; the main
// thread's id is the process id).
static sched::Uthread* OwnThread(long id) {
  if (id == 0) return sched::Current();
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
    if (u->tid == id) return u;
  return nullptr;
}

JUNCTION_HANDLER(getrandom) {
  if (a.a[2] & ~(GRND_NONBLOCK | GRND_RANDOM | 0x4 /*GRND_INSECURE*/)) return -EINVAL;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]))) return -EFAULT;
  return host::Syscall(SYS_getrandom, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(sysinfo) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), 112)) return -EFAULT;
  return host::Syscall(SYS_sysinfo, a.a[0]);
}

namespace {

// The table entry of container process `pid` (0 = the caller), or nullptr.
// A thread's id names its process, as on Linux.
proc::Entry* EntryOf(long pid) {
  proc::Table* t = proc::Get();
  if (!t || pid < 0 || pid > INT32_MAX) return nullptr;
  if (pid > 0 && OwnThread(pid)) pid = 0;
  proc::Entry* e = proc::FindPid(t, pid == 0 ? CurrentProcess().pid : static_cast<int>(pid));
  if (!e && pid > 0)
    if (int owner = proc::ThreadOwner(static_cast<int>(pid))) e = proc::FindPid(t, owner);
  return e;
}

}  // namespace

JUNCTION_HANDLER(getppid) {
  // The host knows the current parent (after reparenting to the container's
  // init or a subreaper); outside the container the parent is 0, as for the
  // init of a pid namespace.
  return proc::ContainerPid(static_cast<int>(host::Syscall(SYS_getppid)));
}

JUNCTION_HANDLER(getpgrp) {
  proc::Entry* e = EntryOf(0);
  return e ? e->pgid.load() : CurrentProcess().pid;
}

JUNCTION_HANDLER(getpgid) {
  proc::Entry* e = EntryOf(a.a[0]);
  if (!e || e->state.load() == proc::kExited) return -ESRCH;
  return e->pgid.load();
}

JUNCTION_HANDLER(getsid) {
  proc::Entry* e = EntryOf(a.a[0]);
  if (!e || e->state.load() == proc::kExited) return -ESRCH;
  return e->sid.load();
}

// setpgid(pid, pgid): the group is recorded in the table (container ids)
// and made on the host too (host ids), so host waits and kills by group
// and a terminal's foreground group follow it.
JUNCTION_HANDLER(setpgid) {
  if (a.a[1] < 0) return -EINVAL;
  proc::Table* t = proc::Get();
  if (!t) return -ENOSYS;
  Process& p = CurrentProcess();
  proc::LockTable(t, p.host_pid);
  long r = 0;
  proc::Entry* self = proc::FindPid(t, p.pid);
  proc::Entry* target = a.a[0] == 0 ? self : proc::FindPid(t, static_cast<int>(a.a[0]));
  int pgid = a.a[1] == 0 && target ? target->pid.load() : static_cast<int>(a.a[1]);
  int host_pgid = 0;
  if (!self || !target || target->state.load() != proc::kRunning ||
      (target != self && target->ppid.load() != p.pid)) {
    r = -ESRCH;
  } else if (target->sid.load() != self->sid.load()) {
    r = -EPERM;
  } else if (target->pid.load() == target->sid.load()) {
    r = -EPERM;  // a session leader
  } else if (pgid == target->pid.load()) {
    host_pgid = target->host_pid.load();
  } else {
    // An existing group of the same session.
    for (proc::Entry& e : t->entries) {
      if (e.state.load() == proc::kFree || e.pgid.load() != pgid) continue;
      if (e.sid.load() == self->sid.load()) host_pgid = e.host_pgid.load();
    }
    if (!host_pgid) r = -EPERM;
  }
  if (r == 0) {
    r = host::Syscall(SYS_setpgid, target->host_pid.load(), host_pgid);
    if (r == 0) {
      target->pgid.store(pgid);
      target->host_pgid.store(host_pgid);
    }
  }
  proc::UnlockTable(t);
  return r;
}

JUNCTION_HANDLER(setsid) {
  proc::Table* t = proc::Get();
  if (!t) return -ENOSYS;
  Process& p = CurrentProcess();
  proc::LockTable(t, p.host_pid);
  long r;
  proc::Entry* self = proc::FindPid(t, p.pid);
  bool leader = false;
  for (proc::Entry& e : t->entries)
    if (e.state.load() != proc::kFree && e.pgid.load() == p.pid) leader = true;
  if (!self || leader) {
    r = -EPERM;
  } else {
    r = host::Syscall(SYS_setsid);
    // The host refuses if the host process leads a host group (pid 1 started
    // as a shell job's leader): the container session is still new.
    if (r >= 0 || r == -EPERM) {
      self->sid.store(p.pid);
      self->pgid.store(p.pid);
      self->host_pgid.store(r >= 0 ? p.host_pid : static_cast<int>(host::Syscall(SYS_getpgid, 0)));
      r = p.pid;
    }
  }
  proc::UnlockTable(t);
  return r;
}

// The container's core this thread runs on (its kthread), consistent with
// sched_getaffinity, /proc/cpuinfo and sysfs's cpu lists; one node.
JUNCTION_HANDLER(getcpu) {
  unsigned cpu = static_cast<unsigned>(CurrentThread()->core), node = 0;
  if (a.a[0]) CHECK(UserPtr<unsigned>(a.a[0]).Write(cpu));
  if (a.a[1]) CHECK(UserPtr<unsigned>(a.a[1]).Write(node));
  return 0;
}

}  // namespace junction::libos

namespace junction::libos {

// Signals to itself stay in the LibOS when the guest handles them; default
// actions are the host's (abort() must end the process with SIGABRT).
// `tid` -1: the process. `given`: the sender's siginfo (sigqueue).
static long SignalSelf(long tid, long sig) {
  const Process& p = CurrentProcess();
  if (sig < 0 || sig > 64) return -EINVAL;
  sched::Uthread* target = nullptr;
  if (tid != -1) {
    sched::SpinGuard g(sched::AllUthreadsLock());
    target = sched::FindUthread_locked(tid);
    if (!target) return -ESRCH;
  }
  if (sig == 0) return 0;
  // Signals stay inside the LibOS: queued for the thread (tgkill) or the
  // process (kill), and a thread that can take it is woken or kicked;
  // default actions are carried out by the delivery code.
  siginfo_t info{};
  info.si_code = tid == -1 ? SI_USER : SI_TKILL;
  info.si_pid = p.pid;
  info.si_uid = p.uid;
  info.si_signo = static_cast<int>(sig);
  // A real-time signal over the queue limit: tgkill fails, kill's
  // instance only loses its siginfo (signals/signal_queue.h).
  bool queued = target ? SendThreadSignal(target, info) : SendProcessSignal(info);
  return queued ? 0 : -EAGAIN;
}

// A signal to another container process: the host delivers it (the
// target's LibOS mirrors it to its guest handler).
// SIGKILL goes as a request its LibOS carries out (robust futexes are
// released first: signals/kill_request.h).
static long SignalHost(int host_pid, long sig) {
  if (host_pid <= 0) return -ESRCH;
  if (sig == SIGKILL) return SendKillRequest(host_pid);
  StraceFlush();
  return host::Syscall(SYS_kill, host_pid, sig);
}

// The host process of task `id`: a container process, or the process of
// another process's thread (kill(tid) signals the thread's process). 0 if
// none.
static int HostPidOfTask(int id) {
  if (int h = proc::HostPid(id)) return h;
  int owner = proc::ThreadOwner(id);
  return owner ? proc::HostPid(owner) : 0;
}

JUNCTION_HANDLER(kill) {
  long pid = static_cast<int>(a.a[0]);
  long sig = a.a[1];
  if (sig < 0 || sig > 64) return -EINVAL;
  Process& p = CurrentProcess();
  proc::Table* t = proc::Get();
  if (pid == p.pid || !t) return SignalSelf(-1, sig);
  if (pid > 0) return SignalHost(HostPidOfTask(static_cast<int>(pid)), sig);
  if (pid == -1) {
    // Every container process but init and the caller.
    int sent = 0;
    long err = 0;
    for (proc::Entry& e : t->entries) {
      if (e.state.load() != proc::kRunning) continue;
      int gp = e.pid.load();
      if (gp == 1 || gp == p.pid) continue;
      long r = SignalHost(e.host_pid.load(), sig);
      if (r == 0) sent++;
      else err = r;
    }
    return sent ? 0 : (err ? err : -ESRCH);
  }
  // A process group: pid 0 is the caller's.
  int pgid = static_cast<int>(-pid);
  if (pid == 0) {
    proc::Entry* self = proc::FindPid(t, p.pid);
    pgid = self ? self->pgid.load() : p.pid;
  }
  int host_pgid = proc::HostPgidOf(t, pgid);
  if (!host_pgid) return -ESRCH;
  if (sig == SIGKILL) {
    // Each member by request, the caller last.
    bool self = false;
    for (proc::Entry& e : t->entries) {
      if (e.state.load() != proc::kRunning || e.pgid.load() != pgid) continue;
      if (e.pid.load() == p.pid) self = true;
      else SignalHost(e.host_pid.load(), sig);
    }
    return self ? SignalSelf(-1, sig) : 0;
  }
  StraceFlush();
  return host::Syscall(SYS_kill, -host_pgid, sig);
}

// Thread `tid` (not the main one) of another process: of process `tgid`
// (0: whichever it is in). `given`: the sender's siginfo (sigqueue), else
// a kill()'s, as Linux reports tgkill's.
static long SignalOtherThread(int tgid, int tid, long sig, const siginfo_t* given) {
  int owner = proc::ThreadOwner(tid);
  if (!owner || (tgid && owner != tgid)) return -ESRCH;
  int host_pid = proc::HostPid(owner);
  if (host_pid <= 0) return -ESRCH;
  if (sig == 0) return 0;
  if (sig == SIGKILL) return SendKillRequest(host_pid);  // the whole process dies
  siginfo_t info{};
  if (given) {
    info = *given;
  } else {
    const Process& p = CurrentProcess();
    info.si_code = SI_USER;
    info.si_pid = p.pid;
    info.si_uid = p.uid;
  }
  info.si_signo = static_cast<int>(sig);
  return SendRemoteThreadSignal(host_pid, tid, info);
}

JUNCTION_HANDLER(tgkill) {
  if (a.a[0] <= 0 || a.a[1] <= 0) return -EINVAL;
  if (a.a[0] == CurrentProcess().pid) return SignalSelf(a.a[1], a.a[2]);
  if (a.a[2] < 0 || a.a[2] > 64) return -EINVAL;
  if (a.a[1] != a.a[0]) return SignalOtherThread(static_cast<int>(a.a[0]), static_cast<int>(a.a[1]), a.a[2], nullptr);
  return SignalHost(proc::HostPid(static_cast<int>(a.a[0])), a.a[2]);
}

JUNCTION_HANDLER(tkill) {
  if (a.a[0] <= 0) return -EINVAL;
  {
    sched::SpinGuard g(sched::AllUthreadsLock());
    for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
      if (u->tid == a.a[0]) goto self;
  }
  if (a.a[1] < 0 || a.a[1] > 64) return -EINVAL;
  if (int h = proc::HostPid(static_cast<int>(a.a[0]))) return SignalHost(h, a.a[1]);
  return SignalOtherThread(0, static_cast<int>(a.a[0]), a.a[1], nullptr);
self:
  return SignalSelf(a.a[0], a.a[1]);
}

namespace {

// The sender's siginfo for rt_(tg)sigqueueinfo, with Linux's rule: only a
// thread signalling itself may claim a kernel or kill()/tgkill() origin
// (si_code >= 0 or SI_TKILL); -errno on failure.
long QueuedInfo(long info_addr, long sig, long target_tid, siginfo_t* info) {
  auto in = UserPtr<siginfo_t>(info_addr).Read();
  if (!in.ok()) return -in.error();
  *info = *in;
  info->si_signo = static_cast<int>(sig);
  if ((info->si_code >= 0 || info->si_code == SI_TKILL) && target_tid != sched::Current()->tid)
    return -EPERM;
  return 0;
}

// The receiving LibOS names senders by container pid, translating the
// host's si_pid (delivery.cc): hand the host the sender's host pid.
void SenderToHost(siginfo_t* info) {
  if (info->si_pid > 0)
    if (int h = proc::HostPid(info->si_pid)) info->si_pid = h;
}

}  // namespace

JUNCTION_HANDLER(rt_sigqueueinfo) {
  long pid = static_cast<int>(a.a[0]), sig = a.a[1];
  siginfo_t info;
  if (long r = QueuedInfo(a.a[2], sig, pid, &info)) return r;
  Process& p = CurrentProcess();
  if (pid == p.pid) {
    if (sig < 0 || sig > kMaxSignal) return -EINVAL;
    if (sig && !SendProcessSignal(info)) return -EAGAIN;
    return 0;
  }
  // Another container process: the host carries the siginfo unchanged.
  int host_pid = pid > 0 ? proc::HostPid(static_cast<int>(pid)) : 0;
  if (host_pid <= 0) return -ESRCH;
  if (sig < 0 || sig > kMaxSignal) return -EINVAL;
  if (sig == SIGKILL) return SendKillRequest(host_pid);
  SenderToHost(&info);
  StraceFlush();
  return host::Syscall(SYS_rt_sigqueueinfo, host_pid, sig, host::L(&info));
}

JUNCTION_HANDLER(rt_tgsigqueueinfo) {
  long tgid = static_cast<int>(a.a[0]), tid = static_cast<int>(a.a[1]), sig = a.a[2];
  if (tgid <= 0 || tid <= 0) return -EINVAL;
  siginfo_t info;
  if (long r = QueuedInfo(a.a[3], sig, tid, &info)) return r;
  if (tgid == CurrentProcess().pid) {
    sched::SpinGuard g(sched::AllUthreadsLock());
    sched::Uthread* u = sched::FindUthread_locked(tid);
    if (!u) return -ESRCH;
    if (sig < 0 || sig > kMaxSignal) return -EINVAL;
    if (sig && !SendThreadSignal(u, info)) return -EAGAIN;
    return 0;
  }
  // Another process: its main thread through the host, another thread
  // through its LibOS.
  if (tid != tgid) {
    if (sig < 0 || sig > kMaxSignal) return -EINVAL;
    return SignalOtherThread(static_cast<int>(tgid), static_cast<int>(tid), sig, &info);
  }
  int host_pid = proc::HostPid(static_cast<int>(tgid));
  if (host_pid <= 0) return -ESRCH;
  if (sig < 0 || sig > kMaxSignal) return -EINVAL;
  if (sig == SIGKILL) return SendKillRequest(host_pid);
  SenderToHost(&info);
  StraceFlush();
  return host::Syscall(SYS_rt_tgsigqueueinfo, host_pid, host_pid, sig, host::L(&info));
}

// pidfds: host pidfds of the target's host process, as guest descriptors.
JUNCTION_HANDLER(pidfd_open) {
  // pid_t: the register's low 32 bits (-1 from C arrives as 0xffffffff).
  int pid = static_cast<int>(a.a[0]);
  if (pid <= 0) return -EINVAL;
  if (a.a[1] & ~static_cast<long>(O_NONBLOCK)) return -EINVAL;
  int h = proc::HostPid(pid);
  // A thread that is not its process's main one: Linux 6.18 says ENOENT
  // (without PIDFD_THREAD).
  if (!h && (OwnThread(pid) || proc::ThreadOwner(pid))) return -ENOENT;
  if (!h) return -ESRCH;
  long hfd = host::Syscall(SYS_pidfd_open, h, a.a[1]);
  if (hfd < 0) return hfd;
  host::Syscall(SYS_fcntl, hfd, F_SETFD, FD_CLOEXEC);
  auto f = std::make_shared<proc::PidFd>(O_RDWR | static_cast<int>(a.a[1] & O_NONBLOCK), static_cast<int>(hfd),
                                         pid);
  auto fd = fs::FdTable::Get().Insert(f, true);
  if (!fd.ok()) return -fd.error();
  return *fd;
}

// pidfd_getfd: the target publishes which host descriptor backs each of
// its guest descriptors, any number (fs::FdTable::PublishHostFds); the host call
// duplicates that one, and it becomes a guest description here.
JUNCTION_HANDLER(pidfd_getfd) {
  if (a.a[2] != 0) return -EINVAL;
  fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  auto* pidfd = dynamic_cast<proc::PidFd*>(f.get());
  if (!pidfd) return -EBADF;
  long target = static_cast<int>(a.a[1]);
  if (target < 0) return -EBADF;
  proc::Table* t = proc::Get();
  proc::Entry* e = t ? proc::FindPid(t, pidfd->pid()) : nullptr;
  if (!e || e->state.load() != proc::kRunning) return -ESRCH;
  int32_t h;
  if (long err = fs::ReadHostFdMap(e->fd_map, e->host_pid.load(), target, &h)) return err;
  if (h == fs::FdTable::kNoDescriptor) return -EBADF;
  // Pipes, eventfds and unix sockets made after the target's last fork
  // live in its memory only.
  if (h == fs::FdTable::kLibosObject) return -EOPNOTSUPP;
  long hfd = host::Syscall(SYS_pidfd_getfd, pidfd->host_fd(), h, 0);
  if (hfd < 0) return hfd;
  host::Syscall(SYS_fcntl, hfd, F_SETFD, FD_CLOEXEC);
  auto fd = fs::FdTable::Get().Insert(proc::AdoptHostDescriptor(static_cast<int>(hfd)), true);
  if (!fd.ok()) return -fd.error();
  return *fd;
}

// A /proc/N directory (procfs shows the caller's process and its threads
// there, no other): Linux's pidfd_send_signal takes it as a pidfd of N's
// process (tgid_pidfd_to_pid), so it names the caller's own process.
static bool OwnProcDir(const fs::File& f) {
  if (!f.fs() || std::strcmp(f.fs()->type(), "proc") != 0) return false;
  const std::string& path = f.path();
  constexpr std::string_view kPrefix = "/proc/";
  if (path.size() <= kPrefix.size() || path.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  return path.find_first_not_of("0123456789", kPrefix.size()) == std::string::npos;
}

JUNCTION_HANDLER(pidfd_send_signal) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  if (f->host_fd() < 0) {
    if (!OwnProcDir(*f)) return -EBADF;
    if (a.a[3]) return -EINVAL;
    if (a.a[2]) {
      auto info = UserPtr<siginfo_t>(a.a[2]).Read();
      if (!info.ok()) return -EFAULT;
      if (info->si_signo != a.a[1]) return -EINVAL;
    }
    SyscallArgs self{};
    self.a[0] = CurrentProcess().pid;
    self.a[1] = a.a[1];
    self.a[2] = a.a[2];
    return a.a[2] ? Sys_rt_sigqueueinfo(self) : Sys_kill(self);
  }
  if (a.a[1] < 0 || a.a[1] > 64) return -EINVAL;
  if (a.a[2] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), sizeof(siginfo_t))) return -EFAULT;
  if (a.a[1] == SIGKILL && a.a[3] == 0) return SendKillRequestPidfd(f->host_fd());
  StraceFlush();
  return host::Syscall(SYS_pidfd_send_signal, f->host_fd(), a.a[1], a.a[2], a.a[3]);
}

}  // namespace junction::libos
