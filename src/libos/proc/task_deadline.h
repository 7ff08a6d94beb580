// SCHED_DEADLINE tasks of the container: their runtime, deadline and
// period (Table::deadline, by tid), and Linux's admission control. Linux
// admits a deadline task only while the deadline bandwidth of its root
// domain, the sum of each task's runtime/period, stays within
// sched_rt_runtime_us/sched_rt_period_us of each CPU (EBUSY otherwise);
// the container's cores are its root domain here. Uthreads have no
// deadlines: the parameters are recorded and checked, not enforced.
#pragma once

#include <cstdint>

#include "libos/proc/process_table.h"

namespace junction::libos::proc {

struct DeadlineParams {
  uint64_t runtime = 0, deadline = 0, period = 0;  // ns; period 0: the deadline
};

// Linux's __checkparam_dl: 1024 ns <= runtime <= deadline <= period, the
// top bits clear, the period within the host's
// sched_deadline_period_{min,max}_us.
bool ValidDeadlineParams(const DeadlineParams& p);

// Task `tid`'s recorded parameters (zeros if it has none). Lock-free.
DeadlineParams DeadlineOf(const Table* t, int tid);

// With the lock held: task `tid` becomes (or stays) a deadline task with
// `p` (period 0 given as the deadline), if the container's bandwidth
// admits it with the other live deadline tasks; `cores` is the root
// domain's size. -EBUSY if it does not (or every slot is taken), 0 once
// recorded.
long AdmitDeadlineLocked(Table* t, int tid, const DeadlineParams& p, int cores);

// With the lock held: task `tid` is no deadline task any more.
void DropDeadlineLocked(Table* t, int tid);

// With the lock held: the task that was `old_tid` is now `new_tid` (a
// non-main thread's exec makes it the main thread, with the pid).
void RenameDeadlineLocked(Table* t, int old_tid, int new_tid);

// Each CPU's deadline bandwidth when sched_rt_runtime_us is -1: Linux then
// controls none (dl_bandwidth_enabled() false).
constexpr uint64_t kDeadlineNoLimit = ~uint64_t{0};

// Linux's root-domain check on a task becoming a deadline task or changing
// its parameters (__sched_setscheduler): EPERM while bandwidth is
// controlled if the task's affinity does not cover the root domain or the
// domain gives deadline tasks none (sched_rt_runtime_us 0). `cpu_bandwidth`
// is each CPU's (BW_SHIFT fixed point, kDeadlineNoLimit: -1); without
// control Linux checks neither.
bool DeadlineRootDomainRefusesFor(uint64_t cpu_bandwidth, bool affinity_covers);
// The same with the host's sysctls.
bool DeadlineRootDomainRefuses(bool affinity_covers);

}  // namespace junction::libos::proc
