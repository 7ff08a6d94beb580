#include "sched/cpu_time.h"

#include <time.h>

#include <atomic>

#include "libos/libos.h"
#include "libos/vdso/vdso_data.h"
#include "sched/cpu_time_switch.h"
#include "sched/kthread.h"
#include "sched/uthread.h"
#include "base/fork_written.h"

namespace junction::sched {

namespace {

// Threads that exited (guarded by AllUthreadsLock()).
JUNCTION_FORK_WRITTEN uint64_t g_exited_cpu_cycles = 0;
JUNCTION_FORK_WRITTEN uint64_t g_exited_user_ticks = 0;
JUNCTION_FORK_WRITTEN uint64_t g_exited_sys_ticks = 0;
JUNCTION_FORK_WRITTEN uint64_t g_exited_nvcsw = 0;
JUNCTION_FORK_WRITTEN uint64_t g_exited_nivcsw = 0;
// Reset by a forked child: with the totals above.
JUNCTION_FORK_WRITTEN SpinLock g_process_prev_lock;
JUNCTION_FORK_WRITTEN CpuTimes g_process_prev;

uint64_t Relaxed(const uint64_t& v) { return __atomic_load_n(&v, __ATOMIC_RELAXED); }

// ns per TSC cycle << 32, fixed at the first use: the vDSO's calibrated
// monotonic rate, or (no usable vDSO data) a 2 ms measurement.
std::atomic<uint64_t> g_tsc_mult{0};

uint64_t TscMult() {
  uint64_t m = g_tsc_mult.load(std::memory_order_relaxed);
  if (m) return m;
  if (junction_vdso_data* d = libos::GuestVdsoData()) m = d->clocks[CLOCK_MONOTONIC].mult;
  if (!m) {
    uint64_t t0 = ReadTsc(), n0 = NowNs(), n1;
    while ((n1 = NowNs()) - n0 < 2000000) __builtin_ia32_pause();
    uint64_t cycles = ReadTsc() - t0;
    m = cycles ? static_cast<uint64_t>((static_cast<unsigned __int128>(n1 - n0) << 32) / cycles) : 1;
  }
  uint64_t expected = 0;
  if (!g_tsc_mult.compare_exchange_strong(expected, m)) m = expected;
  return m;
}

uint64_t CyclesToNs(uint64_t cycles) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(cycles) * TscMult()) >> 32);
}

uint64_t ThreadCycles(const Uthread* u) {
  // A seqcount: only the kthread running `u` writes (ChargeRun; BeginRun's
  // one store needs none, cpu_time_switch.h).
  for (;;) {
    uint32_t seq = __atomic_load_n(&u->cpu_seq, __ATOMIC_ACQUIRE);
    if (seq & 1) {
      __builtin_ia32_pause();
      continue;
    }
    uint64_t total = Relaxed(u->cpu_cycles), start = Relaxed(u->run_start_tsc);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&u->cpu_seq, __ATOMIC_RELAXED) != seq) continue;
    if (start) {
      uint64_t now = ReadTsc();
      if (now > start) total += now - start;
    }
    return total;
  }
}

}  // namespace

CpuTimes SplitCpuTime(uint64_t total, uint64_t user_ticks, uint64_t sys_ticks, CpuTimes* prev) {
  if (prev->user_ns + prev->sys_ns < total) {
    uint64_t stime;
    if (sys_ticks == 0)
      stime = 0;
    else if (user_ticks == 0)
      stime = total;
    else
      stime = static_cast<uint64_t>(static_cast<unsigned __int128>(sys_ticks) * total /
                                    (sys_ticks + user_ticks));
    if (stime < prev->sys_ns) stime = prev->sys_ns;
    uint64_t utime = total - stime;
    if (utime < prev->user_ns) {
      utime = prev->user_ns;
      stime = total - utime;
    }
    *prev = {utime, stime};
  }
  return *prev;
}

uint64_t ThreadCpuNs(const Uthread* u) { return CyclesToNs(ThreadCycles(u)); }

CpuTimes ThreadCpuTimes(Uthread* u) {
  return SplitCpuTime(ThreadCpuNs(u), Relaxed(u->user_ticks), Relaxed(u->sys_ticks), &u->cpu_prev);
}

namespace {
void ProcessTotals(uint64_t* ns, uint64_t* user_ticks, uint64_t* sys_ticks) {
  SpinGuard g(AllUthreadsLock());
  uint64_t cycles = g_exited_cpu_cycles;
  *user_ticks = g_exited_user_ticks;
  *sys_ticks = g_exited_sys_ticks;
  for (Uthread* u = AllUthreads(); u; u = u->all_next) {
    cycles += ThreadCycles(u);
    *user_ticks += Relaxed(u->user_ticks);
    *sys_ticks += Relaxed(u->sys_ticks);
  }
  *ns = CyclesToNs(cycles);
}
}  // namespace

uint64_t ProcessCpuNs() {
  uint64_t ns, ut, st;
  ProcessTotals(&ns, &ut, &st);
  return ns;
}

CpuTimes ProcessCpuTimes() {
  uint64_t ns, ut, st;
  ProcessTotals(&ns, &ut, &st);
  SpinGuard g(g_process_prev_lock);
  return SplitCpuTime(ns, ut, st, &g_process_prev);
}

void ProcessSwitches(uint64_t* voluntary, uint64_t* involuntary) {
  SpinGuard g(AllUthreadsLock());
  *voluntary = g_exited_nvcsw;
  *involuntary = g_exited_nivcsw;
  for (Uthread* u = AllUthreads(); u; u = u->all_next) {
    *voluntary += Relaxed(u->nvcsw);
    *involuntary += Relaxed(u->nivcsw);
  }
}

void SampleTick(Uthread* u, bool in_libos) {
  uint64_t& counter = in_libos ? u->sys_ticks : u->user_ticks;
  __atomic_store_n(&counter, counter + 1, __ATOMIC_RELAXED);
}

void AddExitedCpu_locked(const Uthread* u) {
  g_exited_cpu_cycles += ThreadCycles(u);
  g_exited_user_ticks += Relaxed(u->user_ticks);
  g_exited_sys_ticks += Relaxed(u->sys_ticks);
  g_exited_nvcsw += Relaxed(u->nvcsw);
  g_exited_nivcsw += Relaxed(u->nivcsw);
}

void ResetCpuTimeAfterFork(Uthread* self) {
  g_exited_cpu_cycles = g_exited_user_ticks = g_exited_sys_ticks = 0;
  g_exited_nvcsw = g_exited_nivcsw = 0;
  g_process_prev = {};
  g_process_prev_lock.unlock();
  self->cpu_cycles = self->user_ticks = self->sys_ticks = self->nvcsw = self->nivcsw = 0;
  self->cpu_prev = {};
  self->run_start_tsc = 0;
  BeginRun(self, ReadTsc());
}

}  // namespace junction::sched
