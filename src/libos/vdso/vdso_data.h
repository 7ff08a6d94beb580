/*
 * The vDSO data page ("vvar"): the layout shared by the guest's vDSO (C11,
 * freestanding, compiled into the vDSO image) and the LibOS (C++20).
 *
 * The LibOS maps this page read-only for the guest immediately before the
 * vDSO image, so the image reaches it at the fixed offset
 * -JUNCTION_VDSO_DATA_SIZE from its ELF header. The LibOS writes it through
 * a separate read-write alias (vdso.h: MapForGuest).
 *
 * Time model, per clock c (one entry per Linux clock id):
 *     value(tsc) = c.sec:c.nsec + (((tsc - c.tsc_base) * c.mult) >> 32) ns
 * valid while 0 <= tsc - c.tsc_base <= refresh_cycles. Past that the vDSO
 * issues a real clock_gettime `syscall`; the LibOS answers it with
 * ReadClock(), which re-anchors the page first.
 *
 * Concurrency: a seqlock. The writer (the LibOS, serialised by `writer_lock`)
 * makes `seq` odd, stores, then makes it even again; readers retry while
 * `seq` is odd or changed under them.
 *
 * Versioned: `magic`/`version` change whenever this layout changes.
 */
#ifndef JUNCTION_LIBOS_VDSO_VDSO_DATA_H_
#define JUNCTION_LIBOS_VDSO_VDSO_DATA_H_

#include <stdint.h>

#define JUNCTION_VDSO_DATA_SIZE 4096 /* keep in sync with vdso.lds */
#define JUNCTION_VDSO_MAGIC 0x52415656u /* "VVAR" */
#define JUNCTION_VDSO_VERSION 1u
#define JUNCTION_VDSO_NCLOCKS 12 /* Linux clock ids 0..11 */
#define JUNCTION_VDSO_SHIFT 32

/* Linux clock ids (uapi/linux/time.h); spelled out because the vDSO build is
 * freestanding. */
#define JUNCTION_CLOCK_REALTIME 0
#define JUNCTION_CLOCK_MONOTONIC 1
#define JUNCTION_CLOCK_MONOTONIC_RAW 4
#define JUNCTION_CLOCK_REALTIME_COARSE 5
#define JUNCTION_CLOCK_MONOTONIC_COARSE 6
#define JUNCTION_CLOCK_BOOTTIME 7
#define JUNCTION_CLOCK_TAI 11

/* getcpu_mode: how __vdso_getcpu finds the cpu/node. */
#define JUNCTION_VDSO_GETCPU_RDPID 0u   /* IA32_TSC_AUX via RDPID */
#define JUNCTION_VDSO_GETCPU_RDTSCP 1u  /* IA32_TSC_AUX via RDTSCP */
#define JUNCTION_VDSO_GETCPU_SYSCALL 2u /* real getcpu syscall (LibOS answers) */

/* The NSEC_PER_SEC constant, 64-bit. */
#define JUNCTION_NSEC_PER_SEC 1000000000ull

/* Same layout as the kernel's struct __kernel_timespec on x86-64. */
struct junction_vdso_timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

/* One clock's line. 32 bytes, two per cache line. */
struct junction_vdso_clock {
  uint64_t tsc_base; /* TSC at which the clock read sec:nsec */
  uint64_t mult;     /* ns per TSC cycle << JUNCTION_VDSO_SHIFT */
  int64_t sec;
  uint64_t nsec; /* < NSEC_PER_SEC */
};

/* LibOS-only state (the guest never reads it); see vdso_anchor.cc. */
struct junction_vdso_writer {
  uint32_t writer_lock; /* 0 free, else the host pid re-anchoring */
  uint32_t have_ref;    /* ref_* below are valid */
  uint32_t refined;     /* rate[0] was measured over >= 10 ms */
  uint32_t pad;
  /* Host reference samples the rates are measured from (0 raw, 1 mono). */
  uint64_t ref_tsc[2];
  uint64_t ref_ns[2];
  uint64_t rate[2];        /* measured, unslewed mult: 0 raw, 1 mono */
  uint64_t period_cycles;  /* steady-state refresh period */
  uint64_t anchors;        /* number of re-anchors (statistics) */
  uint64_t slewed;         /* re-anchors that had to hold a clock back */
};

struct junction_vdso_data {
  /* --- read by the guest's vDSO (first cache line) --- */
  uint32_t seq; /* seqlock: odd while the LibOS writes */
  uint32_t magic;
  uint32_t version;
  uint32_t clock_mask;  /* bit i: clock id i is answered from clocks[i] */
  uint32_t getcpu_mode; /* JUNCTION_VDSO_GETCPU_* */
  int32_t tz_minuteswest; /* gettimeofday's struct timezone */
  int32_t tz_dsttime;
  uint32_t pad0;
  uint64_t refresh_cycles; /* a line is valid this many cycles after tsc_base */
  uint32_t res_nsec[JUNCTION_VDSO_NCLOCKS]; /* clock_getres for masked ids */

  /* --- per clock, indexed by clock id (64-byte aligned, offset 128) --- */
  struct junction_vdso_clock clocks[JUNCTION_VDSO_NCLOCKS]
      __attribute__((aligned(64)));

  /* --- LibOS only --- */
  struct junction_vdso_writer w __attribute__((aligned(64)));
};

#ifdef __cplusplus
static_assert(sizeof(junction_vdso_data) <= JUNCTION_VDSO_DATA_SIZE,
              "VdsoData must fit its page");
static_assert(__builtin_offsetof(junction_vdso_data, clocks) == 128,
              "clock lines start on their own cache line");
#else
_Static_assert(sizeof(struct junction_vdso_data) <= JUNCTION_VDSO_DATA_SIZE,
               "VdsoData must fit its page");
#endif

/* TSC read that is not hoisted above earlier loads (the seqlock read). */
static inline uint64_t junction_vdso_rdtsc_ordered(void) {
  uint32_t lo, hi;
  __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
  return ((uint64_t)hi << 32) | lo;
}

/* ns elapsed after `cycles` at rate `mult`; exact, no overflow for any
 * 64-bit `cycles` below ~2^32 s worth of time. */
static inline uint64_t junction_vdso_cycles_to_ns(uint64_t cycles,
                                                   uint64_t mult) {
  return (uint64_t)(((unsigned __int128)cycles * mult) >> JUNCTION_VDSO_SHIFT);
}

/* Reads clock `id` (must be < NCLOCKS and in clock_mask) at the current TSC.
 * Returns 1 and fills *ts, or 0 if the line is stale (or the TSC is before
 * its base): the caller must take the slow path. */
static inline int junction_vdso_read(const struct junction_vdso_data* d,
                                     unsigned id,
                                     struct junction_vdso_timespec* ts) {
  const struct junction_vdso_clock* c = &d->clocks[id];
  uint32_t seq;
  uint64_t delta, mult, nsec, refresh;
  int64_t sec;
  for (;;) {
    seq = __atomic_load_n(&d->seq, __ATOMIC_ACQUIRE);
    if (__builtin_expect(seq & 1, 0)) {
      __builtin_ia32_pause();
      continue;
    }
    uint64_t base = __atomic_load_n(&c->tsc_base, __ATOMIC_RELAXED);
    mult = __atomic_load_n(&c->mult, __ATOMIC_RELAXED);
    sec = __atomic_load_n(&c->sec, __ATOMIC_RELAXED);
    nsec = __atomic_load_n(&c->nsec, __ATOMIC_RELAXED);
    refresh = __atomic_load_n(&d->refresh_cycles, __ATOMIC_RELAXED);
    delta = junction_vdso_rdtsc_ordered() - base;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&d->seq, __ATOMIC_RELAXED) == seq) break;
  }
  /* Also catches tsc < base (wraps to a huge delta). */
  if (__builtin_expect(delta > refresh, 0)) return 0;
  nsec += junction_vdso_cycles_to_ns(delta, mult);
  while (nsec >= JUNCTION_NSEC_PER_SEC) {
    /* Keep the compiler from turning this 0-2 trip loop into a division. */
    __asm__("" : "+r"(nsec));
    nsec -= JUNCTION_NSEC_PER_SEC;
    sec++;
  }
  ts->tv_sec = sec;
  ts->tv_nsec = (int64_t)nsec;
  return 1;
}

#endif /* JUNCTION_LIBOS_VDSO_VDSO_DATA_H_ */
