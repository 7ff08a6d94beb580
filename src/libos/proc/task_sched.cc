#include "libos/proc/task_sched.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <atomic>
#include <climits>
#include <cstring>

#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/preempt.h"
#include "sched/uthread.h"

namespace junction::libos::proc {

namespace {

constexpr int kAffinityRequestValue = 0x4a414646;  // "JAFF"
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

SchedAttrs SchedForNewTask() {
  SchedAttrs a = CurrentSched();
  if (!a.reset_on_fork) return a;
  // Linux's sched_fork: a real-time policy goes back to SCHED_OTHER at
  // nice 0, a negative nice to 0.
  if (a.policy == SCHED_FIFO || a.policy == SCHED_RR) {
    a.policy = SCHED_OTHER;
    a.rt_priority = 0;
    a.nice = 0;
  } else if (a.nice < 0) {
    a.nice = 0;
  }
  a.reset_on_fork = false;
  return a;
}

void SetMainThreadSched(const SchedAttrs& attrs) {
  Table* t = Get();
  if (Entry* e = t ? FindPid(t, CurrentProcess().pid) : nullptr) e->sched.Store(attrs);
}

void InitMainThreadSched() {
  SchedAttrs a;
  long prio = host::Syscall(SYS_getpriority, PRIO_PROCESS, 0);  // 20 - nice
  if (prio >= 1 && prio <= 40) a.nice = 20 - static_cast<int>(prio);
  SetMainThreadSched(a);
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
