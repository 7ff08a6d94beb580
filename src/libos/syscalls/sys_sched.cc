// Scheduling attributes of any task of the container (proc/task_sched.h):
// nice (getpriority/setpriority), policy and real-time priority
// (sched_*scheduler, sched_*param, sched_rr_get_interval) and CPU affinity
// (sched_*affinity), with Linux's argument checks, their order and its
// permission rules (CAP_SYS_NICE: the container's root).
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>

#include "libos/host/host.h"
#include "libos/proc/process_table.h"
#include "libos/proc/task_deadline.h"
#include "libos/proc/task_sched.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

namespace junction::libos {

namespace {

using proc::SchedAttrs;
using proc::Task;

constexpr int kSchedDeadline = 6;
constexpr int kMaxRtPriority = 99;

// Holds the table lock: a task's slot is not reused meanwhile, and the
// attributes' read-modify-write is not lost to another setter.
class TableLock {
 public:
  explicit TableLock(proc::Table* t) : t_(t) {
    if (t_) proc::LockTable(t_, CurrentProcess().host_pid);
  }
  ~TableLock() {
    if (t_) proc::UnlockTable(t_);
  }

 private:
  proc::Table* t_;
};

bool CapSysNice() { return CurrentProcess().euid == 0; }

// Linux's check_same_owner / set_one_prio_perm: the caller's effective
// uid is the target's real or effective one.
bool SameOwner(const proc::Entry& e) {
  uint32_t euid = CurrentProcess().euid;
  return euid == e.euid.load() || euid == e.uid.load();
}

// The target's soft limit `resource` (RLIMIT_NICE, RLIMIT_RTPRIO: its host
// process's, as every limit but RLIMIT_NOFILE).
unsigned long TaskRlimit(const Task& task, int resource) {
  struct rlimit r{};
  if (host::Syscall(SYS_prlimit64, task.process->host_pid.load(), resource, 0, host::L(&r)) != 0) return 0;
  return r.rlim_cur;
}

// Linux's is_nice_reduction: RLIMIT_NICE allows nice `nice`.
bool NiceAllowedByRlimit(const Task& task, int nice) {
  return static_cast<unsigned long>(20 - nice) <= TaskRlimit(task, RLIMIT_NICE);
}

// The container's cores, as a 64-bit mask of kthreads (cores past 64 are
// not restricted individually).
uint64_t ContainerCoresMask() {
  int cores = CurrentProcess().cores;
  return cores >= 64 ? ~uint64_t{0} : (uint64_t{1} << cores) - 1;
}

bool RtPolicy(int policy) { return policy == SCHED_FIFO || policy == SCHED_RR; }
bool KnownPolicy(int policy) {
  return RtPolicy(policy) || policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
         policy == kSchedDeadline;
}

// Calls `fn` for each task getpriority/setpriority's (which, who) names:
// one task, a process group's, or a user's (their real uid), each
// process's main thread (a zombie's too) and its other live threads.
template <typename Fn>
void ForEachTask(proc::Table* t, int which, int who, Fn fn) {
  const Process& self = CurrentProcess();
  if (which == PRIO_PROCESS) {
    Task task;
    if (proc::FindTask(t, who, &task)) fn(task);
    return;
  }
  if (!t) return;
  int pgid = 0;
  uint32_t uid = self.uid;
  if (which == PRIO_PGRP) {
    proc::Entry* me = proc::FindPid(t, self.pid);
    pgid = who ? who : (me ? me->pgid.load() : 0);
    if (pgid <= 0) return;
  } else if (who) {
    uid = static_cast<uint32_t>(who);
  }
  // The processes named, then their other threads.
  int running[proc::kMaxProcesses];
  int n = 0;
  for (proc::Entry& e : t->entries) {
    uint32_t s = e.state.load();
    if (s != proc::kRunning && s != proc::kExited) continue;
    if (which == PRIO_PGRP ? e.pgid.load() != pgid : e.uid.load() != uid) continue;
    fn(Task{e.pid.load(), &e.sched, &e, e.pid.load() == self.pid});
    if (s == proc::kRunning) running[n++] = e.pid.load();
  }
  if (n == 0) return;
  for (proc::ThreadSlot& slot : t->threads) {
    int tid = slot.tid.load(std::memory_order_acquire);
    if (tid <= 0) continue;
    int pid = slot.pid.load();
    if (std::find(running, running + n, pid) == running + n) continue;
    proc::Entry* e = proc::FindPid(t, pid);
    if (e) fn(Task{tid, &slot.sched, e, pid == self.pid});
  }
}

// Linux's set_one_prio: the last failure is the answer, else 0 once any
// task was found.
long SetOnePrio(const Task& task, int nice, long err) {
  if (!SameOwner(*task.process) && !CapSysNice()) return -EPERM;
  SchedAttrs a = task.sched->Load();
  if (nice < a.nice && !NiceAllowedByRlimit(task, nice) && !CapSysNice()) return -EACCES;
  a.nice = nice;
  task.sched->Store(a);
  return err == -ESRCH ? 0 : err;
}

// A request as Linux's __sched_setscheduler takes it (its struct
// sched_attr): policy -1 keeps the task's (sched_setparam,
// SCHED_FLAG_KEEP_POLICY).
struct SchedRequest {
  int policy = -1;
  uint64_t flags = 0;  // SCHED_FLAG_*
  int nice = 0;
  uint32_t priority = 0;
  uint64_t runtime = 0;  // the fair class's slice, or the deadline runtime
  uint64_t deadline = 0, period = 0;
};

constexpr uint64_t kFlagResetOnFork = 0x01, kFlagReclaim = 0x02, kFlagDlOverrun = 0x04,
                   kFlagKeepPolicy = 0x08, kFlagKeepParams = 0x10, kFlagUtilClamp = 0x60,
                   kFlagAll = 0x7f, kFlagSugov = 0x10000000;
constexpr uint64_t kDeadlineFlags = kFlagReclaim | kFlagDlOverrun;

// Linux's fair_policy(): the policies whose nice and slice sched_setattr
// sets (not SCHED_IDLE's).
bool FairPolicy(int policy) { return policy == SCHED_OTHER || policy == SCHED_BATCH; }

// The container's cores as a task's affinity mask covers them: all of
// them, or not (Linux's root domain span).
bool CoversContainer(uint64_t affinity) {
  uint64_t all = ContainerCoresMask();
  return (affinity & all) == all;
}

// Linux's __sched_setscheduler for a user's call, with the table lock
// held: its checks in its order, then the task's new attributes (with
// SCHED_FLAG_KEEP_PARAMS only the reset flag changes).
long SetSchedAttrs(const Task& task, const SchedRequest& r) {
  SchedAttrs cur = task.sched->Load();
  bool reset;
  int policy = r.policy;
  if (policy < 0) {
    reset = cur.reset_on_fork;
    policy = cur.policy;
  } else {
    reset = r.flags & kFlagResetOnFork;
    if (!KnownPolicy(policy)) return -EINVAL;
  }
  if (r.flags & ~(kFlagAll | kFlagSugov)) return -EINVAL;
  if (r.priority > kMaxRtPriority) return -EINVAL;
  proc::DeadlineParams dl{r.runtime, r.deadline, r.period};
  if ((policy == kSchedDeadline && !proc::ValidDeadlineParams(dl)) || RtPolicy(policy) != (r.priority != 0))
    return -EINVAL;
  // user_check_sched_setscheduler
  bool privileged = false;
  if (FairPolicy(policy) && r.nice < cur.nice && !NiceAllowedByRlimit(task, r.nice)) privileged = true;
  if (RtPolicy(policy)) {
    unsigned long rlim = TaskRlimit(task, RLIMIT_RTPRIO);
    if (policy != cur.policy && !rlim) privileged = true;
    if (r.priority > static_cast<uint32_t>(cur.rt_priority) && r.priority > rlim) privileged = true;
  }
  if (policy == kSchedDeadline) privileged = true;  // never without CAP_SYS_NICE
  // Leaving SCHED_IDLE counts as its nice (RLIMIT_NICE).
  if (cur.policy == SCHED_IDLE && policy != SCHED_IDLE && !NiceAllowedByRlimit(task, cur.nice)) privileged = true;
  if (!SameOwner(*task.process)) privileged = true;
  if (cur.reset_on_fork && !reset) privileged = true;
  if (privileged && !CapSysNice()) return -EPERM;
  if (r.flags & kFlagSugov) return -EINVAL;
  // Utilization clamps: as a kernel without CONFIG_UCLAMP_TASK.
  if (r.flags & kFlagUtilClamp) return -EOPNOTSUPP;
  proc::Table* t = proc::Get();
  bool dl_change = false;
  if (policy == kSchedDeadline) {
    proc::DeadlineParams had = proc::DeadlineOf(t, task.tid);
    dl_change = cur.policy != kSchedDeadline || had.runtime != r.runtime || had.deadline != r.deadline ||
                had.period != r.period || cur.dl_flags != (r.flags & kDeadlineFlags);
    // No deadline task narrower than its root domain, none without bandwidth.
    if (dl_change && proc::DeadlineRootDomainRefuses(CoversContainer(cur.affinity))) return -EPERM;
  }
  bool apply = !(r.flags & kFlagKeepParams);
  if (dl_change && apply) {
    if (long e = proc::AdmitDeadlineLocked(t, task.tid, dl, CurrentProcess().cores); e < 0) return e;
  }
  cur.reset_on_fork = reset;
  if (apply) {
    if (cur.policy == kSchedDeadline && policy != kSchedDeadline) proc::DropDeadlineLocked(t, task.tid);
    cur.policy = policy;
    cur.dl_flags = policy == kSchedDeadline ? static_cast<uint32_t>(r.flags & kDeadlineFlags) : 0;
    if (FairPolicy(policy)) {
      cur.nice = r.nice;
      // Linux 6.12 on: a slice of its own, within 0.1-100 ms (0: the default).
      if (proc::HostFairSliceNs())
        cur.slice_ns = r.runtime ? static_cast<uint32_t>(std::clamp<uint64_t>(r.runtime, 100'000, 100'000'000)) : 0;
    }
    cur.rt_priority = static_cast<int>(r.priority);
  }
  task.sched->Store(cur);
  return 0;
}

// sched_setscheduler and sched_setparam (policy -1): Linux's
// _sched_setscheduler keeps the nice and a custom slice.
long SetScheduler(const Task& task, int policy, int priority) {
  SchedAttrs cur = task.sched->Load();
  SchedRequest r;
  r.policy = policy;
  if (policy >= 0 && (policy & SCHED_RESET_ON_FORK)) {
    r.flags = kFlagResetOnFork;
    r.policy = policy & ~SCHED_RESET_ON_FORK;
  }
  r.priority = static_cast<uint32_t>(priority);
  r.nice = cur.nice;
  r.runtime = cur.slice_ns;
  return SetSchedAttrs(task, r);
}

long DoSetScheduler(int id, int policy, long param_addr) {
  if (!param_addr || id < 0) return -EINVAL;
  auto param = UserPtr<struct sched_param>(param_addr).Read();
  if (!param.ok()) return -EFAULT;
  proc::Table* t = proc::Get();
  TableLock lock(t);
  Task task;
  if (!proc::FindTask(t, id, &task)) return -ESRCH;
  return SetScheduler(task, policy, param->sched_priority);
}

// The kernel's cpumask here: 256 bits (what sched_getaffinity returns at
// most), enough for the largest container.
constexpr size_t kCpumaskBytes = 32;

// Linux's round-robin slice (the sysctl's), in ms.
long RoundRobinSliceMs() {
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L("/proc/sys/kernel/sched_rr_timeslice_ms"),
                          O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 100;  // RR_TIMESLICE
  char buf[24] = {};
  long n = host::Syscall(SYS_read, fd, host::L(buf), sizeof(buf) - 1);
  host::Syscall(SYS_close, fd);
  long ms = 0;
  for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) ms = ms * 10 + (buf[i] - '0');
  return n > 0 ? ms : 100;
}

}  // namespace

JUNCTION_HANDLER(getpriority) {
  int which = static_cast<int>(a.a[0]), who = static_cast<int>(a.a[1]);
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  long best = -ESRCH;  // the highest 20 - nice of the tasks named
  ForEachTask(proc::Get(), which, who, [&](const Task& task) {
    best = std::max(best, static_cast<long>(20 - task.sched->Load().nice));
  });
  return best;
}

JUNCTION_HANDLER(setpriority) {
  int which = static_cast<int>(a.a[0]), who = static_cast<int>(a.a[1]);
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  int nice = std::clamp(static_cast<int>(a.a[2]), -20, 19);
  proc::Table* t = proc::Get();
  TableLock lock(t);
  long err = -ESRCH;
  ForEachTask(t, which, who, [&](const Task& task) { err = SetOnePrio(task, nice, err); });
  return err;
}

JUNCTION_HANDLER(sched_getscheduler) {
  int id = static_cast<int>(a.a[0]);  // a pid_t
  if (id < 0) return -EINVAL;
  Task task;
  if (!proc::FindTask(proc::Get(), id, &task)) return -ESRCH;
  SchedAttrs s = task.sched->Load();
  return s.policy | (s.reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

JUNCTION_HANDLER(sched_setscheduler) {
  int policy = static_cast<int>(a.a[1]);
  if (policy < 0) return -EINVAL;
  return DoSetScheduler(static_cast<int>(a.a[0]), policy, a.a[2]);
}

JUNCTION_HANDLER(sched_setparam) { return DoSetScheduler(static_cast<int>(a.a[0]), -1, a.a[1]); }

JUNCTION_HANDLER(sched_getparam) {
  int id = static_cast<int>(a.a[0]);
  if (!a.a[1] || id < 0) return -EINVAL;
  Task task;
  if (!proc::FindTask(proc::Get(), id, &task)) return -ESRCH;
  SchedAttrs s = task.sched->Load();
  struct sched_param p{};
  p.sched_priority = RtPolicy(s.policy) ? s.rt_priority : 0;
  return UserPtr<struct sched_param>(a.a[1]).Write(p).ok() ? 0 : -EFAULT;
}

JUNCTION_HANDLER(sched_get_priority_max) {
  int policy = static_cast<int>(a.a[0]);
  if (!KnownPolicy(policy)) return -EINVAL;
  return RtPolicy(policy) ? kMaxRtPriority : 0;
}

JUNCTION_HANDLER(sched_get_priority_min) {
  int policy = static_cast<int>(a.a[0]);
  if (!KnownPolicy(policy)) return -EINVAL;
  return RtPolicy(policy) ? 1 : 0;
}

// SCHED_FIFO: 0; SCHED_RR: the host's round-robin slice; the others the
// host's answer for its own (SCHED_OTHER) thread, which Linux derives
// from the fair class's slice.
JUNCTION_HANDLER(sched_rr_get_interval) {
  int id = static_cast<int>(a.a[0]);
  if (id < 0) return -EINVAL;
  Task task;
  if (!proc::FindTask(proc::Get(), id, &task)) return -ESRCH;
  int policy = task.sched->Load().policy;
  struct timespec ts{};
  if (policy == kSchedDeadline) {
    // The deadline class has no round-robin interval: 0.
  } else if (policy == SCHED_RR) {
    long ms = RoundRobinSliceMs();
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1'000'000;
  } else if (policy != SCHED_FIFO) {
    if (long r = host::Syscall(SYS_sched_rr_get_interval, 0, host::L(&ts)); r < 0) return r;
  }
  return UserPtr<struct timespec>(a.a[1]).Write(ts).ok() ? 0 : -EFAULT;
}

JUNCTION_HANDLER(sched_getaffinity) {
  size_t len = static_cast<size_t>(a.a[1]);
  int cores = CurrentProcess().cores;
  size_t need = static_cast<size_t>((cores + 63) / 64) * 8;
  if (len < need || (len & 7)) return -EINVAL;
  Task task;
  if (!proc::FindTask(proc::Get(), static_cast<int>(a.a[0]), &task)) return -ESRCH;
  size_t ret = std::min(len, kCpumaskBytes);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), ret)) return -EFAULT;
  uint8_t mask[kCpumaskBytes] = {};
  uint64_t allowed = task.sched->Load().affinity & ContainerCoresMask();
  for (int c = 0; c < cores && c / 8 < static_cast<int>(ret); c++)
    if (c >= 64 || ((allowed >> c) & 1)) mask[c / 8] |= static_cast<uint8_t>(1u << (c % 8));
  if (!CopyToUser(static_cast<uintptr_t>(a.a[2]), mask, ret).ok()) return -EFAULT;
  return static_cast<long>(ret);
}

// The mask is cut to the container's cores; none left is EINVAL, as Linux
// does for a mask with no usable CPU. The thread moves to a core it may
// use (another process's at its scheduler's next notice).
JUNCTION_HANDLER(sched_setaffinity) {
  uint8_t bytes[kCpumaskBytes] = {};
  size_t len = std::min(static_cast<size_t>(a.a[1]), kCpumaskBytes);
  if (len && !GuestReadable(static_cast<uintptr_t>(a.a[2]), len)) return -EFAULT;
  if (!SafeCopy(bytes, reinterpret_cast<const void*>(a.a[2]), len)) return -EFAULT;
  int cores = CurrentProcess().cores;
  uint64_t mask = 0;
  bool any = false;
  for (int c = 0; c < cores && c < static_cast<int>(kCpumaskBytes * 8); c++) {
    if (!((bytes[c / 8] >> (c % 8)) & 1)) continue;
    any = true;
    if (c < 64) mask |= uint64_t{1} << c;
  }
  if (cores > 64) mask |= ~ContainerCoresMask();  // only the first 64 are tracked
  proc::Table* t = proc::Get();
  Task task;
  {
    TableLock lock(t);
    if (!proc::FindTask(t, static_cast<int>(a.a[0]), &task)) return -ESRCH;
    if (!SameOwner(*task.process) && !CapSysNice()) return -EPERM;
    SchedAttrs s = task.sched->Load();
    // A deadline task keeps its whole root domain (Linux's
    // dl_task_check_affinity), before the check for a usable core.
    if (s.policy == kSchedDeadline && (!any || !CoversContainer(mask))) return -EBUSY;
    if (!any) return -EINVAL;
    s.affinity = mask ? mask : ~uint64_t{0};
    task.sched->Store(s);
  }
  proc::ApplyAffinity(task);
  return 0;
}

namespace {

// struct sched_attr, up to SCHED_ATTR_SIZE_VER1.
struct SchedAttrUser {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};
constexpr uint32_t kAttrSizeVer0 = 48;
static_assert(sizeof(SchedAttrUser) == 56);

// Linux's sched_copy_attr: the guest's struct of the size it says (0: the
// first version's), a larger one only if the bytes past ours are zero;
// E2BIG (our size written back) for a size out of range.
long CopySchedAttrIn(long addr, SchedAttrUser* out) {
  *out = {};
  auto size = UserPtr<uint32_t>(addr).Read();
  if (!size.ok()) return -EFAULT;
  uint32_t usize = *size ? *size : kAttrSizeVer0;
  bool too_big = usize < kAttrSizeVer0 || usize > 4096;
  if (!too_big && usize > sizeof(SchedAttrUser)) {
    uint8_t rest[4096];
    size_t n = usize - sizeof(SchedAttrUser);
    auto* from = reinterpret_cast<const void*>(addr + sizeof(SchedAttrUser));
    if (!GuestReadable(static_cast<uintptr_t>(addr) + sizeof(SchedAttrUser), n) || !SafeCopy(rest, from, n))
      return -EFAULT;
    for (size_t i = 0; i < n; i++) too_big |= rest[i] != 0;
  }
  if (too_big) {
    (void)UserPtr<uint32_t>(addr).Write(static_cast<uint32_t>(sizeof(SchedAttrUser)));
    return -E2BIG;
  }
  size_t n = std::min<size_t>(usize, sizeof(SchedAttrUser));
  if (!GuestReadable(static_cast<uintptr_t>(addr), n) || !SafeCopy(out, reinterpret_cast<const void*>(addr), n))
    return -EFAULT;
  if ((out->sched_flags & kFlagUtilClamp) && usize < sizeof(SchedAttrUser)) return -EINVAL;
  out->sched_nice = std::clamp(out->sched_nice, -20, 19);
  return 0;
}

// Linux's get_params: a task's parameters of its policy.
void TaskParams(const Task& task, const SchedAttrs& s, SchedAttrUser* a) {
  if (s.policy == kSchedDeadline) {
    proc::DeadlineParams dl = proc::DeadlineOf(proc::Get(), task.tid);
    a->sched_priority = static_cast<uint32_t>(s.rt_priority);
    a->sched_runtime = dl.runtime;
    a->sched_deadline = dl.deadline;
    a->sched_period = dl.period;
    a->sched_flags |= s.dl_flags;
  } else if (RtPolicy(s.policy)) {
    a->sched_priority = static_cast<uint32_t>(s.rt_priority);
  } else {
    a->sched_nice = s.nice;
    a->sched_runtime = s.slice_ns ? s.slice_ns : proc::HostFairSliceNs();
  }
}

}  // namespace

JUNCTION_HANDLER(sched_setattr) {
  int id = static_cast<int>(a.a[0]);
  if (!a.a[1] || id < 0 || static_cast<unsigned>(a.a[2])) return -EINVAL;
  SchedAttrUser attr;
  if (long r = CopySchedAttrIn(a.a[1], &attr); r < 0) return r;
  if (static_cast<int>(attr.sched_policy) < 0) return -EINVAL;
  proc::Table* t = proc::Get();
  TableLock lock(t);
  Task task;
  if (!proc::FindTask(t, id, &task)) return -ESRCH;
  if (attr.sched_flags & kFlagKeepParams) TaskParams(task, task.sched->Load(), &attr);
  SchedRequest r;
  r.policy = (attr.sched_flags & kFlagKeepPolicy) ? -1 : static_cast<int>(attr.sched_policy);
  r.flags = attr.sched_flags;
  r.nice = attr.sched_nice;
  r.priority = attr.sched_priority;
  r.runtime = attr.sched_runtime;
  r.deadline = attr.sched_deadline;
  r.period = attr.sched_period;
  return SetSchedAttrs(task, r);
}

JUNCTION_HANDLER(sched_getattr) {
  int id = static_cast<int>(a.a[0]);
  auto usize = static_cast<unsigned>(a.a[2]);
  if (!a.a[1] || id < 0 || usize > 4096 || usize < kAttrSizeVer0 || static_cast<unsigned>(a.a[3])) return -EINVAL;
  Task task;
  if (!proc::FindTask(proc::Get(), id, &task)) return -ESRCH;
  SchedAttrs s = task.sched->Load();
  SchedAttrUser out{};
  out.sched_policy = static_cast<uint32_t>(s.policy);
  if (s.reset_on_fork) out.sched_flags |= kFlagResetOnFork;
  TaskParams(task, s, &out);
  // A larger struct than ours: the size says how much we know, and the
  // rest is zeroed (copy_struct_to_user).
  out.size = std::min<uint32_t>(usize, sizeof(out));
  uint8_t buf[4096] = {};
  std::memcpy(buf, &out, out.size);
  if (!CopyToUser(static_cast<uintptr_t>(a.a[1]), buf, usize).ok())
    return -EFAULT;
  return 0;
}

}  // namespace junction::libos
