// A short host time slice for the threads on the core-grant path: the
// daemon and a container's kthreads and watcher (docs/daemon.md, "Host
// scheduling"). Linux's EEVDF scheduler (6.12+) takes sched_attr's
// sched_runtime of a SCHED_OTHER thread as its slice request; a thread with
// a shorter slice than the one running preempts it when it wakes, instead
// of waiting up to a tick (4 ms here) behind it. Measured on this VM under
// load (timer wake-up on a CPU shared with compilers, p99): 0.7-4 ms with
// the default slice, 0.1-0.3 ms with 100 µs. It changes no share of the
// CPU, needs no privilege, and older kernels ignore it.
#pragma once

namespace junction::sched {

inline constexpr unsigned long long kShortSliceNs = 100'000;  // the kernel's minimum

// Host thread `tid` (0: the caller) asks for kShortSliceNs. False if the
// kernel refused (then nothing changed).
bool RequestShortSlice(int tid);

}  // namespace junction::sched
