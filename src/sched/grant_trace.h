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
};

// Opens FILE (append) and turns tracing on; false if it cannot.
bool GrantTraceOpen(const char* path);
bool GrantTraceOn();
// A finished sample: kept until GrantTraceFlush. Drops samples past a
// small buffer (counted in the next flush's output).
void GrantTraceAdd(const GrantTraceSample& s);
// Writes the kept samples to FILE (a host write; call off the hot path).
void GrantTraceFlush();

}  // namespace junction::sched
