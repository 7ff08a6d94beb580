// Calibration and re-anchoring of the vDSO data page (vdso_data.h).
//
// Each served clock is a line value(tsc) = base + (tsc - tsc_base) * mult.
// Rates: MONOTONIC_RAW's is measured against host CLOCK_MONOTONIC_RAW, the
// others' against host CLOCK_MONOTONIC (they share NTP's frequency
// correction), each over the baseline since the previous re-anchor (>= 10 ms,
// so a 30-cycle sampling jitter is < 1 ppm). At start there is no baseline:
// a 50 us spin gives a rate within a few hundred ppm, and the refresh period
// stays short (20 ms) until a rate was measured over >= 10 ms.
//
// Monotonicity: a monotonic clock whose old line ran ahead of the host is
// held at the old line's value and slewed (a slightly smaller mult) so that
// it meets the host again over one period; and the new line is never below
// the old one during a 1 ms margin after the anchor (readers that loaded the
// old line just before the new one was published).
#include <sys/auxv.h>
#include <sys/platform/x86.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "libos/host/host.h"
#include "libos/vdso/vdso.h"

namespace junction::libos::vdso {
namespace {

using detail::HostSample;
using detail::HostSamples;

constexpr uint64_t kNsPerSec = JUNCTION_NSEC_PER_SEC;
constexpr uint64_t kCalibrationNs = 50'000;       // start-up spin
constexpr uint64_t kFirstPeriodNs = 20'000'000;   // first refresh period
constexpr uint64_t kPeriodNs = 250'000'000;       // steady-state period
constexpr uint64_t kMinBaselineNs = 10'000'000;   // to re-measure a rate
constexpr uint64_t kMarginNs = 1'000'000;         // see the file comment
constexpr int kSampleTries = 3;

// Clocks measured from the host; the coarse ones copy REALTIME/MONOTONIC.
constexpr int kBaseClocks[] = {JUNCTION_CLOCK_REALTIME, JUNCTION_CLOCK_MONOTONIC,
                               JUNCTION_CLOCK_MONOTONIC_RAW,
                               JUNCTION_CLOCK_BOOTTIME, JUNCTION_CLOCK_TAI};
constexpr uint32_t kMonotonicMask =
    (1u << JUNCTION_CLOCK_MONOTONIC) | (1u << JUNCTION_CLOCK_MONOTONIC_RAW) |
    (1u << JUNCTION_CLOCK_BOOTTIME);
constexpr uint32_t kServedMask = (1u << JUNCTION_CLOCK_REALTIME) |
                                 (1u << JUNCTION_CLOCK_REALTIME_COARSE) |
                                 (1u << JUNCTION_CLOCK_MONOTONIC_COARSE) |
                                 (1u << JUNCTION_CLOCK_TAI) | kMonotonicMask;

constexpr int kRaw = 0;   // index into writer.rate/ref_*
constexpr int kMono = 1;

// The host's own __vdso_clock_gettime, called directly: no system call (with
// the TSC clocksource) and, unlike glibc's wrapper, no errno/TLS access, so
// it is safe while %fs holds the guest's value.
HostClockFn HostVdsoClock() {
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  uintptr_t fn = base ? FindSymbol(base, "__vdso_clock_gettime", "LINUX_2.6") : 0;
  return fn ? reinterpret_cast<HostClockFn>(fn) : ::clock_gettime;
}

HostClockFn g_host_clock = nullptr;  // set by InitData / SetHostClock

uint64_t NsToCycles(uint64_t ns, uint64_t mult) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(ns)
                                << JUNCTION_VDSO_SHIFT) / mult);
}

// The line's value in ns at `tsc`, also for tsc before its base.
uint64_t LineAt(const junction_vdso_clock& c, uint64_t tsc) {
  uint64_t base = static_cast<uint64_t>(c.sec) * kNsPerSec + c.nsec;
  if (tsc >= c.tsc_base)
    return base + junction_vdso_cycles_to_ns(tsc - c.tsc_base, c.mult);
  return base - junction_vdso_cycles_to_ns(c.tsc_base - tsc, c.mult);
}

HostSample SampleClock(clockid_t id) {
  HostSample best;
  uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < kSampleTries; i++) {
    struct timespec ts;
    uint64_t before = junction_vdso_rdtsc_ordered();
    g_host_clock(id, &ts);
    uint64_t after = junction_vdso_rdtsc_ordered();
    if (after - before < best_width) {
      best_width = after - before;
      best.tsc = before + best_width / 2;
      best.ns = static_cast<uint64_t>(ts.tv_sec) * kNsPerSec +
                static_cast<uint64_t>(ts.tv_nsec);
    }
  }
  return best;
}

HostSamples SampleAll() {
  HostSamples s;
  for (int id : kBaseClocks) s.clk[id] = SampleClock(id);
  return s;
}

// CPU features from glibc's start-up CPUID snapshot: a CPUID instruction
// exits to the hypervisor here (~4 us each).
bool TscIsInvariant() { return CPU_FEATURE_PRESENT(INVARIANT_TSC); }

// The LibOS answers getcpu with the container's core (the kthread), not
// the host CPU that RDPID/RDTSCP would read: the guest sees only its
// cores (sysfs, /proc/cpuinfo, sched_getaffinity).
uint32_t GetcpuMode() { return JUNCTION_VDSO_GETCPU_SYSCALL; }

// Seqlock writer side. Caller holds the writer lock.
void Publish_locked(VdsoData* d, const junction_vdso_clock (&lines)[JUNCTION_VDSO_NCLOCKS],
                    uint32_t mask, uint64_t refresh_cycles) {
  // Even: a writer that died between its two stores left the count odd.
  uint32_t seq = __atomic_load_n(&d->seq, __ATOMIC_RELAXED) & ~1u;
  __atomic_store_n(&d->seq, seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);  // odd seq before any line store
  for (int id = 0; id < JUNCTION_VDSO_NCLOCKS; id++) {
    junction_vdso_clock* c = &d->clocks[id];
    __atomic_store_n(&c->tsc_base, lines[id].tsc_base, __ATOMIC_RELAXED);
    __atomic_store_n(&c->mult, lines[id].mult, __ATOMIC_RELAXED);
    __atomic_store_n(&c->sec, lines[id].sec, __ATOMIC_RELAXED);
    __atomic_store_n(&c->nsec, lines[id].nsec, __ATOMIC_RELAXED);
  }
  __atomic_store_n(&d->refresh_cycles, refresh_cycles, __ATOMIC_RELAXED);
  __atomic_store_n(&d->clock_mask, mask, __ATOMIC_RELAXED);
  __atomic_store_n(&d->seq, seq + 2, __ATOMIC_RELEASE);  // lines before even
}

// Measures rate k from the reference sample to `now` if the baseline is long
// enough; returns the new rate or 0 to keep the old one.
uint64_t MeasureRate_locked(junction_vdso_writer* w, int k,
                            const HostSample& now, uint64_t min_baseline) {
  if (!w->have_ref) return 0;
  int64_t dt = static_cast<int64_t>(now.tsc - w->ref_tsc[k]);
  if (dt <= 0 || static_cast<uint64_t>(dt) < min_baseline) return 0;
  int64_t dn = static_cast<int64_t>(now.ns - w->ref_ns[k]);
  if (dn <= 0) return 0;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(dn)
                                << JUNCTION_VDSO_SHIFT) /
                               static_cast<uint64_t>(dt));
}

bool Within(uint64_t v, uint64_t ref, uint64_t ppm) {
  uint64_t tol = static_cast<uint64_t>(
      static_cast<unsigned __int128>(ref) * ppm / 1'000'000);
  return v + tol >= ref && v <= ref + tol;
}

}  // namespace

void SetHostClock(HostClockFn fn) { g_host_clock = fn ? fn : HostVdsoClock(); }

namespace detail {

void ApplySamples_locked(VdsoData* d, const HostSamples& s,
                         uint64_t min_baseline_cycles) {
  junction_vdso_writer* w = &d->w;

  // 1. Rates. The TSC's frequency is fixed, so a raw rate more than 1% off
  // the previous one is a bad sample; MONOTONIC's rate is within NTP's
  // +-500 ppm of the raw one unless the host clock was stepped.
  const int ids[2] = {JUNCTION_CLOCK_MONOTONIC_RAW, JUNCTION_CLOCK_MONOTONIC};
  for (int k : {kRaw, kMono}) {
    const HostSample& now = s.clk[ids[k]];
    uint64_t m = MeasureRate_locked(w, k, now, min_baseline_cycles);
    bool measured = m != 0 || !w->have_ref;
    if (m != 0) {
      // Both are checked against the raw rate (for kMono, the new one).
      uint64_t ref = w->rate[kRaw];
      uint64_t ppm = k == kRaw ? 10'000 : 1'000;
      if (ref == 0 || Within(m, ref, ppm)) {
        w->rate[k] = m;
        if (k == kRaw && min_baseline_cycles > 0) w->refined = 1;
      }
    }
    if (measured) {
      w->ref_tsc[k] = now.tsc;
      w->ref_ns[k] = now.ns;
    }
  }
  w->have_ref = 1;
  if (w->rate[kMono] == 0) w->rate[kMono] = w->rate[kRaw];
  w->period_cycles = NsToCycles(kPeriodNs, w->rate[kRaw]);
  const uint64_t margin_cycles = NsToCycles(kMarginNs, w->rate[kRaw]);

  // 2. Lines.
  uint32_t old_mask = __atomic_load_n(&d->clock_mask, __ATOMIC_RELAXED);
  junction_vdso_clock lines[JUNCTION_VDSO_NCLOCKS];
  for (auto& l : lines) l = junction_vdso_clock{};  // no memset: see sources.cmake
  bool slewed = false;
  for (int id : kBaseClocks) {
    const junction_vdso_clock& old = d->clocks[id];
    junction_vdso_clock& c = lines[id];
    uint64_t rate = w->rate[id == JUNCTION_CLOCK_MONOTONIC_RAW ? kRaw : kMono];
    c.tsc_base = s.clk[id].tsc;
    c.mult = rate;
    uint64_t ns = s.clk[id].ns;
    bool keep_monotonic =
        ((kMonotonicMask & old_mask) >> id) & 1;  // an old line exists
    if (keep_monotonic) {
      // Values are floors of lines: a 1 ns lead at both ends of the margin
      // keeps the new floors >= the old ones everywhere in between.
      uint64_t old_now = LineAt(old, c.tsc_base) + 1;
      if (old_now > ns) {
        // Ran ahead: hold at the old value and run slower until caught up
        // (by at most 1/8 of the rate, so this takes one or more periods).
        uint64_t ahead = old_now - ns;
        uint64_t cut = std::min(ahead, kPeriodNs / 8);
        c.mult = rate - static_cast<uint64_t>(
                            static_cast<unsigned __int128>(rate) * cut /
                            kPeriodNs);
        ns = old_now;
        slewed = true;
      }
      uint64_t old_m = LineAt(old, c.tsc_base + margin_cycles) + 1;
      uint64_t new_m = ns + junction_vdso_cycles_to_ns(margin_cycles, c.mult);
      if (old_m > new_m) ns += old_m - new_m;
    }
    c.sec = static_cast<int64_t>(ns / kNsPerSec);
    c.nsec = ns % kNsPerSec;
  }
  lines[JUNCTION_CLOCK_REALTIME_COARSE] = lines[JUNCTION_CLOCK_REALTIME];
  lines[JUNCTION_CLOCK_MONOTONIC_COARSE] = lines[JUNCTION_CLOCK_MONOTONIC];

  // Until a rate was measured over a real baseline, re-anchor often.
  uint64_t refresh = w->refined ? w->period_cycles
                                : NsToCycles(kFirstPeriodNs, w->rate[kRaw]);
  w->anchors++;
  if (slewed) w->slewed++;
  Publish_locked(d, lines, kServedMask, refresh);
}

}  // namespace detail

size_t DataSize() { return JUNCTION_VDSO_DATA_SIZE; }

void InitData(VdsoData* d) {
  if (g_host_clock == nullptr) g_host_clock = HostVdsoClock();
  std::memset(static_cast<void*>(d), 0, sizeof(*d));
  d->magic = JUNCTION_VDSO_MAGIC;
  d->version = JUNCTION_VDSO_VERSION;
  d->getcpu_mode = GetcpuMode();
  struct timezone tz = {};
  if (syscall(SYS_gettimeofday, nullptr, &tz) == 0) {
    d->tz_minuteswest = tz.tz_minuteswest;
    d->tz_dsttime = tz.tz_dsttime;
  }
  for (int id = 0; id < JUNCTION_VDSO_NCLOCKS; id++) {
    struct timespec res;
    if (((kServedMask >> id) & 1) && clock_getres(id, &res) == 0)
      d->res_nsec[id] = static_cast<uint32_t>(res.tv_nsec);
  }
  if (!TscIsInvariant()) return;  // clock_mask 0: every call is a syscall

  // Calibrate: two raw samples kCalibrationNs apart, then anchor.
  HostSample raw0 = SampleClock(CLOCK_MONOTONIC_RAW);
  HostSample mono0 = SampleClock(CLOCK_MONOTONIC);
  for (;;) {
    struct timespec ts;
    g_host_clock(CLOCK_MONOTONIC_RAW, &ts);
    uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * kNsPerSec +
                  static_cast<uint64_t>(ts.tv_nsec);
    if (ns - raw0.ns >= kCalibrationNs) break;
    __builtin_ia32_pause();
  }
  junction_vdso_writer* w = &d->w;
  w->ref_tsc[kRaw] = raw0.tsc;
  w->ref_ns[kRaw] = raw0.ns;
  w->ref_tsc[kMono] = mono0.tsc;
  w->ref_ns[kMono] = mono0.ns;
  w->have_ref = 1;
  detail::ApplySamples_locked(d, SampleAll(), 0);
}

void Reanchor(VdsoData* d) {
  if (__atomic_load_n(&d->magic, __ATOMIC_RELAXED) != JUNCTION_VDSO_MAGIC ||
      d->w.rate[kRaw] == 0)
    return;  // never calibrated (TSC unusable): nothing to re-anchor
  // The lock word holds the host pid of the process re-anchoring: the page
  // is shared by the container's processes, and a process can die in the
  // middle (exit_group ends its other kthreads wherever they are, idle
  // upkeep included). Nobody waits for the lock: a re-anchor under way
  // serves everyone (ReadClock retries, then asks the host), and the lock
  // of a process that is gone is taken over (e2e.proc_fork_busy_threads:
  // a parent spun here for good on the lock its exited child held).
  auto me = static_cast<uint32_t>(host::Syscall(SYS_getpid));
  uint32_t owner = 0;
  if (!__atomic_compare_exchange_n(&d->w.writer_lock, &owner, me, false, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED)) {
    if (owner == me || host::Syscall(SYS_kill, owner, 0) != -ESRCH) return;
    if (!__atomic_compare_exchange_n(&d->w.writer_lock, &owner, me, false, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
      return;
  }
  uint64_t min_baseline = NsToCycles(kMinBaselineNs, d->w.rate[kRaw]);
  detail::ApplySamples_locked(d, SampleAll(), min_baseline);
  __atomic_store_n(&d->w.writer_lock, 0u, __ATOMIC_RELEASE);
}

bool Aging(const VdsoData* d, uint64_t tsc) {
  if (__atomic_load_n(&d->clock_mask, __ATOMIC_RELAXED) == 0) return false;
  // Every line is published with the same anchor: MONOTONIC's stands for all.
  uint64_t base = __atomic_load_n(&d->clocks[JUNCTION_CLOCK_MONOTONIC].tsc_base, __ATOMIC_RELAXED);
  uint64_t refresh = __atomic_load_n(&d->refresh_cycles, __ATOMIC_RELAXED);
  return tsc < base || tsc - base > refresh / 2;
}

void ReanchorIfAging(VdsoData* d) {
  if (Aging(d, junction_vdso_rdtsc_ordered())) Reanchor(d);
}

bool ReadClock(VdsoData* d, clockid_t id, struct timespec* ts) {
  if (static_cast<unsigned>(id) >= JUNCTION_VDSO_NCLOCKS ||
      !((__atomic_load_n(&d->clock_mask, __ATOMIC_RELAXED) >> id) & 1))
    return false;
  for (int i = 0; i < 3; i++) {
    junction_vdso_timespec t;
    if (junction_vdso_read(d, static_cast<unsigned>(id), &t)) {
      ts->tv_sec = t.tv_sec;
      ts->tv_nsec = t.tv_nsec;
      return true;
    }
    Reanchor(d);
  }
  return false;  // TSC keeps disagreeing with the anchor: let the host answer
}

}  // namespace junction::libos::vdso
