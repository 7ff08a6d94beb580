// Per-sample timestamps of the core-grant path, for finding which step of
// a slow grant is slow (docs/daemon.md, "Tracing grants"). Off unless
// `junction run` finds JUNCTION_GRANT_TRACE=FILE in its environment; then
// every timer wake-up of a kthread under the daemon appends one line to
// FILE: the times (CLOCK_MONOTONIC ns) of each step relative to the timer's
// deadline. Written by the kthread when it next waits for a core (off the
// measured path).
//
// Context: GrantTraceOpen on the main thread before kthreads run; the rest
// on the kthread that owns the sample (no locks, no libc, no vector code).
#pragma once

#include <cstdint>

namespace junction::sched {

// The kthread's host scheduler statistics at one moment
// (/proc/self/task/TID/schedstat): ns on a CPU, ns runnable but waiting on
// a run queue, times scheduled in. Time in neither (nor asleep) is the
// vCPU stolen by the hypervisor or spent in interrupts.
struct GrantTraceSchedStat {
  uint64_t exec_ns = 0;
  uint64_t wait_ns = 0;
  uint64_t slices = 0;
};

// One timer wake-up. 0 = the step did not happen in this sample.
struct GrantTraceSample {
  uint64_t keeper_sleep = 0;  // the coreless kthread last went to sleep (FUTEX_WAIT)
  uint64_t keeper_asked = 0;  // the time it asked to wake at (0: no timeout)
  uint64_t keeper_woke = 0;   // it returned from that sleep
  uint64_t grant_time = 0;    // the daemon granted (KthreadSlot::grant_time_ns)
  uint64_t grant_seen = 0;    // the kthread took the grant
  uint64_t deadline = 0;      // the timer's deadline
  uint64_t timer_run = 0;     // the scheduler woke the timer's uthread
  uint64_t run = 0;           // the woken uthread was switched to
  // Host scheduler statistics before the keeper's sleep, when it woke and
  // when the uthread ran (all zero if not read).
  GrantTraceSchedStat at_sleep, at_woke, at_run;
  // Awake and polling (grant word, timers) from keeper_woke to run: the
  // longest time between two polls, and when it ended.
  uint64_t last_poll = 0;
  uint64_t poll_gap = 0;
  uint64_t poll_gap_end = 0;
};

// Opens FILE (append) and turns tracing on; false if it cannot.
bool GrantTraceOpen(const char* path);
bool GrantTraceOn();
// A finished sample: kept until GrantTraceFlush. Drops samples past a
// small buffer (counted in the next flush's output).
void GrantTraceAdd(const GrantTraceSample& s);
// Writes the kept samples to FILE (a host write; call off the hot path).
void GrantTraceFlush();
// Opens the schedstat file of host thread `tid` of this process (-1 if it
// cannot), and reads it (false if it cannot): on that thread only. Both
// host calls.
int GrantTraceOpenSchedStat(int tid);
bool GrantTraceReadSchedStat(int fd, GrantTraceSchedStat* out);
// A poll while awake for a grant or a timer: keeps the longest gap.
inline void GrantTracePoll(GrantTraceSample* s, uint64_t now) {
  if (s->keeper_woke == 0 || s->run != 0) return;
  if (s->last_poll != 0 && now - s->last_poll > s->poll_gap) {
    s->poll_gap = now - s->last_poll;
    s->poll_gap_end = now;
  }
  s->last_poll = now;
}

}  // namespace junction::sched
