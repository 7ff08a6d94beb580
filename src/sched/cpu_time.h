// CPU time of uthreads, as Linux keeps it: the precise run time from the
// scheduler (switch-in to switch-out, in TSC cycles), split into user and system time in
// the proportion of the preemption ticks that found the uthread in guest
// code or in the LibOS (Linux splits sum_exec_runtime by tick samples the
// same way, cputime_adjust). The scheduler pays one TSC read per switch
// (the read at a switch-out also starts the next run unless the kthread
// idled); the tick one increment; cycles become ns only when read, at the
// TSC rate the vDSO calibrated at start (fixed, so the clocks are monotonic).
#pragma once

#include <cstdint>

namespace junction::sched {

struct Uthread;

inline uint64_t ReadTsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

struct CpuTimes {
  uint64_t user_ns = 0;
  uint64_t sys_ns = 0;
};

// The split of `total` run time by tick samples, never going backwards from
// `prev` (updated). Pure (cputime_adjust).
CpuTimes SplitCpuTime(uint64_t total, uint64_t user_ticks, uint64_t sys_ticks, CpuTimes* prev);

// Run time so far, including the current run if `u` is running.
uint64_t ThreadCpuNs(const Uthread* u);
CpuTimes ThreadCpuTimes(Uthread* u);
// The process: its live uthreads plus those that exited.
uint64_t ProcessCpuNs();
CpuTimes ProcessCpuTimes();
// Voluntary and involuntary context switches (getrusage's nvcsw, nivcsw).
void ProcessSwitches(uint64_t* voluntary, uint64_t* involuntary);

// Scheduler hooks (BeginRun and ChargeRun, at every switch, are inline in
// cpu_time_switch.h): a tick found it running in the LibOS (`in_libos`) or
// in guest code; it leaves the list of uthreads (g_all_lock held).
void SampleTick(Uthread* u, bool in_libos);
void AddExitedCpu_locked(const Uthread* u);

// Fork child: its CPU time starts at zero.
void ResetCpuTimeAfterFork(Uthread* self);

}  // namespace junction::sched
