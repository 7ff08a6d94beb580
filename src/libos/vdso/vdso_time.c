/*
 * The guest's vDSO functions. Built freestanding into linux-vdso.so.1
 * (sources.cmake); runs in the guest's context with the guest's stack and
 * %fs, so: no libc, no TLS, no stack protector, no red zone (a LibOS that
 * rewrites `syscall` into `call` would clobber it), no relocations.
 *
 * Fast path: a seqlocked read of the data page plus the TSC. Slow paths use
 * a real `syscall` instruction, which in a guest enters the LibOS:
 *  - a stale line (older than refresh_cycles) issues clock_gettime, which
 *    the LibOS answers with ReadClock() after re-anchoring the page;
 *  - clocks the page does not serve (CPU-time clocks, bad ids) issue the
 *    matching system call unchanged;
 *  - time() within a tick of a second boundary issues time (below).
 */
#include "vdso_data.h"

/* Placed by vdso.lds at -JUNCTION_VDSO_DATA_SIZE from the image start. */
extern const struct junction_vdso_data junction_vdso_data
    __attribute__((visibility("hidden")));

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

struct timeval_k {
  int64_t tv_sec;
  int64_t tv_usec;
};
struct timezone_k {
  int tz_minuteswest;
  int tz_dsttime;
};

static inline long vdso_syscall3(long nr, long a, long b, long c) {
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return ret;
}

static inline int vdso_serves(const struct junction_vdso_data* d, int id) {
  return (unsigned)id < JUNCTION_VDSO_NCLOCKS &&
         ((__atomic_load_n(&d->clock_mask, __ATOMIC_RELAXED) >> id) & 1);
}

/* Realtime for gettimeofday/time: fast path, else clock_gettime syscall
 * (never their own syscalls, so the LibOS re-anchors in one place). Returns
 * 0 or a negative errno. */
static int vdso_realtime(struct junction_vdso_timespec* ts) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  if (__builtin_expect(
          vdso_serves(d, JUNCTION_CLOCK_REALTIME) &&
              junction_vdso_read(d, JUNCTION_CLOCK_REALTIME, ts),
          1))
    return 0;
  return (int)vdso_syscall3(NR_clock_gettime, JUNCTION_CLOCK_REALTIME,
                            (long)ts, 0);
}

int __vdso_clock_gettime(int id, struct junction_vdso_timespec* ts) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  if (__builtin_expect(vdso_serves(d, id), 1) &&
      __builtin_expect(junction_vdso_read(d, (unsigned)id, ts), 1))
    return 0;
  return (int)vdso_syscall3(NR_clock_gettime, id, (long)ts, 0);
}

int __vdso_gettimeofday(struct timeval_k* tv, struct timezone_k* tz) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  if (!vdso_serves(d, JUNCTION_CLOCK_REALTIME))
    return (int)vdso_syscall3(NR_gettimeofday, (long)tv, (long)tz, 0);
  if (tv) {
    struct junction_vdso_timespec ts;
    int ret = vdso_realtime(&ts);
    if (ret) return ret;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  if (tz) {
    tz->tz_minuteswest = d->tz_minuteswest;
    tz->tz_dsttime = d->tz_dsttime;
  }
  return 0;
}

long __vdso_time(long* t) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  if (!vdso_serves(d, JUNCTION_CLOCK_REALTIME))
    return vdso_syscall3(NR_time, (long)t, 0, 0);
  struct junction_vdso_timespec ts;
  int ret = vdso_realtime(&ts);
  if (ret) return ret;
  /* Linux's time() gives the seconds of its last tick (coarse realtime, as
   * file timestamps use), which the precise line runs up to a tick ahead of
   * and a few microseconds behind. Near a second boundary the two may
   * differ, so there the host answers (~1 % of calls: two ticks plus 1 ms
   * after the boundary, 1 ms before it). Two: the tick that moves the
   * host's seconds comes late on a loaded VM (6.1 ms after the boundary
   * with a 4 ms tick, measured natively), and one tick of slack let time()
   * run a second ahead of the host's (e2e.vdso_clock). */
  int64_t tick = (int64_t)d->res_nsec[JUNCTION_CLOCK_REALTIME_COARSE];
  if (ts.tv_nsec < 2 * tick + 1000000 || ts.tv_nsec >= 999000000)
    return vdso_syscall3(NR_time, (long)t, 0, 0);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}

int __vdso_clock_getres(int id, struct junction_vdso_timespec* res) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  if (!vdso_serves(d, id))
    return (int)vdso_syscall3(NR_clock_getres, id, (long)res, 0);
  if (res) {
    res->tv_sec = 0;
    res->tv_nsec = d->res_nsec[id];
  }
  return 0;
}

/* IA32_TSC_AUX as Linux programs it: cpu in bits 0-11, node above. */
long __vdso_getcpu(unsigned* cpu, unsigned* node, void* unused_cache) {
  const struct junction_vdso_data* d = &junction_vdso_data;
  uint64_t aux;
  (void)unused_cache;
  switch (__atomic_load_n(&d->getcpu_mode, __ATOMIC_RELAXED)) {
    case JUNCTION_VDSO_GETCPU_RDPID:
      __asm__ volatile("rdpid %0" : "=r"(aux));
      break;
    case JUNCTION_VDSO_GETCPU_RDTSCP: {
      uint32_t lo, hi, c;
      __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
      aux = c;
      break;
    }
    default:
      return vdso_syscall3(NR_getcpu, (long)cpu, (long)node, 0);
  }
  if (cpu) *cpu = (unsigned)(aux & 0xfff);
  if (node) *node = (unsigned)(aux >> 12);
  return 0;
}

/* The unversioned-looking names the kernel's vDSO also exports (weak). */
int clock_gettime(int, struct junction_vdso_timespec*)
    __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval_k*, struct timezone_k*)
    __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long*) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct junction_vdso_timespec*)
    __attribute__((weak, alias("__vdso_clock_getres")));
long getcpu(unsigned*, unsigned*, void*)
    __attribute__((weak, alias("__vdso_getcpu")));
