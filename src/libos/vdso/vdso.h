// The guest's vDSO: an ELF shared object (linux-vdso.so.1) built from
// vdso_time.c with vdso.lds and vdso.version, embedded in junction by
// vdso_image.S, whose functions answer clock_gettime, gettimeofday, time,
// clock_getres and getcpu in user space from the TSC, reading calibration
// data from a data page (VdsoData, vdso_data.h) that the LibOS maps right
// before the image.
//
// Wiring (the LibOS side):
//   1. At start, MapForGuest() maps [data page | image] into the guest's
//      address space and calibrates; pass GuestVdso::image_base to the loader
//      as AT_SYSINFO_EHDR. Cost: ~60 us (a 50 us TSC calibration spin).
//   2. The guest's clock_gettime system call (the vDSO's slow path when its
//      data is older than the refresh period, 250 ms) is answered by
//      ReadClock(); if it returns false the clock is not one the page serves
//      (CPU-time clocks, bad ids) and the host answers.
//   3. The guest's gettimeofday/time syscalls may use ReadClock(REALTIME)
//      too; the vDSO itself falls back to them when the page serves no
//      clocks at all (TSC unusable), and time() to the host's time near a
//      second boundary (Linux's time() is the coarse clock's seconds).
//   4. getcpu: the vDSO reads IA32_TSC_AUX (RDPID/RDTSCP), i.e. the host
//      CPU. When the LibOS wants to report a kthread's core instead, set
//      getcpu_mode to JUNCTION_VDSO_GETCPU_SYSCALL and answer getcpu itself.
//
// Guarantees: the monotonic clocks (MONOTONIC, MONOTONIC_RAW, BOOTTIME and
// MONOTONIC_COARSE) never go backwards, across threads and re-anchors
// (re-anchoring holds a clock that ran ahead and slews it back); realtime is
// within a few microseconds of the host between host clock steps (a
// settimeofday is seen at the next re-anchor, at most 250 ms later).
#pragma once

#include <sys/types.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/sys_result.h"
#include "libos/vdso/vdso_data.h"

namespace junction::libos::vdso {

// The data page layout is shared with the C code of the vDSO.
using VdsoData = ::junction_vdso_data;

// The bytes of the vDSO image (an ELF64 ET_DYN, page-aligned size).
std::span<const uint8_t> Image();

// Bytes to reserve for VdsoData (a multiple of 4096). The image expects the
// data exactly this far below its first byte.
size_t DataSize();

// Calibrates the TSC against the host clocks (no sleep: ~50 us of spinning)
// and fills `data` (DataSize() bytes, page-aligned, the LibOS's writable
// view). Called once; later corrections go through Reanchor().
void InitData(VdsoData* data);

// Re-reads the host clocks, refines the TSC rates from the long baseline
// since the last re-anchor, and republishes every clock line, keeping the
// monotonic clocks monotonic. Safe to call from several threads (one
// re-anchors, the others wait for it). Not async-signal-safe.
void Reanchor(VdsoData* data);

// True once the clock lines at `tsc` have used half their validity
// (refresh_cycles), or are stale already: a reader would soon take the
// slow path (a `syscall` from the guest's vDSO and a re-anchor, 13-23 us
// on the EPYC VM). False if the page serves no clock.
bool Aging(const VdsoData* data, uint64_t tsc);

// Re-anchors now if Aging(): called by the scheduler when a kthread waits
// or wakes, so that the re-anchor is done there and not on a sleeping
// guest's first clock read after its wake-up (docs/performance.md,
// "Core-grant tail, fourth pass"). Costs an RDTSC when the data is fresh.
void ReanchorIfAging(VdsoData* data);

// Answers clock `id` as the vDSO would, re-anchoring first if the data is
// stale. Returns false if the data page does not serve `id` (the caller
// passes the call to the host). Use this for the guest's clock_gettime
// syscall so that the vDSO and the syscall agree.
bool ReadClock(VdsoData* data, clockid_t id, struct timespec* ts);

// How Reanchor()/InitData() read the host clocks. Default (or nullptr): the
// host vDSO's __vdso_clock_gettime called directly (no system call with the
// TSC clocksource, no glibc errno/TLS), else glibc's clock_gettime. If the
// host clocksource is not the TSC the host vDSO makes a real syscall, so a
// LibOS with a seccomp filter should point this at its own host-call stub.
using HostClockFn = int (*)(clockid_t, struct timespec*);
void SetHostClock(HostClockFn fn);

// Maps the guest's view. Both calls behave like mmap(2)/mprotect(2) (they
// return MAP_FAILED / -1 on error) but place and track guest memory; the
// defaults call the host directly.
struct GuestMapOps {
  void* (*mmap)(void* addr, size_t len, int prot, int flags, int fd,
                off_t off);
  int (*mprotect)(void* addr, size_t len, int prot);
};
GuestMapOps HostMapOps();

struct GuestVdso {
  uintptr_t image_base = 0;  // AT_SYSINFO_EHDR
  VdsoData* data = nullptr;  // LibOS's read-write view (ReadClock, Reanchor)
};

// Prefetches what the guest's clock read touches, through the guest's view
// (its own TLB entries): the data page's clock lines and the image's text.
// For a sleeper about to return to the guest (sched::SetGuestReturnWarmup).
void PrefetchGuestView(const GuestVdso& v);

// Lays out, in guest memory: [DataSize() data, read-only | image, r-x].
// The data page is a memfd mapped twice: read-only at image_base -
// DataSize() for the guest, read-write elsewhere for the LibOS (GuestVdso::
// data, a host mapping outside the guest's address space bookkeeping).
// Calls InitData(). The guest region is one mmap() of DataSize() +
// Image().size() bytes (ops.mmap with addr == nullptr), then a MAP_FIXED
// mmap of the memfd over its first page and an mprotect of the rest.
SysResult<GuestVdso> MapForGuest(const GuestMapOps& ops = HostMapOps());

// Finds the address of a dynamic symbol `name` with version `version`
// (nullptr = any) in a vDSO-like image loaded at `base` (its ELF header);
// 0 if absent. Reads only the dynamic section (DT_HASH or DT_GNU_HASH).
uintptr_t FindSymbol(uintptr_t base, const char* name, const char* version);

namespace detail {

// One host clock reading and the TSC at (the middle of) the reading.
struct HostSample {
  uint64_t tsc = 0;
  uint64_t ns = 0;  // nanoseconds since that clock's epoch
};

// Samples of the clocks the page is built from, indexed by clock id:
// REALTIME, MONOTONIC, MONOTONIC_RAW, BOOTTIME, TAI.
struct HostSamples {
  HostSample clk[JUNCTION_VDSO_NCLOCKS];
};

// The arithmetic of Reanchor() on given samples (unit-testable with a
// synthetic host): updates rates whose baseline is at least
// `min_baseline_cycles`, then republishes every line. Caller holds
// data->w.writer_lock.
void ApplySamples_locked(VdsoData* data, const HostSamples& s,
                         uint64_t min_baseline_cycles);

}  // namespace detail

}  // namespace junction::libos::vdso
