/*
 * e2e: the vDSO a process is given (the kernel's natively, junction's under
 * `junction run`). Finds __vdso_clock_gettime@LINUX_2.6 and friends by
 * parsing the image at getauxval(AT_SYSINFO_EHDR) (no dlvsym), and compares
 * their answers with the system calls. Prints only "ok"/"fail" lines, so the
 * output is the same natively and under junction; exits 1 on any failure.
 *
 * Build: cc -O2 -std=c11 vdso_clock.c -o vdso_clock (static or dynamic).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*clock_gettime_fn)(clockid_t, struct timespec*);
typedef int (*gettimeofday_fn)(struct timeval*, void*);
typedef time_t (*time_fn)(time_t*);
typedef long (*getcpu_fn)(unsigned*, unsigned*, void*);
typedef int (*clock_getres_fn)(clockid_t, struct timespec*);

static int failures;

static void report(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "fail", what);
  if (!ok) failures++;
}

/* Dynamic symbol `name` at version `version` in the image at `base`. */
static void* vdso_sym(uintptr_t base, const char* name, const char* version) {
  const Elf64_Ehdr* eh = (const Elf64_Ehdr*)base;
  const Elf64_Phdr* ph = (const Elf64_Phdr*)(base + eh->e_phoff);
  uintptr_t bias = 0;
  const Elf64_Dyn* dyn = NULL;
  int have_load = 0;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && !have_load) {
      bias = base + ph[i].p_offset - ph[i].p_vaddr;
      have_load = 1;
    }
  }
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_DYNAMIC) dyn = (const Elf64_Dyn*)(bias + ph[i].p_vaddr);
  if (!dyn) return NULL;

  const Elf64_Sym* sym = NULL;
  const char* str = NULL;
  const Elf64_Versym* versym = NULL;
  const Elf64_Verdef* verdef = NULL;
  const uint32_t* hash = NULL;
  const uint32_t* gnu_hash = NULL;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    uintptr_t p = bias + dyn->d_un.d_ptr;
    switch (dyn->d_tag) {
      case DT_SYMTAB: sym = (const Elf64_Sym*)p; break;
      case DT_STRTAB: str = (const char*)p; break;
      case DT_VERSYM: versym = (const Elf64_Versym*)p; break;
      case DT_VERDEF: verdef = (const Elf64_Verdef*)p; break;
      case DT_HASH: hash = (const uint32_t*)p; break;
      case DT_GNU_HASH: gnu_hash = (const uint32_t*)p; break;
    }
  }
  if (!sym || !str || (!hash && !gnu_hash)) return NULL;
  uint32_t nsyms;
  if (hash) {
    nsyms = hash[1];
  } else {
    uint32_t nb = gnu_hash[0], off = gnu_hash[1], bloom = gnu_hash[2];
    const uint32_t* buckets = gnu_hash + 4 + bloom * 2;
    const uint32_t* chains = buckets + nb;
    uint32_t max = 0;
    for (uint32_t b = 0; b < nb; b++)
      if (buckets[b] > max) max = buckets[b];
    if (max >= off)
      while (!(chains[max - off] & 1)) max++;
    nsyms = max + 1;
  }
  for (uint32_t i = 1; i < nsyms; i++) {
    if (sym[i].st_shndx == SHN_UNDEF || strcmp(str + sym[i].st_name, name))
      continue;
    if (!versym || !verdef) continue;
    const Elf64_Verdef* vd = verdef;
    for (;;) {
      if (!(vd->vd_flags & VER_FLG_BASE) && vd->vd_ndx == (versym[i] & 0x7fff)) {
        const Elf64_Verdaux* aux = (const Elf64_Verdaux*)((const char*)vd + vd->vd_aux);
        if (!strcmp(str + aux->vda_name, version)) return (void*)(bias + sym[i].st_value);
        break;
      }
      if (!vd->vd_next) break;
      vd = (const Elf64_Verdef*)((const char*)vd + vd->vd_next);
    }
  }
  return NULL;
}

static int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t sys_ns(clockid_t id) {
  struct timespec ts;
  syscall(SYS_clock_gettime, id, &ts);
  return ns_of(&ts);
}

int main(void) {
  uintptr_t base = getauxval(AT_SYSINFO_EHDR);
  report(base != 0, "AT_SYSINFO_EHDR present");
  if (!base) return 1;
  report(!memcmp((const void*)base, ELFMAG, SELFMAG), "vdso is an ELF image");

  clock_gettime_fn cg = (clock_gettime_fn)vdso_sym(base, "__vdso_clock_gettime", "LINUX_2.6");
  gettimeofday_fn gtod = (gettimeofday_fn)vdso_sym(base, "__vdso_gettimeofday", "LINUX_2.6");
  time_fn tm = (time_fn)vdso_sym(base, "__vdso_time", "LINUX_2.6");
  getcpu_fn gc = (getcpu_fn)vdso_sym(base, "__vdso_getcpu", "LINUX_2.6");
  clock_getres_fn gr = (clock_getres_fn)vdso_sym(base, "__vdso_clock_getres", "LINUX_2.6");
  report(cg != NULL, "__vdso_clock_gettime@LINUX_2.6 found");
  report(gtod != NULL, "__vdso_gettimeofday@LINUX_2.6 found");
  report(tm != NULL, "__vdso_time@LINUX_2.6 found");
  report(gc != NULL, "__vdso_getcpu@LINUX_2.6 found");
  report(gr != NULL, "__vdso_clock_getres@LINUX_2.6 found");
  if (!cg || !gtod || !tm || !gc || !gr) return 1;

  static const struct {
    clockid_t id;
    const char* name;
  } clocks[] = {{CLOCK_REALTIME, "CLOCK_REALTIME"},
                {CLOCK_MONOTONIC, "CLOCK_MONOTONIC"},
                {CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW"},
                {CLOCK_BOOTTIME, "CLOCK_BOOTTIME"},
                {CLOCK_TAI, "CLOCK_TAI"}};
  char what[128];
  for (size_t c = 0; c < sizeof clocks / sizeof clocks[0]; c++) {
    int ok = 1;
    for (int i = 0; i < 1000 && ok; i++) {
      int64_t before = sys_ns(clocks[c].id);
      struct timespec ts;
      ok = cg(clocks[c].id, &ts) == 0;
      int64_t after = sys_ns(clocks[c].id);
      ok = ok && ns_of(&ts) >= before - 1000000 && ns_of(&ts) <= after + 1000000;
    }
    snprintf(what, sizeof what, "%s within 1 ms of the syscall", clocks[c].name);
    report(ok, what);
  }

  for (size_t c = 1; c < 4; c++) { /* the monotonic ones */
    struct timespec ts;
    cg(clocks[c].id, &ts);
    int64_t prev = ns_of(&ts), back = 0;
    for (int i = 0; i < 1000000; i++) {
      cg(clocks[c].id, &ts);
      back += ns_of(&ts) < prev;
      prev = ns_of(&ts);
    }
    snprintf(what, sizeof what, "%s monotonic over 1e6 calls", clocks[c].name);
    report(back == 0, what);
  }

  struct timeval tv;
  int64_t before = sys_ns(CLOCK_REALTIME);
  int r = gtod(&tv, NULL);
  int64_t after = sys_ns(CLOCK_REALTIME);
  int64_t tv_ns = (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
  report(r == 0 && tv_ns >= before - 1000000 && tv_ns <= after + 1000000,
         "gettimeofday within 1 ms of the syscall");

  /* time() is the kernel's coarse seconds (those of its last tick), which
   * the precise clocks run up to a tick ahead of: checked in a loop until
   * the syscall's second has changed twice, so a second boundary (where a
   * time() read from the precise clock would already say the next second)
   * is always crossed. The check is that time() is never AHEAD of the
   * syscall; it may trail it by one second, as natively: the kernel moves
   * its seconds before it publishes them to the vDSO, and in this VM a
   * vCPU stalled in between let a native time() read the old second after
   * the syscall had said the new one (CI, December 5). */
  int time_ok = 1, boundaries = 0;
  time_t first = (time_t)syscall(SYS_time, NULL), last = first;
  while (boundaries < 2 && time_ok) {
    time_t t0 = (time_t)syscall(SYS_time, NULL), out = 0;
    time_t v = tm(&out);
    time_t t1 = (time_t)syscall(SYS_time, NULL);
    time_ok = v == out && v >= t0 - 1 && v <= t1;
    if (t1 != last) boundaries++, last = t1;
  }
  report(time_ok, "time agrees with the syscall across second boundaries");

  unsigned cpu = ~0u, node = ~0u;
  long ncpu = sysconf(_SC_NPROCESSORS_CONF);
  report(gc(&cpu, &node, NULL) == 0 && cpu < (unsigned)ncpu, "getcpu returns a valid cpu");

  struct timespec res;
  report(gr(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
         "clock_getres(CLOCK_MONOTONIC) is 1 ns");

  struct timespec ts;
  report(cg(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0 && ns_of(&ts) > 0,
         "CLOCK_PROCESS_CPUTIME_ID answered");
  report(cg(12345, &ts) == -EINVAL, "bad clock id gives -EINVAL");

  /* glibc's own clock_gettime goes through the vDSO too. */
  before = sys_ns(CLOCK_MONOTONIC);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  after = sys_ns(CLOCK_MONOTONIC);
  report(ns_of(&ts) >= before - 1000000 && ns_of(&ts) <= after + 1000000,
         "libc clock_gettime within 1 ms of the syscall");
  return failures ? 1 : 0;
}
