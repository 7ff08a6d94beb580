// The scheduler's CPU-time hooks (cpu_time.h), inline: they run at every
// uthread switch, where two out-of-line calls were ~40 instructions. Only
// the kthread running `u` writes; readers retry on the seqcount cpu_seq
// (ThreadCycles, cpu_time.cc). Vector-free.
#pragma once

#include <cstdint>

#include "sched/uthread.h"

namespace junction::sched {

inline void CpuSeqWriteBegin(Uthread* u) {
  __atomic_store_n(&u->cpu_seq, u->cpu_seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
}
inline void CpuSeqWriteEnd(Uthread* u) {
  __atomic_store_n(&u->cpu_seq, u->cpu_seq + 1, __ATOMIC_RELEASE);
}

// A uthread starts running at TSC `tsc`. One store, outside the seqcount:
// cpu_cycles does not change here, and a reader that sees either value of
// run_start_tsc alone has a consistent pair (not running yet: cpu_cycles;
// running: cpu_cycles plus the time since `tsc`). A reader that overlapped
// the ChargeRun before it retries on that one's seqcount: its stores are
// visible before this one (x86 keeps stores in order, and the reader's
// loads in order too). One caller moves it while the uthread runs, from
// one nonzero start to a later one: WaitOutEarlyTimeout (kthread.cc), so
// that its polling up to a sleep's deadline is not CPU time. cpu_cycles
// does not change there either, so each value still pairs with it; a
// reader on another kthread during the poll counted the poll, and one
// after it does not: that thread's CPU time can read up to about the
// poll (the keeper's lead, 150-300 us) less than a moment before.
inline void BeginRun(Uthread* u, uint64_t tsc) {
  __atomic_store_n(&u->run_start_tsc, tsc, __ATOMIC_RELEASE);
}

// It stops running at `tsc` (voluntary: it blocked).
inline void ChargeRun(Uthread* u, uint64_t tsc, bool voluntary) {
  CpuSeqWriteBegin(u);
  uint64_t start = u->run_start_tsc;
  if (start && tsc > start)
    __atomic_store_n(&u->cpu_cycles, u->cpu_cycles + (tsc - start), __ATOMIC_RELAXED);
  __atomic_store_n(&u->run_start_tsc, uint64_t{0}, __ATOMIC_RELAXED);
  CpuSeqWriteEnd(u);
  uint64_t& counter = voluntary ? u->nvcsw : u->nivcsw;
  __atomic_store_n(&counter, counter + 1, __ATOMIC_RELAXED);
}

}  // namespace junction::sched
