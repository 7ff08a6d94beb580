#include "libos/proc/task_deadline.h"

#include <sched.h>

#include <cstdlib>
#include <string>

#include "libos/fs/synthetic.h"
#include "libos/proc/task_sched.h"

namespace junction::libos::proc {

namespace {

constexpr int kSchedDeadline = 6;
constexpr int kBwShift = 20;  // Linux's BW_SHIFT

long HostSysctl(const char* name, long fallback) {
  std::string s = fs::ReadHostFile(std::string("/proc/sys/kernel/") + name);
  return s.empty() ? fallback : std::strtol(s.c_str(), nullptr, 10);
}

// Linux's to_ratio: runtime/period as a BW_SHIFT fixed-point fraction.
uint64_t Ratio(uint64_t period, uint64_t runtime) {
  if (period == 0) return 0;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(runtime) << kBwShift) / period);
}

// The bandwidth each CPU gives deadline tasks (def_dl_bandwidth): the host's
// sched_rt_runtime_us/sched_rt_period_us, kDeadlineNoLimit for a runtime of -1.
uint64_t CpuBandwidth() {
  long runtime = HostSysctl("sched_rt_runtime_us", 950000);
  long period = HostSysctl("sched_rt_period_us", 1000000);
  if (runtime < 0) return kDeadlineNoLimit;
  return Ratio(static_cast<uint64_t>(period) * 1000, static_cast<uint64_t>(runtime) * 1000);
}

// Whether the slot's task still lives as a deadline task: a slot left by
// one that died (a zombie's is released too, as Linux's at exit) or
// changed policy is free.
bool SlotLive(Table* t, const DeadlineSlot& s) {
  int tid = s.tid.load();
  if (tid <= 0) return false;
  Task task;
  if (!FindTask(t, tid, &task) || task.process->state.load() != kRunning) return false;
  return task.sched->Load().policy == kSchedDeadline;
}

DeadlineSlot* SlotOf(Table* t, int tid) {
  for (DeadlineSlot& s : t->deadline)
    if (s.tid.load() == tid) return &s;
  return nullptr;
}

}  // namespace

bool ValidDeadlineParams(const DeadlineParams& p) {
  if (p.deadline == 0 || p.runtime < (uint64_t{1} << 10)) return false;
  if ((p.deadline | p.period) & (uint64_t{1} << 63)) return false;
  uint64_t period = p.period ? p.period : p.deadline;
  if (period < p.deadline || p.deadline < p.runtime) return false;
  uint64_t max = static_cast<uint64_t>(HostSysctl("sched_deadline_period_max_us", 1 << 22)) * 1000;
  uint64_t min = static_cast<uint64_t>(HostSysctl("sched_deadline_period_min_us", 100)) * 1000;
  return period >= min && period <= max;
}

DeadlineParams DeadlineOf(const Table* t, int tid) {
  for (const DeadlineSlot& s : t->deadline)
    if (s.tid.load() == tid) return {s.runtime.load(), s.deadline.load(), s.period.load()};
  return {};
}

long AdmitDeadlineLocked(Table* t, int tid, const DeadlineParams& p, int cores) {
  uint64_t period = p.period ? p.period : p.deadline;
  uint64_t bw = CpuBandwidth();
  if (bw != kDeadlineNoLimit) {
    unsigned __int128 total = Ratio(period, p.runtime);
    for (const DeadlineSlot& s : t->deadline)
      if (s.tid.load() != tid && SlotLive(t, s)) total += Ratio(s.period.load(), s.runtime.load());
    if (static_cast<unsigned __int128>(bw) * static_cast<unsigned>(cores) < total) return -EBUSY;
  }
  DeadlineSlot* slot = SlotOf(t, tid);
  for (DeadlineSlot& s : t->deadline) {
    if (slot) break;
    if (!SlotLive(t, s)) slot = &s;
  }
  if (!slot) return -EBUSY;
  slot->tid.store(tid);
  slot->runtime.store(p.runtime);
  slot->deadline.store(p.deadline);
  slot->period.store(period);
  return 0;
}

void DropDeadlineLocked(Table* t, int tid) {
  if (DeadlineSlot* s = SlotOf(t, tid)) s->tid.store(0);
}

void RenameDeadlineLocked(Table* t, int old_tid, int new_tid) {
  if (old_tid == new_tid) return;
  DropDeadlineLocked(t, new_tid);
  if (DeadlineSlot* s = SlotOf(t, old_tid)) s->tid.store(new_tid);
}

bool DeadlineRootDomainRefusesFor(uint64_t cpu_bandwidth, bool affinity_covers) {
  if (cpu_bandwidth == kDeadlineNoLimit) return false;
  return !affinity_covers || cpu_bandwidth == 0;
}

bool DeadlineRootDomainRefuses(bool affinity_covers) {
  return DeadlineRootDomainRefusesFor(CpuBandwidth(), affinity_covers);
}

}  // namespace junction::libos::proc
