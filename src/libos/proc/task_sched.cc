#include "libos/proc/task_sched.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "libos/host/host.h"
#include "libos/proc/task_deadline.h"
#include "libos/process.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/preempt.h"
#include "sched/uthread.h"

namespace junction::libos::proc {

namespace {

constexpr int kAffinityRequestValue = 0x4a414646;  // "JAFF"
constexpr int kSchedDeadline = 6;
uint64_t g_host_fair_slice_ns = 0;
std::atomic<bool> g_affinity_asked{false};

// The calling process's entry, found once per pid (a clone reads it; a
// scan of the table would touch its every page).
Entry* OwnEntry(Table* t) {
  static std::atomic<Entry*> cached{nullptr};
  int pid = CurrentProcess().pid;
  Entry* e = cached.load(std::memory_order_relaxed);
  if (e && e->pid.load(std::memory_order_relaxed) == pid && e->state.load() != kFree) return e;
  e = FindPid(t, pid);
  cached.store(e, std::memory_order_relaxed);
  return e;
}

}  // namespace

bool FindTask(Table* t, long id, Task* out) {
  if (!t || id < 0 || id > INT_MAX) return false;
  const Process& p = CurrentProcess();
  int tid = id == 0 ? sched::Current()->tid : static_cast<int>(id);
  // The caller's process first: its main thread, then its threads' slots
  // (hashed by tid), before a scan for another process.
  Entry* own = OwnEntry(t);
  if (own && tid == p.pid) {
    *out = {tid, &own->sched, own, true};
    return true;
  }
  if (ThreadSlot* slot = ThreadSlotOf(t, tid); own && slot && slot->pid.load() == p.pid) {
    *out = {tid, &slot->sched, own, true};
    return true;
  }
  if (Entry* e = FindPid(t, tid)) {
    // A process's main thread, while it runs or is a zombie.
    uint32_t s = e->state.load();
    if (s != kRunning && s != kExited) return false;
    *out = {tid, &e->sched, e, tid == p.pid};
    return true;
  }
  ThreadSlot* slot = LiveThreadSlot(t, tid);
  Entry* e = slot ? FindPid(t, slot->pid.load()) : nullptr;
  if (!e) return false;
  *out = {tid, &slot->sched, e, e->pid.load() == p.pid};
  return true;
}

SchedAttrs CurrentSched() {
  Task self;
  return FindTask(Get(), 0, &self) ? self.sched->Load() : SchedAttrs{};
}

long SchedForNewTask(SchedAttrs* out) {
  SchedAttrs a = CurrentSched();
  // Linux's __sched_fork: the new task has the default slice.
  a.slice_ns = 0;
  if (!a.reset_on_fork) {
    // A deadline task may not fork or clone (its bandwidth is its own).
    if (a.policy == kSchedDeadline) return -EAGAIN;
    *out = a;
    return 0;
  }
  // Linux's sched_fork: a real-time or deadline policy goes back to
  // SCHED_OTHER at nice 0, a negative nice to 0.
  if (a.policy == SCHED_FIFO || a.policy == SCHED_RR || a.policy == kSchedDeadline) {
    a.policy = SCHED_OTHER;
    a.rt_priority = 0;
    a.nice = 0;
    a.dl_flags = 0;
  } else if (a.nice < 0) {
    a.nice = 0;
  }
  a.reset_on_fork = false;
  *out = a;
  return 0;
}

void SetMainThreadSched(const SchedAttrs& attrs, int former_tid) {
  Table* t = Get();
  Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr;
  if (!e) return;
  e->sched.Store(attrs);
  if (attrs.policy == kSchedDeadline && former_tid != CurrentProcess().pid) {
    LockTable(t, CurrentProcess().host_pid);
    RenameDeadlineLocked(t, former_tid, CurrentProcess().pid);
    UnlockTable(t);
  }
}

uint64_t HostFairSliceNs() { return g_host_fair_slice_ns; }

void InitMainThreadSched() {
  SchedAttrs a;
  long prio = host::Syscall(SYS_getpriority, PRIO_PROCESS, 0);  // 20 - nice
  if (prio >= 1 && prio <= 40) a.nice = 20 - static_cast<int>(prio);
  SetMainThreadSched(a, CurrentProcess().pid);
  // The host's fair-class slice, as sched_getattr reports it for this
  // thread (Linux 6.12 on; 0 before): asked once, before the seccomp filter.
  struct {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
  } attr{};
  if (host::Syscall(SYS_sched_getattr, 0, host::L(&attr), sizeof(attr), 0) == 0 && attr.policy == SCHED_OTHER)
    g_host_fair_slice_ns = attr.runtime;
}

void ApplyAffinity(const Task& task) {
  uint64_t mask = task.sched->Load().affinity;
  if (!task.own) {
    // Its process's scheduler re-reads the table when asked. Not queued
    // (the host's RLIMIT_SIGPENDING): it follows at its next request.
    siginfo_t info;
    std::memset(&info, 0, sizeof(info));
    info.si_signo = sched::kPreemptSignal;
    info.si_code = SI_QUEUE;
    info.si_pid = CurrentProcess().host_pid;
    info.si_value.sival_int = kAffinityRequestValue;
    StraceFlush();
    host::Syscall(SYS_rt_sigqueueinfo, task.process->host_pid.load(), sched::kPreemptSignal, host::L(&info));
    return;
  }
  bool self = false;
  {
    sched::SpinGuard g(sched::AllUthreadsLock());
    if (sched::Uthread* u = sched::FindUthread_locked(task.tid)) {
      __atomic_store_n(&u->affinity, mask, __ATOMIC_RELAXED);
      self = u == sched::Current();
    }
  }
  if (self) sched::MigrateIfDisallowed();
}

bool TakeAffinityRequest(const siginfo_t* info) {
  if (info->si_code != SI_QUEUE || info->si_value.sival_int != kAffinityRequestValue) return false;
  g_affinity_asked.store(true, std::memory_order_release);
  sched::NoteSignalArrived();
  return true;
}

void RefreshAffinitiesIfAsked() {
  if (!g_affinity_asked.load(std::memory_order_relaxed) || !g_affinity_asked.exchange(false)) return;
  Table* t = Get();
  if (!t) return;
  // Each thread's mask from the table; one running on a core it may no
  // longer use moves at its next switch (a tick at the latest).
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next) {
    Task task;
    if (u->tid > 0 && FindTask(t, u->tid, &task) && task.own) {
      __atomic_store_n(&u->affinity, task.sched->Load().affinity, __ATOMIC_RELAXED);
      sched::RecheckAffinity(u);
    }
  }
}

}  // namespace junction::libos::proc
