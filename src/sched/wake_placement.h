// Where a woken uthread queues (wake-affine placement, docs/architecture.md
// "Wake-affine placement"). A uthread woken by another one queues on the
// kthread it last ran on; if that kthread is idle (spinning or parked on
// the host), a hand-off (the waker blocks right after: mutex+condvar,
// queues, pipes) would cost a cross-vCPU host wake-up per hop (~53 µs on
// this VM, DESIGN.md §2, and far more under load). It queues on the
// waker's kthread instead, where it runs as soon as the waker blocks, and
// the idle kthread may steal it only once it has waited kAffineStealCycles:
// work that really runs in parallel still spreads, a little later.
#pragma once

#include <cstdint>

namespace junction::sched {

// ~20 µs at 2.5 GHz: longer than a hand-off's waker takes to block, much
// shorter than a time slice (1 ms).
inline constexpr uint64_t kAffineStealCycles = 50'000;

struct WakePlacement {
  int waker = -1;        // the waking uthread's kthread; -1: no uthread wakes (timers, reactor)
  int home = 0;          // the kthread the wakee last ran on (allowed by its affinity)
  bool home_idle = false;  // home runs no uthread (spins or is parked)
  bool waker_allowed = false;  // the wakee's affinity allows the waker's kthread
  bool standalone = false;     // no daemon grants cores to these kthreads
};

// The kthread the wakee queues on.
inline int WakeTarget(const WakePlacement& p) {
  if (p.waker < 0 || p.waker == p.home || !p.home_idle || !p.waker_allowed || !p.standalone)
    return p.home;
  return p.waker;
}

// May an idle kthread steal a uthread placed by WakeTarget at `placed_tsc`
// (0: queued by another rule, stealable at once)?
inline bool AffineStealable(uint64_t placed_tsc, uint64_t now_tsc) {
  return placed_tsc == 0 || now_tsc - placed_tsc >= kAffineStealCycles;
}

}  // namespace junction::sched
