// Differential system call fuzzer (guest side). From a seed it runs a
// deterministic sequence of raw system calls with arguments mixed from
// valid values (descriptors it opened, buffers it owns, sizes near page
// boundaries) and invalid ones (bad descriptors, huge and negative lengths,
// unmapped, read-only, kernel-half and unaligned pointers, bad flags), and
// prints one line per call: name, arguments in a normalized form (no
// addresses or pids), the result or -ERRNO, and a digest of what the call
// wrote into the fuzzer's buffer. tests/e2e/syscall_fuzz_test.sh runs the
// same seeds natively and under `junction run` and diffs the lines.
// One generator (`threads`) races worker threads on descriptors they
// close under each other, buffers they unmap, and signals mid-call; it
// prints only how many ran (see g_threads).
//
// usage: syscall_fuzz SEED [CALLS] [GENERATORS]
//   GENERATORS: comma-separated names from `gens` below (default: all
//   but the opt-in `threads`)
//
// Determinism rules the generators follow: every descriptor is
// non-blocking and every timeout zero (nothing waits), timers are armed an
// hour out or disarmed (none fires), signals go only to the caller and only
// ones that are handled or ignored, file names stay inside a private
// temporary directory, and output that differs between any two runs (pids,
// addresses, times, inode numbers) is left out of the digests.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#define PG 4096L
#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

// ---------------------------------------------------------------- randomness
static uint64_t rng_state;
static uint64_t rnd64(void) {  // splitmix64
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static unsigned rn(unsigned n) { return (unsigned)(rnd64() % n); }
static int pct(unsigned p) { return rn(100) < p; }
#define PICK(arr) (arr)[rn(sizeof(arr) / sizeof((arr)[0]))]

// -------------------------------------------------------------------- output
static char line[8192];
static int line_len, n_args;
static void add(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
  va_end(ap);
  if (n > 0) line_len += n;
  if (line_len > (int)sizeof(line) - 2) line_len = sizeof(line) - 2;
}
static void arg(const char* fmt, ...) {
  if (n_args++) add(", ");
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
  va_end(ap);
  if (n > 0) line_len += n;
  if (line_len > (int)sizeof(line) - 2) line_len = sizeof(line) - 2;
}
static long raw(long n, long a, long b, long c, long d, long e, long f);
static void emit(void) {
  line[line_len++] = '\n';
  for (int off = 0; off < line_len;) {
    long w = raw(SYS_write, 1, (long)(line + off), line_len - off, 0, 0, 0);
    if (w <= 0) _exit(3);
    off += w;
  }
  line_len = 0;
}

static uint32_t fnv(const void* p, size_t n) {
  const uint8_t* b = p;
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

// The raw instruction: errors come back as -errno, nothing goes through
// glibc's wrappers (which check or rewrite some arguments themselves).
static long raw(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

// -------------------------------------------------------------------- memory
// One area, laid out so buffers can run into read-only, unmapped and
// PROT_NONE pages. Only the mm region is changed by mmap/munmap/mprotect/
// madvise/mremap calls; nothing outside the area is ever mapped over.
enum {
  P_BUF = 0, BUF_PAGES = 8,  // read-write, refilled with a pattern before each call
  P_RO = 8,                  // read-only, 0xff bytes
  P_GUARD = 9,               // PROT_NONE
  P_ZERO = 10,               // read-write, zeroed before each call (timeouts)
  P_GUARD2 = 11,
  P_MM = 12, MM_PAGES = 32,  // the mm calls' playground
  P_MMGUARD = 44,            // PROT_NONE; mm calls may reach into it
  AREA_PAGES = 48,
};
static uint8_t *area, *buf, *ro_page, *zero_page, *mm;
#define BUF_LEN (BUF_PAGES * PG)
#define AREA_END ((long)area + AREA_PAGES * PG)
static uint32_t buf_pattern_digest;
static int no_digest;  // the call writes what differs between runs
static long masked[4][2];  // see put_addrs
static int n_masked;

static void refill(void) {
  // No '/' (and, with a step of 131, never two equal bytes in a row, so no
  // ".."): a name read from the pattern stays inside the private directory.
  for (long i = 0; i < BUF_LEN; i++) buf[i] = (uint8_t)(i * 131 + 7) == '/' ? '_' : (uint8_t)(i * 131 + 7);
  memset(zero_page, 0, PG);
  n_masked = 0;
}
static int in_buf(long p, long len) {
  return p >= (long)buf && len >= 0 && len <= BUF_LEN && p + len <= (long)buf + BUF_LEN;
}
// Copies an input struct to where the call will read it, when that is the
// fuzzer's buffer (a bad pointer stays bad).
static void put(long p, const void* data, long len) {
  if (in_buf(p, len)) memcpy((void*)p, data, len);
}
// Input structs that hold addresses (iovecs, msghdrs) differ between runs:
// the digest leaves them out.
static void put_addrs(long p, const void* data, long len) {
  put(p, data, len);
  if (in_buf(p, len) && n_masked < 4) masked[n_masked][0] = p - (long)buf, masked[n_masked++][1] = len;
}
static uint32_t buf_digest(void) {
  for (int i = 0; i < n_masked; i++) memset(buf + masked[i][0], 0x3c, masked[i][1]);
  n_masked = 0;
  return fnv(buf, BUF_LEN);
}

// A pointer for a call that reads or writes `len` bytes there.
static long a_ptr(long len) {
  if (len < 0 || len > BUF_LEN) len = 64;
  long off;
  switch (rn(22)) {
    default:
      off = pct(50) ? 0 : (long)rn(BUF_LEN - len + 1) & ~7L;
      arg("buf+%#lx", off);
      return (long)buf + off;
    case 13:  // runs into the read-only page
      off = 1 + rn(len ? len : 1);
      arg("bufend-%ld", off);
      return (long)buf + BUF_LEN - off;
    case 14:
      off = pct(50) ? 0 : rn(PG);
      arg("ro+%#lx", off);
      return (long)ro_page + off;
    case 15:
      arg("guard");
      return (long)area + P_GUARD * PG + rn(PG);
    case 16:
      if (no_digest) {  // what differs between runs must not land where later calls read it
        arg("guard");
        return (long)area + P_GUARD * PG;
      }
      off = rn(MM_PAGES * PG);
      if (pct(50)) off &= ~(PG - 1);
      arg("mm+%#lx", off);
      return (long)mm + off;
    case 17:
      arg("NULL");
      return 0;
    case 18: {
      static const long bad[] = {0xffff888000000000L, (long)0x8000000000000000UL, 0x0000800000000000L,
                                 0x7ffffffff000L - 8, -1L, 0xffffffffff600000L - PG, 0x1000};
      long p = PICK(bad);
      arg("%#lx", p);
      return p;
    }
    case 19:
      off = 1 + rn(7);
      arg("buf+%#lx", off);
      return (long)buf + off;
    case 20:
      arg("zero");
      return (long)zero_page;
    case 21:  // ends exactly at the read-only page
      arg("bufend-%ld", len);
      return (long)buf + BUF_LEN - len;
  }
}
// A pointer to a name or address the call reads and may create: only
// memory whose bytes the fuzzer chose or that cannot be read (the mm region
// may hold anything a call wrote there, "/" included).
static long a_ptr_name(long len) {
  long p = a_ptr(len);
  if (p >= (long)mm && p < AREA_END) {
    line_len -= strlen("mm+") + snprintf(NULL, 0, "%#lx", p - (long)mm);
    add("guard");
    p = (long)area + P_GUARD * PG;
  }
  return p;
}
// A pointer the call reads a timeout from: zero (never waits) or bad.
static long a_timeout(void) {
  if (pct(80)) {
    arg("{0}");
    return (long)zero_page;
  }
  switch (rn(4)) {
    case 0: arg("ro"); return (long)ro_page;  // {-1,-1}: EINVAL
    case 1: arg("guard"); return (long)area + P_GUARD * PG;
    case 2: arg("%#lx", 0xffff888000000000L); return 0xffff888000000000L;
    default: arg("zero+%d", PG - 4); return (long)zero_page + PG - 4;  // runs into a guard
  }
}

static long a_len(void) {
  static const long lens[] = {0, 1, 7, 8, 16, 64, 100, 255, 256, 511, 4095, 4096, 4097, 8191, 8192, 12288,
                              BUF_LEN, BUF_LEN + 1, 65536, 1L << 20, 0x7fffffff, 0x80000000L, 1L << 40,
                              -1, -2, -4096, 0x7ffff000};
  long l = pct(30) ? (long)rn(300) : PICK(lens);
  arg("%ld", l);
  return l;
}
static long a_int(const long* vals, int n) {
  long v = vals[rn(n)];
  arg("%#lx", v);
  return v;
}
#define A_INT(...) ({ const long v_[] = {__VA_ARGS__}; a_int(v_, sizeof(v_) / sizeof(v_[0])); })
// Flags: a random subset of `valid`, now and then with a bit outside it.
static long a_flags(long valid, long force) {
  long f = (long)rnd64() & valid;
  if (pct(8)) f |= 1L << rn(32);
  f |= force;
  arg("%#lx", f);
  return f;
}

// --------------------------------------------------------------- descriptors
enum Kind {
  K_NONE, K_FILE, K_DIR, K_PIPE_R, K_PIPE_W, K_EVENTFD, K_EPOLL, K_TIMERFD, K_SIGNALFD,
  K_INOTIFY, K_MEMFD, K_UNIX, K_INET, K_NETLINK, K_DEV, K_PATH,
  K_PASSED,  // received through SCM_RIGHTS: any kind
};
#define MAX_FD 256
static uint8_t kind[MAX_FD];
#define HOME_FD 900  // the private directory, for fchdir; never a fuzzed number

static void track(long fd, int k) {
  if (fd < 0) return;
  if (fd < MAX_FD) kind[fd] = k;
  else raw(SYS_close, fd, 0, 0, 0, 0, 0);  // keep the numbers in the fuzzed range
}
static int live_fd(int want) {
  int n = 0, fds[MAX_FD];
  for (int i = 3; i < MAX_FD; i++)
    if (kind[i] != K_NONE && (want == K_NONE || kind[i] == want)) fds[n++] = i;
  return n ? fds[rn(n)] : -1;
}
static int n_live(void) {
  int n = 0;
  for (int i = 3; i < MAX_FD; i++) n += kind[i] != K_NONE;
  return n;
}
static long a_fd_kind(int want) {
  int r = rn(100);
  long fd = -1;
  if (r < 85) {
    fd = (want != K_NONE && pct(75)) ? live_fd(want) : -1;
    if (fd < 0) fd = live_fd(K_NONE);
  }
  if (fd < 0) {
    static const long bad[] = {-1, -100, 1 << 20, 0x7fffffff, 255, 0x80000001L, 63};
    fd = r < 93 ? 3 + rn(40) : PICK(bad);
  }
  arg("%ld", fd);
  return fd;
}
static long a_fd(void) { return a_fd_kind(K_NONE); }

// ------------------------------------------------------------------- paths
static const char* const rw_paths[] = {"f0", "f1", "f2", "d0", "d0/f3", "d0/d1", "d0/d1/f4", "s0", "s1",
                                       "u0", "u1", "nonexist/x", "", ".", "f0/x", "d0/", "s0/x"};
static const char* const ro_extra[] = {"/dev/null", "/", "/nonexistent", "/etc/passwd"};
static char long_name[300], huge_path[5000];
// A path for a call that may create, change or remove what it names: only
// names inside the private directory (no "..", no absolute paths).
static long a_path_rw(void) {
  int r = rn(100);
  if (r < 85) {
    const char* p = PICK(rw_paths);
    arg("\"%s\"", p);
    return (long)p;
  }
  if (r < 88) { arg("long255+"); return (long)long_name; }
  if (r < 90) { arg("huge4999"); return (long)huge_path; }
  return a_ptr_name(PG);
}
// A path for a call that only looks (stat, access, readlink, statfs).
static long a_path_ro(void) {
  if (pct(15)) {
    const char* p = PICK(ro_extra);
    arg("\"%s\"", p);
    return (long)p;
  }
  return a_path_rw();
}
static long a_dirfd(void) {
  if (pct(70)) { arg("AT_FDCWD"); return AT_FDCWD; }
  return a_fd_kind(K_DIR);
}

// ------------------------------------------------------------------ signals
static volatile int sig_count[65];
static int sig_seen[65];
static volatile int last_code;
static const int handled[] = {SIGUSR1, SIGUSR2, 35, SIGCHLD, SIGURG, SIGWINCH};
static long restorer;  // glibc's, for SA_RESTORER
static void on_signal(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  sig_count[sig]++;
  last_code = si->si_code;
}
static sigjmp_buf probe_jmp;
static volatile int probing;  // g_probe's loads and stores may fault; nothing else may
static void on_fault(int sig, siginfo_t* si, void* ucv) {
  if (probing) siglongjmp(probe_jmp, sig);
  // A fault anywhere else is a bug (the fuzzer's or the system's): said
  // and ended here, not retried through a stale jump buffer.
  char msg[160];
  ucontext_t* uc = ucv;
  int n = snprintf(msg, sizeof(msg), "fuzzer: signal %d outside a probe, thread %ld, ip %#llx, address %p\n", sig,
                   raw(SYS_gettid, 0, 0, 0, 0, 0, 0), (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], si->si_addr);
  raw(SYS_write, 2, (long)msg, n, 0, 0, 0);
  raw(SYS_exit_group, 4, 0, 0, 0, 0, 0);
}

// ------------------------------------------------------------------ calls
static void start(const char* name) {
  add("%s(", name);
  n_args = 0;
  no_digest = 0;
}
static void result(long r) {
  add(") = ");
  if (r < 0 && r > -4096) add("-%s", strerrorname_np((int)-r) ? strerrorname_np((int)-r) : "E?");
  else add("%ld", r);
}
static void result_ok(long r) {  // a value that differs between runs
  if (r < 0 && r > -4096) result(r);
  else add(") = ok");
}
static int failed(long r) { return r < 0 && r > -4096; }

#define C0(nr) raw(nr, 0, 0, 0, 0, 0, 0)
#define C(nr, a, b, c, d, e, f) raw(nr, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

// ---- files
static void g_openat(void) {
  start("openat");
  long dfd = a_dirfd();
  // Never a host path: an open descriptor lets fchmod, fchown and
  // ftruncate change what it names.
  long path = a_path_rw();
  long valid = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DIRECTORY | O_NOFOLLOW |
               O_CLOEXEC | O_PATH | O_NOCTTY | O_DSYNC | O_NOATIME | O_LARGEFILE;
  long flags = (long)rnd64() & valid;
  if (pct(5)) flags |= O_TMPFILE;
  if (pct(5)) flags |= 1L << rn(32);
  arg("%#lx", flags);
  long mode = A_INT(0644, 0600, 0777, 0, 07777, 0x10000);
  long r = C(SYS_openat, dfd, path, flags, mode, 0, 0);
  result(r);
  if (!failed(r)) track(r, (flags & O_PATH) ? K_PATH : (flags & O_DIRECTORY) ? K_DIR : K_FILE);
}
static void g_close(void) {
  start("close");
  long fd = a_fd();
  long r = C(SYS_close, fd, 0, 0, 0, 0, 0);
  result(r);
  if (!failed(r) && fd >= 0 && fd < MAX_FD) kind[fd] = K_NONE;
}
static void g_close_range(void) {
  start("close_range");
  long lo = 3 + rn(60), hi = pct(10) ? lo - 1 : lo + rn(20);
  if (pct(10)) hi = MAX_FD - 1;
  arg("%ld", lo);
  arg("%ld", hi);
  long flags = A_INT(0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, 4, CLOSE_RANGE_CLOEXEC | 4);
  long r = C(SYS_close_range, lo, hi, flags, 0, 0, 0);
  result(r);
  if (!failed(r) && !(flags & CLOSE_RANGE_CLOEXEC))
    for (long i = lo; i <= hi && i < MAX_FD; i++) kind[i] = K_NONE;
}
static void g_dup(void) {
  int which = rn(3);
  start(which == 0 ? "dup" : which == 1 ? "dup2" : "dup3");
  long fd = a_fd(), nfd = 0, flags = 0;
  if (which) {
    static const long bad[] = {-1, 1 << 20, 0x7fffffff};
    nfd = pct(90) ? 3 + rn(60) : PICK(bad);
    if (pct(10)) nfd = fd;
    arg("%ld", nfd);
    if (which == 2) flags = A_INT(0, O_CLOEXEC, O_NONBLOCK, 1);
  }
  long r = which == 0 ? C(SYS_dup, fd, 0, 0, 0, 0, 0)
                      : which == 1 ? C(SYS_dup2, fd, nfd, 0, 0, 0, 0) : C(SYS_dup3, fd, nfd, flags, 0, 0, 0);
  result(r);
  if (!failed(r) && fd >= 0 && fd < MAX_FD) track(r, kind[fd]);
}
// An iovec array of 1-4 entries at guest address `iov`, the i-th buffer at
// first + i * stride unless an invalid one is drawn; printed as an argument.
static int iov_args(long iov, long first, long stride) {
  struct iovec v[4];
  int cnt = 1 + rn(4);
  for (int i = 0; i < cnt; i++) {
    long len = pct(70) ? (long)rn(300) : PICK(((const long[]){0, 4096, -1, 1L << 40}));
    long base = first + i * stride;
    if (pct(15)) base = PICK(((const long[]){0, (long)ro_page, (long)mm, 0xffff888000000000L}));
    v[i].iov_base = (void*)base;
    v[i].iov_len = len;
    add("%s{%s,%ld}", i ? "" : "[", base == 0 ? "NULL" : base == (long)ro_page ? "ro" : base == (long)mm ? "mm" : in_buf(base, 0) ? "buf" : "kern", len);
  }
  add("]");
  put_addrs(iov, v, sizeof(struct iovec) * cnt);
  return cnt;
}
static void g_read(void) {
  int which = rn(4);  // read, pread64, readv, preadv2
  static const char* names[] = {"read", "pread64", "readv", "preadv2"};
  start(names[which]);
  long fd = a_fd();
  int k = fd >= 0 && fd < MAX_FD ? kind[fd] : K_NONE;
  if (k == K_SIGNALFD || k == K_INOTIFY || k == K_INET || k == K_NETLINK || k == K_PASSED) no_digest = 1;
  long r;
  if (which < 2) {
    long len = pct(50) ? (long)rn(600) : -12345;
    long p = len == -12345 ? 0 : a_ptr(len);
    if (len == -12345) {
      len = 0;
      p = a_ptr(PG);
      len = a_len();
    } else {
      arg("%ld", len);
    }
    long off = 0;
    if (which == 1) off = A_INT(0, 1, 4096, 100000, -1, 1L << 62);
    r = which == 0 ? C(SYS_read, fd, p, len, 0, 0, 0) : C(SYS_pread64, fd, p, len, off, 0, 0);
  } else {
    long iov = a_ptr(4 * 16);
    int cnt = iov_args(iov, (long)buf + BUF_LEN / 2, 512);
    long n = A_INT(cnt, cnt, cnt, 0, -1, 1025, 1024);
    if (which == 2) {
      r = C(SYS_readv, fd, iov, n, 0, 0, 0);
    } else {
      long off = A_INT(0, -1, 4096, -2);
      long fl = A_INT(0, RWF_NOWAIT, RWF_HIPRI, 0x100, RWF_APPEND);
      r = C(SYS_preadv2, fd, iov, n, off, 0, fl);
    }
  }
  result(r);
}
static void g_write(void) {
  int which = rn(4);
  static const char* names[] = {"write", "pwrite64", "writev", "pwritev2"};
  start(names[which]);
  long fd = a_fd();
  long r;
  if (which < 2) {
    long p = a_ptr(PG);
    long len = pct(60) ? (long)rn(600) : 0;
    if (len) arg("%ld", len); else len = a_len();
    long off = 0;
    if (which == 1) off = A_INT(0, 1, 4096, 100000, -1, 1L << 62);
    r = which == 0 ? C(SYS_write, fd, p, len, 0, 0, 0) : C(SYS_pwrite64, fd, p, len, off, 0, 0);
  } else {
    long iov = a_ptr(4 * 16);
    int cnt = iov_args(iov, (long)buf, 700);
    long n = A_INT(cnt, cnt, cnt, 0, -1, 1025);
    if (which == 2) {
      r = C(SYS_writev, fd, iov, n, 0, 0, 0);
    } else {
      long off = A_INT(0, -1, 4096, -2);
      long fl = A_INT(0, RWF_DSYNC, RWF_APPEND, 0x100, RWF_NOWAIT);
      r = C(SYS_pwritev2, fd, iov, n, off, 0, fl);
    }
  }
  result(r);
}
static void g_lseek(void) {
  start("lseek");
  long fd = a_fd();
  long off = A_INT(0, 1, 100, 4096, -1, -4096, 1L << 40, 0x7fffffffffffffffL, (long)0x8000000000000000UL);
  long wh = A_INT(SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE, 5, -1);
  result(C(SYS_lseek, fd, off, wh, 0, 0, 0));
}
static void g_truncate(void) {
  int f = pct(60);
  start(f ? "ftruncate" : "truncate");
  long target = f ? a_fd() : a_path_rw();
  long len = A_INT(0, 1, 4095, 4096, 100000, -1, 1L << 62, 1L << 40);
  result(f ? C(SYS_ftruncate, target, len, 0, 0, 0, 0) : C(SYS_truncate, target, len, 0, 0, 0, 0));
}
static void g_fallocate(void) {
  start("fallocate");
  long fd = a_fd();
  long mode = A_INT(0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE,
                    FALLOC_FL_ZERO_RANGE, 0x100);
  long off = A_INT(0, 4096, -1, 1L << 62);
  long len = A_INT(1, 4096, 100000, 0, -1);
  result(C(SYS_fallocate, fd, mode, off, len, 0, 0));
}
static void g_fsync(void) {
  int w = rn(4);
  static const char* names[] = {"fsync", "fdatasync", "sync_file_range", "fadvise64"};
  start(names[w]);
  long fd = a_fd(), r;
  if (w < 2) {
    r = C(w ? SYS_fdatasync : SYS_fsync, fd, 0, 0, 0, 0, 0);
  } else {
    long off = A_INT(0, 4096, -1);
    long len = A_INT(0, 4096, -1);
    long fl = w == 2 ? A_INT(0, 1, 2, 4, 7, 8) : A_INT(0, 1, 2, 3, 4, 5, 6, 99);
    r = C(w == 2 ? SYS_sync_file_range : SYS_fadvise64, fd, off, len, fl, 0, 0);
  }
  result(r);
}
// stat results: only what is the same in any two runs.
static void show_stat(long p) {
  if (!in_buf(p, sizeof(struct stat))) return;
  struct stat* st = (struct stat*)p;
  add(" {mode=%o nlink=%lu size=%ld uid=%u gid=%u rdev=%lx}", st->st_mode, (unsigned long)st->st_nlink,
      (long)st->st_size, st->st_uid, st->st_gid, (unsigned long)st->st_rdev);
}
static void g_stat(void) {
  int w = rn(4);
  static const char* names[] = {"fstat", "newfstatat", "statx", "statfs"};
  start(names[w]);
  no_digest = 1;
  long r, p;
  if (w == 0) {
    long fd = a_fd();
    p = a_ptr(sizeof(struct stat));
    r = C(SYS_fstat, fd, p, 0, 0, 0, 0);
    result(r);
    if (!failed(r)) show_stat(p);
  } else if (w == 1) {
    long dfd = pct(10) ? a_fd() : a_dirfd();
    long path = pct(10) ? (arg("\"\""), (long)"") : a_path_ro();
    p = a_ptr(sizeof(struct stat));
    long fl = A_INT(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, 0x1, 0x10000);
    r = C(SYS_newfstatat, dfd, path, p, fl, 0, 0);
    result(r);
    if (!failed(r)) show_stat(p);
  } else if (w == 2) {
    long dfd = a_dirfd();
    long path = a_path_ro();
    long fl = A_INT(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_STATX_FORCE_SYNC, 0x6000, 0x1);
    long mask = A_INT(STATX_BASIC_STATS, STATX_TYPE | STATX_SIZE, 0, STATX__RESERVED, 0xfff);
    p = a_ptr(sizeof(struct statx));
    r = C(SYS_statx, dfd, path, fl, mask, p, 0);
    result(r);
    if (!failed(r) && in_buf(p, sizeof(struct statx))) {
      struct statx* sx = (struct statx*)p;
      add(" {mode=%o size=%llu nlink=%u}", sx->stx_mode, (unsigned long long)((sx->stx_mask & STATX_SIZE) ? sx->stx_size : 0),
          (sx->stx_mask & STATX_NLINK) ? sx->stx_nlink : 0);
    }
  } else {
    long path = a_path_ro();
    p = a_ptr(120);
    r = C(SYS_statfs, path, p, 0, 0, 0, 0);
    result(r);
  }
}
static void g_access(void) {
  start("faccessat2");
  long dfd = a_dirfd();
  long path = a_path_ro();
  long mode = A_INT(F_OK, R_OK, W_OK, X_OK, R_OK | W_OK, 8, -1);
  long fl = A_INT(0, AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, 0x1);
  result(C(SYS_faccessat2, dfd, path, mode, fl, 0, 0));
}
static void g_mkdir_etc(void) {
  int w = rn(9);
  static const char* names[] = {"mkdirat", "unlinkat", "renameat2", "linkat", "symlinkat",
                                "readlinkat", "fchmodat", "fchownat", "mknodat"};
  start(names[w]);
  long r = 0;
  switch (w) {
    case 0: {
      long d = a_dirfd(), p = a_path_rw(), m = A_INT(0755, 0700, 0, 07777);
      r = C(SYS_mkdirat, d, p, m, 0, 0, 0);
      break;
    }
    case 1: {
      long d = a_dirfd(), p = a_path_rw(), f = A_INT(0, AT_REMOVEDIR, 1);
      r = C(SYS_unlinkat, d, p, f, 0, 0, 0);
      break;
    }
    case 2: {
      long d1 = a_dirfd(), p1 = a_path_rw(), d2 = a_dirfd(), p2 = a_path_rw();
      long f = A_INT(0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_NOREPLACE | RENAME_EXCHANGE, 8);
      r = C(SYS_renameat2, d1, p1, d2, p2, f, 0);
      break;
    }
    case 3: {
      long d1 = a_dirfd(), p1 = a_path_rw(), d2 = a_dirfd(), p2 = a_path_rw();
      long f = A_INT(0, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH, 1);
      r = C(SYS_linkat, d1, p1, d2, p2, f, 0);
      break;
    }
    case 4: {  // targets: names inside the directory only (a chmod through it stays there)
      static const char* const targets[] = {"f0", "d0", "nonexist", "s1", "s0", "d0/f3", ""};
      const char* t = PICK(targets);
      long tp = (long)t;
      if (pct(10)) tp = a_ptr_name(64); else arg("\"%s\"", t);
      long d = a_dirfd(), p = a_path_rw();
      r = C(SYS_symlinkat, tp, d, p, 0, 0, 0);
      break;
    }
    case 5: {
      long d = a_dirfd(), p = a_path_ro(), b = a_ptr(64), l = A_INT(64, 1, 0, -1, 4096);
      r = C(SYS_readlinkat, d, p, b, l, 0, 0);
      break;
    }
    case 6: {
      long d = a_dirfd(), p = a_path_rw(), m = A_INT(0644, 0, 07777, 0600, 04755);
      long f = A_INT(0, 0, AT_SYMLINK_NOFOLLOW, 1);
      r = C(SYS_fchmodat, d, p, m, f, 0, 0);
      break;
    }
    case 7: {
      long d = a_dirfd(), p = a_path_rw(), u = A_INT(-1, 0, 12345), g = A_INT(-1, 0, 54321);
      long f = A_INT(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, 1);
      r = C(SYS_fchownat, d, p, u, g, f, 0);
      break;
    }
    case 8: {
      // Device nodes are left out: docs/syscalls.md (mknod) — the container
      // has no CAP_MKNOD, while the native run as root may make them.
      long d = a_dirfd(), p = a_path_rw();
      long m = A_INT(S_IFREG | 0644, S_IFSOCK | 0600, 0644, S_IFDIR | 0755, 0170000 | 0644);
      r = C(SYS_mknodat, d, p, m, 0, 0, 0);
      break;
    }
  }
  result(r);
}
static void g_fchmod(void) {
  int w = rn(3);
  start(w == 0 ? "fchmod" : w == 1 ? "fchown" : "utimensat");
  long fd = a_fd(), r;
  if (w == 0) {
    long m = A_INT(0644, 0, 07777, 0600);
    r = C(SYS_fchmod, fd, m, 0, 0, 0, 0);
  } else if (w == 1) {
    long u = A_INT(-1, 0, 12345), g = A_INT(-1, 0);
    r = C(SYS_fchown, fd, u, g, 0, 0, 0);
  } else {
    long path = pct(50) ? (arg("NULL"), 0L) : a_path_rw();
    struct timespec ts[2] = {{0, UTIME_NOW}, {1000, 5}};
    if (pct(30)) ts[0].tv_nsec = PICK(((const long[]){UTIME_OMIT, 1000000000L, -1, 0}));
    long tp = pct(20) ? (arg("NULL"), 0L) : a_ptr(sizeof(ts));
    put(tp, ts, sizeof(ts));
    long f = A_INT(0, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, 1);
    r = C(SYS_utimensat, fd, path, tp, f, 0, 0);
  }
  result(r);
}
static void g_getdents(void) {
  start("getdents64");
  no_digest = 1;  // d_ino and d_off differ between runs
  long fd = a_fd_kind(K_DIR);
  long p = a_ptr(PG);
  long len = A_INT(PG, 32, 24, 0, 100, -1, BUF_LEN);
  long r = C(SYS_getdents64, fd, p, len, 0, 0, 0);
  result(r);
  if (r > 0 && in_buf(p, r)) {  // names, order-independent
    uint32_t h = 0;
    int n = 0;
    for (long off = 0; off < r;) {
      struct { uint64_t ino; int64_t off; uint16_t reclen; uint8_t type; char name[]; } *d = (void*)(p + off);
      h += fnv(d->name, strlen(d->name)) ^ d->type;
      n++;
      if (!d->reclen) break;
      off += d->reclen;
    }
    add(" n=%d names=%08x", n, h);
  }
}
static void g_cwd(void) {
  int w = rn(4);
  start(w == 0 ? "getcwd" : w == 1 ? "chdir" : w == 2 ? "fchdir" : "umask");
  long r;
  if (w == 0) {
    no_digest = 1;
    long p = a_ptr(256), len = A_INT(256, 0, 1, 10, 4096, -1);
    r = C(SYS_getcwd, p, len, 0, 0, 0, 0);
    result_ok(r);
    if (!failed(r) && in_buf(p, 1)) {
      const char* s = strstr((char*)p, "/jfuzz.");
      add(" \"%s\"", s && strchr(s + 1, '/') ? strchr(s + 1, '/') : "");
    }
  } else if (w == 1) {
    static const char* const dirs[] = {"d0", "d0/d1", "nonexist", "f0", "", "s0"};
    long p = (long)PICK(dirs);
    if (pct(10)) p = a_ptr_name(64); else arg("\"%s\"", (char*)p);
    r = C(SYS_chdir, p, 0, 0, 0, 0, 0);
    result(r);
  } else if (w == 2) {
    long fd = pct(30) ? (arg("home"), HOME_FD) : a_fd_kind(K_DIR);
    r = C(SYS_fchdir, fd, 0, 0, 0, 0, 0);
    result(r);
  } else {
    long m = A_INT(022, 0, 077, 0777, 0x10022);
    result(C(SYS_umask, m, 0, 0, 0, 0, 0));
  }
}

// ---- pipes, eventfd, epoll, poll
static void g_pipe(void) {
  start("pipe2");
  long p = a_ptr(8);
  long f = a_flags(O_CLOEXEC | O_DIRECT, O_NONBLOCK);
  long r = C(SYS_pipe2, p, f, 0, 0, 0, 0);
  result(r);
  // Linux may store the first number before the second faults; what a
  // failed call left in memory is no API (docs/syscalls.md, fuzzer section).
  if (failed(r)) no_digest = 1;
  if (!failed(r) && in_buf(p, 8)) {
    track(((int*)p)[0], K_PIPE_R);
    track(((int*)p)[1], K_PIPE_W);
  }
}
static void g_eventfd(void) {
  start("eventfd2");
  long v = A_INT(0, 1, 5, 0xffffffff);
  long f = a_flags(EFD_CLOEXEC | EFD_SEMAPHORE, EFD_NONBLOCK);
  long r = C(SYS_eventfd2, v, f, 0, 0, 0, 0);
  result(r);
  if (!failed(r)) track(r, K_EVENTFD);
}
static void g_epoll(void) {
  int w = rn(5);
  long r;
  if (w == 0) {
    start("epoll_create1");
    long f = A_INT(0, EPOLL_CLOEXEC, 1);
    r = C(SYS_epoll_create1, f, 0, 0, 0, 0, 0);
    result(r);
    if (!failed(r)) track(r, K_EPOLL);
  } else if (w <= 2) {
    start("epoll_ctl");
    long ep = a_fd_kind(K_EPOLL);
    long op = A_INT(EPOLL_CTL_ADD, EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 4);
    long fd = a_fd();
    long ev = a_ptr(12);
    struct epoll_event e = {.events = (uint32_t)rnd64() & (EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLERR | EPOLLHUP |
                                                           EPOLLRDHUP | EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE),
                            .data.u64 = (uint64_t)fd};
    add("{%#x}", e.events);
    put(ev, &e, sizeof(e));
    r = C(SYS_epoll_ctl, ep, op, fd, ev, 0, 0);
    result(r);
  } else {
    start(w == 3 ? "epoll_wait" : "epoll_pwait2");
    no_digest = 1;
    long ep = a_fd_kind(K_EPOLL);
    long p = a_ptr(12 * 16);
    long max = A_INT(16, 1, 2, 0, -1, 0x7fffffff);
    if (w == 3) {
      r = C(SYS_epoll_wait, ep, p, max, 0, 0, 0);
    } else {
      long to = a_timeout();
      uint64_t mask = rnd64() & ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1)));
      long mp = pct(50) ? (arg("NULL"), 0L) : a_ptr(8);
      put(mp, &mask, 8);
      long sz = A_INT(8, 8, 4);
      r = C(SYS_epoll_pwait2, ep, p, max, to, mp, sz);
    }
    result(r);
    if (r > 0 && in_buf(p, r * 12)) {  // events, sorted by descriptor (readiness order is not part of the API)
      struct epoll_event* e = (void*)p;
      for (long i = 0; i < r; i++)
        for (long j = i + 1; j < r; j++)
          if (e[j].data.u64 < e[i].data.u64) { struct epoll_event t = e[i]; e[i] = e[j]; e[j] = t; }
      for (long i = 0; i < r; i++) add(" %lu:%#x", (unsigned long)e[i].data.u64, e[i].events);
    }
  }
}
static void g_poll(void) {
  int w = rn(3);
  start(w == 0 ? "poll" : w == 1 ? "ppoll" : "pselect6");
  long r;
  if (w < 2) {
    int n = rn(6);
    long p = a_ptr(8 * 6);
    struct pollfd fds[6];
    add("[");
    for (int i = 0; i < n; i++) {
      fds[i].fd = pct(85) ? live_fd(K_NONE) : (int)PICK(((const long[]){-1, 200, 1 << 20}));
      fds[i].events = (short)(rnd64() & (POLLIN | POLLOUT | POLLPRI | POLLRDHUP | POLLERR | POLLHUP));
      fds[i].revents = 0x5a5a;
      add("%s%d:%#x", i ? " " : "", fds[i].fd, fds[i].events);
    }
    add("]");
    put(p, fds, 8L * n);
    long nfds = A_INT(n, n, n, n + 1, -1, 1 << 20);
    if (w == 0) {
      r = C(SYS_poll, p, nfds, 0, 0, 0, 0);
    } else {
      long to = a_timeout();
      long mp = pct(70) ? (arg("NULL"), 0L) : a_ptr(8);
      long sz = A_INT(8, 8, 16);
      r = C(SYS_ppoll, p, nfds, to, mp, sz, 0);
    }
  } else {
    long nfds = A_INT(64, 0, 3, 128, -1, 1025, 1 << 20);
    long sets[3];
    for (int i = 0; i < 3; i++) {
      if (pct(25)) { arg("NULL"); sets[i] = 0; continue; }
      sets[i] = a_ptr(128);
      uint64_t bits[2] = {rnd64() & ~7UL, 0};
      put(sets[i], bits, 16);
    }
    long to = a_timeout();
    r = C(SYS_pselect6, nfds, sets[0], sets[1], sets[2], to, 0);
  }
  result(r);
}

// ---- sockets
static void g_socket(void) {
  int w = rn(2);
  start(w ? "socketpair" : "socket");
  long dom = A_INT(AF_UNIX, AF_UNIX, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, 12345, AF_PACKET);
  long type = A_INT(SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, 9, 0) | SOCK_NONBLOCK;
  if (pct(30)) type |= SOCK_CLOEXEC;
  long proto = A_INT(0, 0, 0, 1, 17, -1);
  long r;
  if (w) {
    long p = a_ptr(8);
    r = C(SYS_socketpair, dom, type, proto, p, 0, 0);
    result(r);
    // Linux stores the two numbers before the protocol's socketpair can
    // fail (EOPNOTSUPP); what a failed call left in memory is no API.
    if (failed(r)) no_digest = 1;
    if (!failed(r) && in_buf(p, 8)) {
      track(((int*)p)[0], K_UNIX);
      track(((int*)p)[1], K_UNIX);
    }
  } else {
    r = C(SYS_socket, dom, type, proto, 0, 0, 0);
    result(r);
    if (!failed(r)) track(r, dom == AF_UNIX ? K_UNIX : dom == AF_NETLINK ? K_NETLINK : K_INET);
  }
}
// An address: a unix path in the private directory, or loopback port 0.
static long a_sockaddr(long* len) {
  long p = a_ptr_name(110);
  int r = rn(10);
  if (r < 6) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, PICK(((const char* const[]){"u0", "u1", "f0", "nonexist/u", "d0"})));
    add("{unix,\"%s\"}", a.sun_path);
    put(p, &a, sizeof(a));
    *len = PICK(((const long[]){sizeof(a), 2 + strlen(a.sun_path) + 1, 2 + strlen(a.sun_path), 2, 1, 111, -1}));
  } else if (r < 8) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    add("{inet,127.0.0.1:0}");
    put(p, &a, sizeof(a));
    *len = PICK(((const long[]){sizeof(a), 8, 0}));
  } else {
    add("{junk}");
    *len = PICK(((const long[]){16, 0, 200, -1}));
  }
  arg("%ld", *len);
  return p;
}
static void g_sockcall(void) {
  int w = rn(10);
  static const char* names[] = {"bind", "listen", "connect", "accept4", "shutdown", "getsockname",
                                "getpeername", "getsockopt", "setsockopt", "socket"};
  if (w == 9) return g_socket();
  start(names[w]);
  long fd = a_fd_kind(pct(80) ? K_UNIX : K_INET), r, len;
  int k = fd >= 0 && fd < MAX_FD ? kind[fd] : K_NONE;
  switch (w) {
    case 0: {
      long a = a_sockaddr(&len);
      r = C(SYS_bind, fd, a, len, 0, 0, 0);
      break;
    }
    case 1: {
      long bl = A_INT(0, 1, 5, -1, 0x7fffffff);
      r = C(SYS_listen, fd, bl, 0, 0, 0, 0);
      break;
    }
    case 2: {
      long a = a_sockaddr(&len);
      r = C(SYS_connect, fd, a, len, 0, 0, 0);
      break;
    }
    case 3: {
      no_digest = 1;  // the peer's name may be autobound (random)
      long a = pct(40) ? (arg("NULL"), 0L) : a_ptr(110);
      long lp = pct(40) ? (arg("NULL"), 0L) : a_ptr(4);
      int l = PICK(((const int[]){110, 0, 2, -1}));
      put(lp, &l, 4);
      long f = a_flags(SOCK_CLOEXEC, SOCK_NONBLOCK);
      r = C(SYS_accept4, fd, a, lp, f, 0, 0);
      result(r);
      if (!failed(r)) track(r, k);
      return;
    }
    case 4: {
      long how = A_INT(SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1);
      r = C(SYS_shutdown, fd, how, 0, 0, 0, 0);
      break;
    }
    case 5:
    case 6: {
      no_digest = 1;  // autobound names are random: printed below
      long a = a_ptr(110);
      long lp = pct(10) ? (arg("NULL"), 0L) : a_ptr(4);
      int l = PICK(((const int[]){110, 0, 2, 4, -1, 16}));
      add("{%d}", l);
      put(lp, &l, 4);
      r = C(w == 5 ? SYS_getsockname : SYS_getpeername, fd, a, lp, 0, 0, 0);
      result(r);
      if (!failed(r) && in_buf(lp, 4) && in_buf(a, 110)) {
        struct sockaddr_un* u = (void*)a;
        int n = *(int*)lp;
        add(" len=%d family=%d", n, u->sun_family);
        if (u->sun_family == AF_UNIX && n > 2 && k == K_UNIX)
          add(u->sun_path[0] ? " path=%08x" : " abstract", fnv(u->sun_path, strnlen(u->sun_path, n - 2 < 108 ? n - 2 : 108)));
      }
      return;
    }
    default: {
      long lvl = A_INT(SOL_SOCKET, SOL_SOCKET, SOL_SOCKET, IPPROTO_TCP, 9999, -1);
      long opt = A_INT(SO_TYPE, SO_DOMAIN, SO_ERROR, SO_PASSCRED, SO_ACCEPTCONN, SO_REUSEADDR, SO_KEEPALIVE,
                       SO_LINGER, SO_RCVLOWAT, SO_PROTOCOL, SO_SNDBUF, 9999, -1);
      if (w == 7 && opt == SO_SNDBUF) no_digest = 1;  // host tuning
      long v = a_ptr(16);
      int iv[4] = {(int)PICK(((const long[]){0, 1, 4096, -1})), 0, 0, 0};
      put(v, iv, 16);
      if (w == 7) {
        if (opt == SO_SNDBUF) no_digest = 1;  // host tuning
        long lp = pct(10) ? (arg("NULL"), 0L) : a_ptr(4);
        int l = PICK(((const int[]){4, 0, 2, 8, -1, 16}));
        add("{%d}", l);
        put(lp, &l, 4);
        r = C(SYS_getsockopt, fd, lvl, opt, v, lp, 0);
      } else {
        long l = A_INT(4, 0, 2, 8, -1, 16);
        r = C(SYS_setsockopt, fd, lvl, opt, v, l, 0);
      }
    }
  }
  result(r);
}
static void g_sendrecv(void) {
  int w = rn(4);
  static const char* names[] = {"sendto", "recvfrom", "sendmsg", "recvmsg"};
  start(names[w]);
  long fd = a_fd_kind(K_UNIX), r;
  int k = fd >= 0 && fd < MAX_FD ? kind[fd] : K_NONE;
  if (k == K_INET || k == K_NETLINK || k == K_PASSED) no_digest = 1;
  long fl = a_flags(MSG_PEEK | MSG_TRUNC | MSG_OOB | MSG_WAITALL | MSG_CMSG_CLOEXEC | MSG_EOR,
                    MSG_DONTWAIT | MSG_NOSIGNAL);
  if (w < 2) {
    long p = a_ptr(PG);
    long len = pct(70) ? (long)rn(500) : -7;
    if (len == -7) len = a_len(); else arg("%ld", len);
    long a = 0, al = 0;
    if (w == 0 && pct(30)) a = a_sockaddr(&al); else if (w == 0) arg("NULL, 0");
    long alp = 0;
    if (w == 1) {
      if (pct(50)) no_digest = 1;  // the sender's name may be autobound (random): data digested alone
      a = !no_digest ? (arg("NULL"), 0L) : a_ptr(110);
      alp = pct(50) ? (arg("NULL"), 0L) : a_ptr(4);
      int l = PICK(((const int[]){110, 0, 2, -1}));
      put(alp, &l, 4);
    }
    r = w == 0 ? C(SYS_sendto, fd, p, len, fl, a, al) : C(SYS_recvfrom, fd, p, len, fl, a, alp);
    if (w == 1 && a && r > 0 && in_buf(p, r) && k != K_INET && k != K_NETLINK && k != K_PASSED) {
      result(r);
      add(" data=%08x", fnv((void*)p, r));
      return;
    }
  } else {
    long mp = a_ptr(sizeof(struct msghdr));
    struct iovec* v = (struct iovec*)(buf + BUF_LEN / 2);
    v[0].iov_base = buf + 1024;
    v[0].iov_len = rn(300);
    v[1].iov_base = pct(10) ? (void*)ro_page : buf + 2048;
    v[1].iov_len = rn(300);
    struct msghdr m = {.msg_iov = v, .msg_iovlen = 1 + rn(2)};
    if (pct(20)) m.msg_iovlen = PICK(((const long[]){0, 1025, -1}));
    if (pct(20)) {  // SCM_RIGHTS with one of our descriptors, or junk
      struct cmsghdr* c = (struct cmsghdr*)(buf + 3072);
      c->cmsg_len = PICK(((const long[]){CMSG_LEN(4), CMSG_LEN(4), 0, 4096}));
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = PICK(((const int[]){SCM_RIGHTS, SCM_CREDENTIALS, 99}));
      int cfd = live_fd(K_NONE);
      memcpy(CMSG_DATA(c), &cfd, 4);
      m.msg_control = c;
      m.msg_controllen = PICK(((const long[]){CMSG_SPACE(4), 0, 4, 1 << 20}));
      add("{iovlen=%ld ctl=%ld/%ld type=%d}", (long)m.msg_iovlen, (long)c->cmsg_len, (long)m.msg_controllen,
          c->cmsg_type);
    } else {
      add("{iovlen=%ld}", (long)m.msg_iovlen);
      if (w == 3) { m.msg_control = buf + 3072; m.msg_controllen = 64; }
    }
    put_addrs(mp, &m, sizeof(m));
    put_addrs((long)v, v, 2 * sizeof(*v));
    r = C(w == 2 ? SYS_sendmsg : SYS_recvmsg, fd, mp, fl, 0, 0, 0);
    if (w == 3 && !failed(r) && in_buf(mp, sizeof(m))) {  // received descriptors: track them, digest not their numbers' history
      struct msghdr* mm2 = (struct msghdr*)mp;
      add(" flags=%#x ctl=%ld", mm2->msg_flags, (long)mm2->msg_controllen);
      for (struct cmsghdr* c = CMSG_FIRSTHDR(mm2); c && in_buf((long)c, sizeof(*c)); c = CMSG_NXTHDR(mm2, c)) {
        add(" cmsg=%d/%d", c->cmsg_level, c->cmsg_type);
        if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(4)) {
          int nfd;
          memcpy(&nfd, CMSG_DATA(c), 4);
          track(nfd, K_PASSED);
        }
        if (c->cmsg_type == SCM_CREDENTIALS) no_digest = 1;  // pid
      }
    }
  }
  result(r);
}

// ---- memory
static long brk0;
static void show_addr(long r) {
  if (failed(r)) return result(r);
  if (r >= (long)area && r < AREA_END) { add(") = area+%#lx", r - (long)area); return; }
  add(") = elsewhere");
}
// An address in the mm region (mostly page-aligned) and a length that keeps
// the range inside the area, or a bad one that maps nothing.
static long a_mm_addr(long* room) {
  int r = rn(20);
  if (r < 16) {
    long off = rn(MM_PAGES) * PG;
    if (r == 15) off += 1 + rn(PG - 1);
    arg("mm+%#lx", off);
    *room = AREA_END - ((long)mm + off);
    return (long)mm + off;
  }
  *room = 16 * PG;
  static const long bad[] = {0xffff888000000000L, 0x7ffffffff000L, (long)0x8000000000000000UL, 0x1001};
  long p = PICK(bad);
  arg("%#lx", p);
  return p;
}
static long a_mm_len(long room) {
  long l;
  switch (rn(10)) {
    default: l = (1 + rn(room / PG > 8 ? 8 : (room / PG ? room / PG : 1))) * PG; break;
    case 7: l = 1 + rn(room > 1 ? room - 1 : 1); break;
    case 8: l = 0; break;
    // Lengths that wrap: one that only runs past the area would let
    // mprotect and madvise change the mappings they pass before failing.
    case 9: l = PICK(((const long[]){-PG, -1, -16 * PG})); break;
  }
  if (l > room) l = room;
  arg("%#lx", l);
  return l;
}
static void drop_elsewhere(long r, long len) {
  if (!failed(r) && (r < (long)area || r >= AREA_END)) C(SYS_munmap, r, len, 0, 0, 0, 0);
}
static void g_mmap(void) {
  start("mmap");
  no_digest = 1;
  long room, addr;
  int hint = rn(10);
  if (hint < 7) addr = a_mm_addr(&room);
  else { arg("NULL"); addr = 0; room = 1L << 30; }
  long len = a_mm_len(room);
  long prot = a_flags(PROT_READ | PROT_WRITE | PROT_EXEC, 0);
  long flags = PICK(((const long[]){MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS,
                                    MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, 0, MAP_PRIVATE | MAP_SHARED}));
  if (addr && pct(70)) flags |= pct(80) ? MAP_FIXED : MAP_FIXED_NOREPLACE;  // never at NULL: root may map page 0
  if (pct(10)) flags |= PICK(((const long[]){MAP_POPULATE, MAP_NORESERVE, MAP_GROWSDOWN, MAP_LOCKED, MAP_32BIT,
                                             MAP_STACK, 0x800000 /* MAP_SYNC */, 0x8000000}));
  if (!addr) flags &= ~(MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (!addr && len > (1L << 46)) len = 1L << 30;
  arg("%#lx", flags);
  long fd = (flags & MAP_ANONYMOUS) && pct(80) ? (arg("-1"), -1L) : a_fd_kind(K_FILE);
  long off = A_INT(0, 0, PG, 2 * PG, 1, -PG, 1L << 50);
  long r = C(SYS_mmap, addr, len, prot, flags, fd, off);
  show_addr(r);
  drop_elsewhere(r, len);
}
static void g_munmap_etc(void) {
  int w = rn(5);
  static const char* names[] = {"munmap", "mprotect", "madvise", "msync", "mincore"};
  start(names[w]);
  no_digest = 1;
  long room, addr = a_mm_addr(&room);
  long len = a_mm_len(room);
  long r;
  if (w == 0) r = C(SYS_munmap, addr, len, 0, 0, 0, 0);
  else if (w == 1) r = C(SYS_mprotect, addr, len, a_flags(PROT_READ | PROT_WRITE | PROT_EXEC, 0) | (pct(3) ? PROT_GROWSDOWN : 0), 0, 0, 0);
  else if (w == 2)
    // Not MADV_HWPOISON/SOFT_OFFLINE: as root natively they poison real pages.
    r = C(SYS_madvise, addr, len, A_INT(MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
                                         MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE,
                                         MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_COLD, MADV_PAGEOUT,
                                         22 /* POPULATE_READ */, 23 /* POPULATE_WRITE */, 12345, -1), 0, 0, 0);
  else if (w == 3) r = C(SYS_msync, addr, len, A_INT(MS_ASYNC, MS_SYNC, MS_INVALIDATE, MS_ASYNC | MS_SYNC, 8), 0, 0, 0);
  else {  // residency is the host's business: only the result
    long p = a_ptr(64);
    r = C(SYS_mincore, addr, len, p, 0, 0, 0);
  }
  result(r);
}
static void g_mremap(void) {
  start("mremap");
  no_digest = 1;
  long room, addr = a_mm_addr(&room);
  long olen = pct(10) ? (arg("0"), 0L) : a_mm_len(room);
  long nlen = a_mm_len(room);
  long flags = a_flags(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, 0);
  long naddr = 0;
  if (flags & MREMAP_FIXED) {
    long nroom;
    naddr = a_mm_addr(&nroom);
    if (nlen > nroom) nlen = nroom;
  } else {
    arg("0");
  }
  long r = C(SYS_mremap, addr, olen, nlen, flags, naddr, 0);
  show_addr(r);
  drop_elsewhere(r, nlen);
}
static void g_brk(void) {
  start("brk");
  static const long deltas[] = {0, PG, 16 * PG, 100 * PG, 1 << 20, 12345, -PG, -(1L << 30)};
  long a;
  switch (rn(5)) {
    case 0: a = 0; arg("0"); break;
    case 1: a = -1; arg("-1"); break;
    case 2: a = 0xffff888000000000L; arg("kern"); break;
    default: {
      long d = PICK(deltas);
      a = brk0 + d;
      arg("brk0%+ld", d);
    }
  }
  long r = C(SYS_brk, a, 0, 0, 0, 0, 0);
  add(") = brk0%+ld", r - brk0);
}
// Which pages of the mm region read and write, and a digest of what they hold.
static void g_probe(void) {
  start("probe_mm");
  add(") = ");
  uint64_t unblock = (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)), old;
  C(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, &old, 8, 0, 0);
  uint32_t h = 0;
  probing = 1;
  for (int i = 0; i < MM_PAGES; i++) {
    volatile uint8_t* p = mm + i * PG;
    char c = '-';
    int s = sigsetjmp(probe_jmp, 1);
    if (s == 0) {
      uint8_t v = p[0] ^ p[PG - 1];
      h = (h * 31) ^ v ^ fnv((const void*)p, 64);
      c = 'r';
      s = sigsetjmp(probe_jmp, 1);
      if (s == 0) {
        p[7] = p[7];
        c = 'w';
      }
    } else if (s == SIGBUS) {
      c = 'b';
    }
    add("%c", c);
  }
  probing = 0;
  add(" %08x", h);
  C(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8, 0, 0);
}

// ---- signals
// A signal to send (handled or ignored ones only), or with `any` one to
// change the action of (SIGKILL and SIGSTOP only fail).
static long a_sig_for(int any) {
  static const long sigs[] = {SIGUSR1, SIGUSR2, 35, SIGCHLD, SIGURG, SIGWINCH, 0};
  static const long bad[] = {65, -1, 1000, SIGKILL, SIGSTOP};
  long s = pct(85) ? PICK(sigs) : bad[rn(any ? 5 : 3)];
  arg("%ld", s);
  return s;
}
static long a_sig(void) { return a_sig_for(0); }
static int default_ignored(long s) { return s == SIGCHLD || s == SIGURG || s == SIGWINCH; }
static void g_sigaction(void) {
  start("rt_sigaction");
  no_digest = 1;  // the old handler's address
  long sig = a_sig_for(1);
  struct { long handler, flags, restorer; uint64_t mask; } act;
  // Readable memory the fuzzer does not fill (mm, ro, a struct running out
  // of the buffer) would install a garbage handler: the struct is either
  // all in the buffer or not readable at all.
  long ap;
  switch (rn(8)) {
    default: ap = (long)buf + (rn(BUF_LEN / 64) * 32); arg("buf+%#lx", ap - (long)buf); break;
    case 0: ap = 0; arg("NULL"); break;
    case 1: ap = (long)area + P_GUARD * PG; arg("guard"); break;
    case 2: ap = 0xffff888000000000L; arg("kern"); break;
    case 3: ap = (long)zero_page + PG - 8; arg("zero+%ld", PG - 8); break;  // runs into a guard
  }
  int h = rn(3);
  if (h == 2 && !default_ignored(sig)) h = 0;  // SIG_DFL would end the run on the next one
  act.handler = h == 0 ? (long)on_signal : h == 1 ? (long)SIG_IGN : (long)SIG_DFL;
  act.flags = SA_RESTORER | (SA_SIGINFO | (rnd64() & (SA_RESTART | SA_NODEFER | SA_NOCLDSTOP)));
  act.restorer = restorer;
  act.mask = rnd64() & 0xffffffffffff;
  add("{%s,%#lx}", h == 0 ? "handler" : h == 1 ? "IGN" : "DFL", act.flags & ~SA_RESTORER);
  put_addrs(ap, &act, sizeof(act));
  long op = pct(20) ? a_ptr(sizeof(act)) : (arg("old"), (long)zero_page);
  long sz = A_INT(8, 8, 8, 4, 16);
  long r = C(SYS_rt_sigaction, sig, ap, op, sz, 0, 0);
  result(r);
  if (!failed(r) && op == (long)zero_page) {
    long oh = *(long*)zero_page;
    add(" old=%s", oh == 0 ? "DFL" : oh == 1 ? "IGN" : oh == (long)on_signal ? "handler" : "?");
  }
}
static void g_sigmask(void) {
  int w = rn(4);
  static const char* names[] = {"rt_sigprocmask", "rt_sigpending", "rt_sigtimedwait", "sigaltstack"};
  start(names[w]);
  long r;
  if (w == 0) {
    long how = A_INT(SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK, 3, -1);
    long sp = pct(15) ? (arg("NULL"), 0L) : a_ptr(8);
    uint64_t m = 0;
    for (unsigned i = 0; i < 6; i++)
      if (pct(40)) m |= 1UL << (handled[i] - 1);
    if (pct(10)) m |= rnd64();
    put(sp, &m, 8);
    long op = pct(30) ? (arg("NULL"), 0L) : a_ptr(8);
    long sz = A_INT(8, 8, 8, 4, 16);
    r = C(SYS_rt_sigprocmask, how, sp, op, sz, 0, 0);
  } else if (w == 1) {
    long p = a_ptr(8), sz = A_INT(8, 8, 4, 16, 7);
    r = C(SYS_rt_sigpending, p, sz, 0, 0, 0, 0);
  } else if (w == 2) {
    no_digest = 1;  // si_pid, si_uid
    long sp = a_ptr(8);
    uint64_t m = rnd64();
    put(sp, &m, 8);
    long ip = pct(30) ? (arg("NULL"), 0L) : a_ptr(128);
    long to = a_timeout();
    long sz = A_INT(8, 8, 4);
    r = C(SYS_rt_sigtimedwait, sp, ip, to, sz, 0, 0);
    result(r);
    if (r > 0 && in_buf(ip, 128)) add(" code=%d", ((siginfo_t*)ip)->si_code);
    return;
  } else {
    no_digest = 1;  // the old stack's address
    static uint8_t altstack[65536];
    long sp = pct(20) ? (arg("NULL"), 0L) : a_ptr(24);
    stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof(altstack)};
    ss.ss_flags = PICK(((const int[]){0, 0, SS_DISABLE, SS_AUTODISARM, SS_ONSTACK, 0x10}));
    ss.ss_size = PICK(((const size_t[]){sizeof(altstack), 1024, 0, 8192}));
    add("{%#x,%zu}", ss.ss_flags, ss.ss_size);
    put(sp, &ss, sizeof(ss));
    long op = pct(20) ? a_ptr(24) : (arg("old"), (long)zero_page + 64);
    r = C(SYS_sigaltstack, sp, op, 0, 0, 0, 0);
    result(r);
    if (!failed(r) && op == (long)zero_page + 64) {
      stack_t* o = (stack_t*)op;
      add(" old={%#x,%zu}", o->ss_flags, o->ss_size);
    }
    return;
  }
  result(r);
}
static void g_kill(void) {
  int w = rn(4);
  static const char* names[] = {"kill", "tgkill", "tkill", "rt_sigqueueinfo"};
  start(names[w]);
  // Only to ourselves: natively pid 0 or -1 would reach the test driver.
  long self = C0(SYS_getpid), tid = C0(SYS_gettid);
  long pid = pct(90) ? (arg("self"), self) : (arg("nopid"), 0x3ffffff0L);
  long r;
  if (w == 0) {
    long s = a_sig();
    r = C(SYS_kill, pid, s, 0, 0, 0, 0);
  } else if (w == 1) {
    long t = pct(90) ? (arg("self"), tid) : (arg("nopid"), 0x3ffffff0L);
    long s = a_sig();
    r = C(SYS_tgkill, pid, t, s, 0, 0, 0);
  } else if (w == 2) {
    long s = a_sig();
    r = C(SYS_tkill, pid == self ? tid : pid, s, 0, 0, 0, 0);
  } else {
    long s = a_sig();
    long ip = a_ptr(128);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = s;
    si.si_code = PICK(((const int[]){SI_QUEUE, SI_QUEUE, SI_TKILL, 0, -60}));
    add("{code=%d}", si.si_code);
    put(ip, &si, sizeof(si));
    r = C(SYS_rt_sigqueueinfo, pid, s, ip, 0, 0, 0);
  }
  result(r);
}
static void g_signalfd(void) {
  start("signalfd4");
  long fd = pct(70) ? (arg("-1"), -1L) : a_fd_kind(K_SIGNALFD);
  long mp = a_ptr(8);
  uint64_t m = rnd64() & ((1UL << (SIGUSR1 - 1)) | (1UL << (SIGUSR2 - 1)) | (1UL << 34) | (1UL << (SIGCHLD - 1)));
  put(mp, &m, 8);
  long sz = A_INT(8, 8, 4, 16);
  long f = a_flags(SFD_CLOEXEC, SFD_NONBLOCK);
  long r = C(SYS_signalfd4, fd, mp, sz, f, 0, 0);
  result(r);
  if (!failed(r) && fd == -1) track(r, K_SIGNALFD);
}

// ---- timers: armed an hour out or disarmed, so none fires during a run
static void put_its(long p) {
  struct itimerspec its = {{0, 0}, {0, 0}};
  int v = rn(6);
  // Far in the future also as an absolute time (TIMER_ABSTIME on
  // CLOCK_MONOTONIC: an hour after boot has passed, the timer would fire).
  if (v == 1 || v == 2) its.it_value.tv_sec = 1L << 33;
  if (v == 2) its.it_interval.tv_sec = 3600;
  if (v == 3) its.it_value.tv_nsec = 1000000000L;
  if (v == 4) its.it_interval.tv_nsec = -1, its.it_value.tv_sec = 1L << 33;
  if (v == 5) its.it_value.tv_sec = -1;
  add("{%d}", v);
  put(p, &its, sizeof(its));
}
static void show_its(long p) {  // the remaining time moves: zero or not
  if (!in_buf(p, sizeof(struct itimerspec)) && !(p >= (long)zero_page && p < (long)zero_page + PG)) return;
  struct itimerspec* its = (void*)p;
  add(" {%ld.%09ld, %s}", (long)its->it_interval.tv_sec, its->it_interval.tv_nsec,
      its->it_value.tv_sec || its->it_value.tv_nsec ? "armed" : "0");
}
static long timer_ids[8];
static int n_timers;
static void g_timer(void) {
  int w = rn(8);
  static const char* names[] = {"timerfd_create", "timerfd_settime", "timerfd_gettime", "timer_create",
                                "timer_settime", "timer_gettime", "timer_delete", "setitimer"};
  start(names[w]);
  no_digest = 1;
  long r;
  if (w == 0) {
    long clk = A_INT(CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, 99, -1, CLOCK_PROCESS_CPUTIME_ID);
    long f = a_flags(TFD_CLOEXEC, TFD_NONBLOCK);
    r = C(SYS_timerfd_create, clk, f, 0, 0, 0, 0);
    result(r);
    if (!failed(r)) track(r, K_TIMERFD);
  } else if (w == 1 || w == 2) {
    long fd = a_fd_kind(K_TIMERFD);
    if (w == 1) {
      long f = A_INT(0, 0, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, 4);
      long np = a_ptr(32);
      put_its(np);
      long op = pct(50) ? (arg("NULL"), 0L) : (arg("old"), (long)zero_page);
      r = C(SYS_timerfd_settime, fd, f, np, op, 0, 0);
      result(r);
      if (!failed(r) && op) show_its(op);
    } else {
      long op = pct(80) ? (arg("cur"), (long)zero_page) : a_ptr(32);
      r = C(SYS_timerfd_gettime, fd, op, 0, 0, 0, 0);
      result(r);
      if (!failed(r)) show_its(op);
    }
  } else if (w == 3) {
    long clk = A_INT(CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, 99);
    long sp = pct(20) ? (arg("NULL"), 0L) : a_ptr(64);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = PICK(((const int[]){SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD_ID, 99}));
    ev.sigev_signo = PICK(((const int[]){SIGUSR1, SIGUSR2, 0, 65}));
    ev._sigev_un._tid = C0(SYS_gettid);
    add("{%d,%d}", ev.sigev_notify, ev.sigev_signo);
    put(sp, &ev, sizeof(ev));
    long idp = pct(90) ? (arg("id"), (long)zero_page) : a_ptr(4);
    r = C(SYS_timer_create, clk, sp, idp, 0, 0, 0);
    result(r);
    // The id is the kernel's choice among free ones: not printed (a
    // deliberate difference would show only in the number, not semantics).
    if (!failed(r) && idp == (long)zero_page && n_timers < 8) timer_ids[n_timers++] = *(int*)zero_page;
  } else if (w >= 4 && w <= 6) {
    long id;
    if (n_timers && pct(85)) { int i = rn(n_timers); id = timer_ids[i]; arg("timer%d", i); }
    else id = A_INT(-1, 9999, 0x7fffffff);
    if (w == 4) {
      long f = A_INT(0, 0, TIMER_ABSTIME, 2);
      long np = a_ptr(32);
      put_its(np);
      long op = pct(50) ? (arg("NULL"), 0L) : (arg("old"), (long)zero_page);
      r = C(SYS_timer_settime, id, f, np, op, 0, 0);
      result(r);
      if (!failed(r) && op) show_its(op);
    } else if (w == 5) {
      long op = pct(80) ? (arg("cur"), (long)zero_page) : a_ptr(32);
      r = C(SYS_timer_gettime, id, op, 0, 0, 0, 0);
      result(r);
      if (!failed(r)) show_its(op);
    } else {
      r = C(SYS_timer_delete, id, 0, 0, 0, 0, 0);
      result(r);
      if (!failed(r))
        for (int i = 0; i < n_timers; i++)
          if (timer_ids[i] == id) timer_ids[i] = timer_ids[--n_timers];
    }
  } else {
    long which = A_INT(ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF, 3, -1);
    long np = pct(15) ? (arg("NULL"), 0L) : a_ptr(32);
    struct itimerval v = {{0, 0}, {0, 0}};
    int k = rn(4);
    if (k == 1) v.it_value.tv_sec = 3600;
    if (k == 2) v.it_value.tv_usec = 1000000;
    if (k == 3) v.it_value.tv_sec = 3600, v.it_interval.tv_sec = 7200;
    add("{%d}", k);
    put(np, &v, sizeof(v));
    long op = pct(50) ? (arg("NULL"), 0L) : (arg("old"), (long)zero_page);
    r = C(SYS_setitimer, which, np, op, 0, 0, 0);
    result(r);
    if (!failed(r) && op) {
      struct itimerval* o = (void*)op;
      add(" {%ld.%06ld, %s}", (long)o->it_interval.tv_sec, (long)o->it_interval.tv_usec,
          o->it_value.tv_sec || o->it_value.tv_usec ? "armed" : "0");
    }
  }
}

// ---- futex: words in the buffer hold the pattern; nothing waits
static void g_futex(void) {
  start("futex");
  long uaddr = pct(85) ? (long)buf + 4 * rn(16) : a_ptr(4);
  if (in_buf(uaddr, 4)) arg("buf+%#lx", uaddr - (long)buf);
  int base = PICK(((const int[]){FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET, FUTEX_REQUEUE,
                                 FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP, 99, FUTEX_WAIT, FUTEX_WAKE}));
  long op = base | (pct(50) ? FUTEX_PRIVATE_FLAG : 0) | (pct(10) ? FUTEX_CLOCK_REALTIME : 0);
  arg("%#lx", op);
  uint32_t cur = in_buf(uaddr, 4) ? *(uint32_t*)uaddr : 0;
  long val = pct(50) ? (arg("cur"), (long)cur) : A_INT(0, 1, -1, 0x7fffffff);
  long a4, uaddr2 = 0, val3 = 0;
  int waits = base == FUTEX_WAIT || base == FUTEX_WAIT_BITSET;
  if (waits) {
    a4 = (val != cur && pct(30)) ? (arg("NULL"), 0L) : a_timeout();  // NULL only when it cannot wait
    if (a4 == 0 && val == cur) a4 = (long)zero_page;
  } else {
    a4 = A_INT(0, 1, 2, -1, 0x7fffffff);
  }
  if (base == FUTEX_REQUEUE || base == FUTEX_CMP_REQUEUE || base == FUTEX_WAKE_OP) {
    uaddr2 = pct(85) ? (long)buf + 64 + 4 * rn(16) : a_ptr(4);
    if (in_buf(uaddr2, 4)) arg("buf+%#lx", uaddr2 - (long)buf);
  } else {
    arg("0");
  }
  if (base == FUTEX_CMP_REQUEUE) val3 = pct(50) ? (arg("cur2"), (long)(in_buf(uaddr2, 4) ? *(uint32_t*)uaddr2 : 0)) : A_INT(0, 5);
  else if (base == FUTEX_WAKE_OP) val3 = A_INT(FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0), FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_GT, 3),
                                              FUTEX_OP(9, 0, 0, 0), FUTEX_OP(FUTEX_OP_OR, 1, 9, 0), (long)0xffffffff);
  else val3 = A_INT(0xffffffff, 1, 0);
  long r = C(SYS_futex, uaddr, op, val, a4, uaddr2, val3);
  result(r);
}

// ---- identity and the rest
static void g_misc(void) {
  int w = rn(16);
  long r;
  switch (w) {
    case 0: {
      start("uname");
      long p = a_ptr(390);
      r = C(SYS_uname, p, 0, 0, 0, 0, 0);
      break;
    }
    case 1: {
      start("getrandom");
      no_digest = 1;
      long p = a_ptr(PG), len = a_len();
      long f = A_INT(0, GRND_NONBLOCK, GRND_RANDOM | GRND_NONBLOCK, GRND_INSECURE, GRND_INSECURE | GRND_RANDOM, 8);
      r = C(SYS_getrandom, p, len, f, 0, 0, 0);
      break;
    }
    case 2:
    case 3: {
      start("prctl");
      // Options the LibOS implements (docs/syscalls.md) and numbers Linux
      // does not know either; the others are a documented difference.
      long opt = A_INT(PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_GET_DUMPABLE,
                       PR_SET_DUMPABLE, PR_GET_NO_NEW_PRIVS, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_READ, 1000, -1);
      long a2;
      if (opt == PR_SET_NAME || opt == PR_GET_NAME || opt == PR_GET_PDEATHSIG) {
        a2 = a_ptr(16);
        if (opt == PR_SET_NAME) put(a2, "fuzz-name-which-is-long", 24);
      } else {
        a2 = A_INT(0, 1, 2, 3, SIGUSR1, 65, -1, CAP_LAST_CAP);
      }
      long a3 = A_INT(0, 0, 0, 1);
      r = C(SYS_prctl, opt, a2, a3, 0, 0, 0);
      break;
    }
    case 4: {
      start("getrlimit");
      long res = A_INT(RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_FSIZE, 16, -1);
      long p = a_ptr(16);
      r = C(SYS_getrlimit, res, p, 0, 0, 0, 0);
      break;
    }
    case 5: {
      start("prlimit64");
      long pid = pct(90) ? (arg("0"), 0L) : (arg("nopid"), 0x3ffffff0L);
      long res = A_INT(RLIMIT_NOFILE, RLIMIT_CORE, 16, -1);
      // The new limits come from the buffer or cannot be read (a zero page
      // read as {0, 0} would leave no descriptors for the rest of the run).
      long np = pct(60) ? (arg("NULL"), 0L) : pct(80) ? (arg("buf+0"), (long)buf) : (arg("guard"), (long)area + P_GUARD * PG);
      struct rlimit rl = {.rlim_cur = PICK(((const long[]){1024, 20000, 0})), .rlim_max = PICK(((const long[]){20000, 10, -1}))};
      add("{%ld,%ld}", (long)rl.rlim_cur, (long)rl.rlim_max);
      if (res == RLIMIT_NOFILE && rl.rlim_cur < 1024) rl.rlim_cur = 1024;  // keep HOME_FD
      if (res == RLIMIT_NOFILE && (long)rl.rlim_max == -1) rl.rlim_max = 20000;  // raising needs nothing special as root
      put(np, &rl, sizeof(rl));
      long op = pct(50) ? (arg("NULL"), 0L) : a_ptr(16);
      r = C(SYS_prlimit64, pid, res, np, op, 0, 0);
      break;
    }
    case 6: {
      int k = rn(6);
      static const char* names[] = {"getuid", "geteuid", "getgid", "getegid", "getresuid", "getgroups"};
      static const long nrs[] = {SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid, SYS_getresuid, SYS_getgroups};
      start(names[k]);
      long a = 0, b = 0, c = 0;
      if (k == 4) { a = a_ptr(4); b = a_ptr(4); c = a_ptr(4); }
      if (k == 5) { a = A_INT(0, 1, 64, -1); b = a_ptr(256); }
      r = C(nrs[k], a, b, c, 0, 0, 0);
      break;
    }
    case 7: {
      start("clock_getres");
      long clk = A_INT(CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_MONOTONIC_COARSE, 99, -1, -6);
      long p = pct(20) ? (arg("NULL"), 0L) : a_ptr(16);
      r = C(SYS_clock_getres, clk, p, 0, 0, 0, 0);
      break;
    }
    case 8: {
      start("clock_gettime");
      no_digest = 1;
      long clk = A_INT(CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID, 99, -1, -6);
      long p = a_ptr(16);
      r = C(SYS_clock_gettime, clk, p, 0, 0, 0, 0);
      break;
    }
    case 9: {
      int ns = pct(50);
      start(ns ? "nanosleep" : "clock_nanosleep");
      if (ns) {
        long t = a_timeout();
        long rem = pct(50) ? (arg("NULL"), 0L) : a_ptr(16);
        r = C(SYS_nanosleep, t, rem, 0, 0, 0, 0);
      } else {
        long clk = A_INT(CLOCK_MONOTONIC, CLOCK_REALTIME, 99, CLOCK_THREAD_CPUTIME_ID);
        long f = A_INT(0, TIMER_ABSTIME, 2);
        long t = a_timeout();
        r = C(SYS_clock_nanosleep, clk, f, t, 0, 0, 0);
      }
      break;
    }
    case 10: {
      int w4 = pct(50);
      start(w4 ? "wait4" : "waitid");
      if (w4) {
        long pid = A_INT(-1, 0, 0x3ffffff0);
        no_digest = 1;
        long st = a_ptr(4);
        long o = a_flags(WNOHANG | WUNTRACED | WCONTINUED | __WALL, WNOHANG);
        long ru = pct(70) ? (arg("NULL"), 0L) : a_ptr(144);
        r = C(SYS_wait4, pid, st, o, ru, 0, 0);
      } else {
        long idt = A_INT(P_ALL, P_PID, P_PGID, 99);
        long id = A_INT(0, 0x3ffffff0);
        long ip = a_ptr(128);
        long o = a_flags(WEXITED | WSTOPPED | WCONTINUED | WNOWAIT, WNOHANG);
        r = C(SYS_waitid, idt, id, ip, o, 0, 0);
        if (failed(r)) no_digest = 1;  // Linux zeroes the siginfo even on errors: no API
      }
      break;
    }
    case 11: {
      start("set_robust_list");
      long p = a_ptr(24), len = A_INT(24, 24, 0, 23, 48);
      r = C(SYS_set_robust_list, p, len, 0, 0, 0, 0);
      break;
    }
    case 12: {
      start("sched_getaffinity");
      no_digest = 1;  // the container's cores, documented in docs/syscalls.md
      long len = A_INT(128, 8, 4, 0, 7, -1, 1024);
      long p = a_ptr(128);
      r = C(SYS_sched_getaffinity, 0, len, p, 0, 0, 0);
      result_ok(r);
      goto out;
    }
    case 13: {
      start("fcntl");
      long fd = a_fd();
      long cmd = A_INT(F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, F_GETLK, F_SETLK, F_OFD_GETLK,
                       F_OFD_SETLK, F_GETPIPE_SZ, F_SETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS, 9999);
      long a;
      if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_OFD_GETLK || cmd == F_OFD_SETLK) {
        no_digest = 1;  // l_pid of a conflicting lock
        a = a_ptr(32);
        struct flock fl = {.l_type = PICK(((const short[]){F_RDLCK, F_WRLCK, F_UNLCK, 7})), .l_whence = SEEK_SET,
                           .l_start = PICK(((const long[]){0, 10, -1})), .l_len = PICK(((const long[]){0, 100, -5}))};
        add("{%d,%ld,%ld}", fl.l_type, (long)fl.l_start, (long)fl.l_len);
        put(a, &fl, sizeof(fl));
        no_digest = 1;  // l_pid of a conflicting lock
      } else if (cmd == F_SETFL) {
        a = a_flags(O_APPEND | O_DIRECT | O_NOATIME | O_ASYNC, O_NONBLOCK);  // nothing ever blocks
      } else if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
        a = A_INT(0, 3, 50, 200, -1, 1 << 20);
      } else {
        a = A_INT(0, 1, FD_CLOEXEC, 4096, 1 << 20, F_SEAL_WRITE, F_SEAL_SEAL | F_SEAL_GROW, -1);
      }
      r = C(SYS_fcntl, fd, cmd, a, 0, 0, 0);
      result(r);
      if (!failed(r) && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && fd >= 0 && fd < MAX_FD) track(r, kind[fd]);
      goto out;
    }
    case 14: {
      start("ioctl");
      long fd = a_fd();
      long req = A_INT(FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, 0x5401 /* TCGETS */, 0x1234, 0x40049409);
      long a = a_ptr(8);
      int one = 1;
      if (req == FIONBIO) put(a, &one, 4);  // never back to blocking
      r = C(SYS_ioctl, fd, req, a, 0, 0, 0);
      break;
    }
    default: {
      int fl = pct(50);
      start(fl ? "flock" : "inotify");
      if (fl) {
        long fd = a_fd();
        long op = A_INT(LOCK_SH, LOCK_EX, LOCK_UN, 0, 99) | LOCK_NB;
        r = C(SYS_flock, fd, op, 0, 0, 0, 0);
      } else {
        int k = rn(3);
        if (k == 0) {
          long f = a_flags(IN_CLOEXEC, IN_NONBLOCK);
          r = C(SYS_inotify_init1, f, 0, 0, 0, 0, 0);
          result(r);
          if (!failed(r)) track(r, K_INOTIFY);
          goto out;
        } else if (k == 1) {
          add("_add_watch");
          long fd = a_fd_kind(K_INOTIFY), p = a_path_rw();
          long m = A_INT(IN_ALL_EVENTS, IN_CREATE | IN_DELETE, 0, IN_ONLYDIR | IN_ALL_EVENTS, IN_MASK_CREATE | IN_MASK_ADD | IN_CREATE);
          r = C(SYS_inotify_add_watch, fd, p, m, 0, 0, 0);
        } else {
          long fd = a_fd_kind(K_INOTIFY), wd = A_INT(1, 2, 0, -1);
          r = C(SYS_inotify_rm_watch, fd, wd, 0, 0, 0, 0);
        }
      }
    }
  }
  result(r);
out:;
}
static void g_splice(void) {
  int w = rn(4);
  static const char* names[] = {"splice", "tee", "sendfile", "copy_file_range"};
  start(names[w]);
  long in = a_fd(), r;
  long offp = 0;
  if (w != 1) {
    offp = pct(60) ? (arg("NULL"), 0L) : a_ptr(8);
    long o = PICK(((const long[]){0, 100, -1}));
    put(offp, &o, 8);
  }
  long out = a_fd();
  long offp2 = 0;
  if (w == 0 || w == 3) {
    offp2 = pct(60) ? (arg("NULL"), 0L) : a_ptr(8);
    if (offp2 && offp2 == offp) offp2 += 8;
    long o = PICK(((const long[]){0, 50, -1}));
    put(offp2, &o, 8);
  }
  long len = A_INT(0, 1, 100, 4096, 65536, -1, 1L << 40);
  if (w == 0) r = C(SYS_splice, in, offp, out, offp2, len, a_flags(SPLICE_F_MORE | SPLICE_F_MOVE, SPLICE_F_NONBLOCK));
  else if (w == 1) r = C(SYS_tee, in, out, len, a_flags(0, SPLICE_F_NONBLOCK), 0, 0);
  else if (w == 2) r = C(SYS_sendfile, out, in, offp, len, 0, 0);
  else r = C(SYS_copy_file_range, in, offp, out, offp2, len, A_INT(0, 0, 1));
  result(r);
}
static void g_memfd(void) {
  start("memfd_create");
  long p = pct(80) ? (arg("\"m\""), (long)"m") : a_ptr(16);
  long f = a_flags(MFD_CLOEXEC | MFD_ALLOW_SEALING, 0);
  long r = C(SYS_memfd_create, p, f, 0, 0, 0, 0);
  result(r);
  if (!failed(r)) track(r, K_MEMFD);
}

// ---- threads: calls from several threads at once
// Worker threads race on descriptors of their own (numbers from RACE_FD
// up, never a fuzzed number): they read, write, poll, wait and send on
// them while others close them or dup other descriptors over them,
// unmap or protect the buffers they pass, and send each other signals
// mid-call. What each call returns depends on the interleaving, so only
// how many threads ran is printed: the robust mode catches crashes, hangs
// and guest deaths. The descriptors and memory the other generators see
// are left as they were, and nothing the workers do can reach the pattern
// buffer's digest or the printed signal counts.
#define RACE_FD 600      // slots that workers close and dup over
#define RACE_SLOTS 8
#define SPARE_FD 620     // originals that stay open while the workers run
#define N_SPARES 10
#define SCRATCH_PAGES 8  // data pages: calls write whatever they read here
#define STAGING_FD 630   // a memfd: structs reach pages that may be protected through it
#define SIG_RACE 40      // handled, counted apart, never sent to the main thread
#define MAX_RACERS 4
// SCRATCH_PAGES data pages, a guard, then one struct page and a guard per
// worker: what a call writes past the data pages stops at the guard.
static uint8_t* scratch;
#define SCRATCH_ALL (SCRATCH_PAGES + 1 + 2 * MAX_RACERS)
#define STRUCT_PAGE(id) (scratch + (SCRATCH_PAGES + 1 + 2 * (id)) * PG)
static volatile int race_go;
static volatile int race_tid[MAX_RACERS];
static volatile long race_signals;
static uint32_t race_words[4];
static void on_race_signal(int sig) { (void)sig; __atomic_add_fetch(&race_signals, 1, __ATOMIC_RELAXED); }
struct racer {
  uint64_t rng;
  int id, calls;
  volatile int tid;  // cleared by the kernel when the thread has exited
  uint8_t stack[65536] __attribute__((aligned(16)));
};
static struct racer racers[MAX_RACERS];
static uint64_t trnd(struct racer* w) {  // splitmix64, per thread
  uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static long tn(struct racer* w, long n) { return (long)(trnd(w) % (uint64_t)n); }
#define TPICK(w, arr) (arr)[tn(w, sizeof(arr) / sizeof((arr)[0]))]
// Memory a call may write: the data pages (some unmapped or protected by
// now, or cut off by a page another worker protects), and the bad kinds.
static long race_ptr(struct racer* w, long len) {
  if (len < 0 || len > PG) len = 64;
  switch (tn(w, 14)) {
    default: return (long)scratch + tn(w, SCRATCH_PAGES * PG - len + 1);
    case 4: return (long)scratch + (1 + tn(w, SCRATCH_PAGES - 1)) * PG - 1 - tn(w, len ? len : 1);  // crosses a page
    case 5: return (long)buf + tn(w, BUF_LEN - len + 1);
    case 6: return (long)buf + BUF_LEN - 1 - tn(w, len ? len : 1);  // runs into the read-only page
    case 7: return (long)ro_page + tn(w, PG);
    case 8: return (long)area + P_GUARD * PG + tn(w, PG);
    case 9: return 0;
    case 10: return TPICK(w, ((const long[]){0xffff888000000000L, 0x0000800000000000L, (long)0x8000000000000000UL, -1L}));
    case 11: return (long)zero_page + PG - 1 - tn(w, len ? len : 1);  // runs into a guard
    case 12: return (long)buf + 1 + tn(w, 7);  // misaligned
    case 13: return (long)scratch + SCRATCH_PAGES * PG - tn(w, 8);  // runs into the guard
  }
}
static long race_len(struct racer* w) {
  static const long lens[] = {0, 1, 7, 8, 64, 300, 4095, 4096, 4097, 65536, 1L << 20, 0x7ffff000,
                              -1, 1L << 40, (long)0x8000000000000000UL};
  return tn(w, 3) ? tn(w, 600) : TPICK(w, lens);
}
static long race_fd(struct racer* w) {
  int r = tn(w, 20);
  if (r < 12) return RACE_FD + tn(w, RACE_SLOTS);
  if (r < 19) return SPARE_FD + tn(w, N_SPARES);
  return TPICK(w, ((const long[]){-1, 1 << 20, 0x7fffffff, RACE_FD + RACE_SLOTS}));
}
// Structures that hold pointers live on the worker's stack or on its own
// struct page (which others may protect or replace by zeros, never fill
// with bytes read from a descriptor: its pointers stay ones chosen here).
static long race_struct(struct racer* w, const void* data, long len, void* stack) {
  int r = tn(w, 10);
  if (r < 6) { memcpy(stack, data, len); return (long)stack; }
  uint8_t* page = STRUCT_PAGE(w->id);
  long off = r == 9 ? PG - len / 2 : (long)tn(w, PG - len) & ~7L;  // the last one runs into the guard
  // The page may be protected now: the copy goes through the kernel (EFAULT, no fault).
  long at = w->id * PG;
  C(SYS_pwrite64, STAGING_FD, data, len, at, 0, 0);
  C(SYS_pread64, STAGING_FD, page + off, len < PG - off ? len : PG - off, at, 0, 0);
  return (long)page + off;
}
static void race_timeout(struct racer* w, struct timespec* ts) {
  ts->tv_sec = 0;
  ts->tv_nsec = tn(w, 3) ? tn(w, 2000000) : 0;  // at most 2 ms
}
static long race_bad_or(struct racer* w, long good) {
  if (tn(w, 8)) return good;
  return TPICK(w, ((const long[]){0, (long)ro_page, (long)area + P_GUARD * PG, 0xffff888000000000L, (long)scratch + 3}));
}
static void race_call(struct racer* w) {
  long fd = race_fd(w), r = 0;
  struct iovec iov[4];
  uint8_t stack[256];
  struct timespec ts;
  (void)r;
  switch (tn(w, 24)) {
    case 0: C(SYS_read, fd, race_ptr(w, 600), race_len(w), 0, 0, 0); break;
    case 1: C(SYS_write, fd, race_ptr(w, 600), race_len(w), 0, 0, 0); break;
    case 2:
    case 3: {
      int n = 1 + tn(w, 4);
      for (int i = 0; i < n; i++) iov[i].iov_base = (void*)race_ptr(w, 300), iov[i].iov_len = race_len(w);
      long v = race_bad_or(w, race_struct(w, iov, n * sizeof(iov[0]), stack));
      long cnt = tn(w, 10) ? n : TPICK(w, ((const long[]){0, -1, 1025}));
      C(tn(w, 2) ? SYS_readv : SYS_writev, fd, v, cnt, 0, 0, 0);
      break;
    }
    case 4: {
      long off = TPICK(w, ((const long[]){0, 1, 4096, 1L << 30, -1}));
      C(tn(w, 2) ? SYS_pread64 : SYS_pwrite64, fd, race_ptr(w, 600), race_len(w), off, 0, 0);
      break;
    }
    case 5: {
      long fl = MSG_NOSIGNAL | (tn(w, 2) ? MSG_DONTWAIT : 0) | (tn(w, 4) ? 0 : MSG_PEEK);
      if (tn(w, 2)) C(SYS_sendto, fd, race_ptr(w, 600), race_len(w), fl & ~MSG_PEEK, 0, 0);
      else C(SYS_recvfrom, fd, race_ptr(w, 600), race_len(w), fl, race_ptr(w, 110), 0);
      break;
    }
    case 6: {  // sendmsg, now and then passing a racing descriptor (in flight when its socket is closed)
      iov[0].iov_base = (void*)race_ptr(w, 300);
      iov[0].iov_len = race_len(w);
      union { struct cmsghdr h; char b[CMSG_SPACE(8)]; } ctl;
      memset(&ctl, 0, sizeof(ctl));
      ctl.h.cmsg_len = CMSG_LEN(8);
      ctl.h.cmsg_level = SOL_SOCKET;
      ctl.h.cmsg_type = SCM_RIGHTS;
      int fds[2] = {(int)race_fd(w), (int)race_fd(w)};
      memcpy(CMSG_DATA(&ctl.h), fds, 8);
      struct msghdr m = {.msg_iov = (struct iovec*)race_bad_or(w, race_struct(w, iov, sizeof(iov[0]), stack + 128)),
                         .msg_iovlen = 1};
      if (tn(w, 2)) m.msg_control = &ctl, m.msg_controllen = sizeof(ctl);
      long mp = race_bad_or(w, race_struct(w, &m, sizeof(m), stack));
      C(SYS_sendmsg, fd, mp, MSG_NOSIGNAL | (tn(w, 2) ? MSG_DONTWAIT : 0), 0, 0, 0);
      break;
    }
    case 7: {  // recvmsg with no room for descriptors: passed ones are closed, never installed
      iov[0].iov_base = (void*)race_ptr(w, 300);
      iov[0].iov_len = race_len(w);
      iov[1].iov_base = (void*)race_ptr(w, 300);
      iov[1].iov_len = race_len(w);
      struct msghdr m = {.msg_iov = (struct iovec*)race_struct(w, iov, 2 * sizeof(iov[0]), stack + 128),
                         .msg_iovlen = 1 + tn(w, 2)};
      long mp = race_bad_or(w, race_struct(w, &m, sizeof(m), stack));
      C(SYS_recvmsg, fd, mp, (tn(w, 2) ? MSG_DONTWAIT : 0) | (tn(w, 4) ? 0 : MSG_PEEK), 0, 0, 0);
      break;
    }
    case 8:
    case 9: {  // poll and ppoll, the array here or on a page that may go away
      struct pollfd p[4];
      int n = 1 + tn(w, 4);
      for (int i = 0; i < n; i++) p[i].fd = race_fd(w), p[i].events = POLLIN | POLLOUT | POLLRDHUP, p[i].revents = 0;
      long pp = tn(w, 2) ? (long)p : race_ptr(w, sizeof(p));
      if (pp != (long)p && pp >= (long)scratch && pp < (long)scratch + SCRATCH_PAGES * PG) {
        C(SYS_pwrite64, STAGING_FD, p, sizeof(p), w->id * PG, 0, 0);
        C(SYS_pread64, STAGING_FD, pp, sizeof(p), w->id * PG, 0, 0);
      }
      race_timeout(w, &ts);
      if (tn(w, 2)) C(SYS_poll, pp, n, ts.tv_nsec / 1000000, 0, 0, 0);
      else C(SYS_ppoll, pp, n, race_bad_or(w, (long)&ts) ?: (long)ro_page, 0, 8, 0);  // never NULL: that waits forever
      break;
    }
    case 10: {  // epoll on a racing descriptor (it may be any kind by now)
      race_timeout(w, &ts);
      if (tn(w, 2)) {
        C(SYS_epoll_wait, fd, race_ptr(w, 16 * 12), TPICK(w, ((const long[]){1, 4, 16, 0, -1})), ts.tv_nsec / 1000000, 0, 0);
      } else {
        struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | (tn(w, 2) ? EPOLLET : 0) | (tn(w, 4) ? 0 : EPOLLONESHOT),
                                .data.u64 = 7};
        long ep = tn(w, 2) ? SPARE_FD + 5 : race_fd(w);
        C(SYS_epoll_ctl, ep, TPICK(w, ((const long[]){EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD})), fd,
          race_bad_or(w, race_struct(w, &e, sizeof(e), stack)), 0, 0);
      }
      break;
    }
    case 11: {  // futex waits (bounded) and wakes, on shared words and bad addresses
      long ua = tn(w, 6) ? (long)&race_words[tn(w, 4)] : race_ptr(w, 4);
      race_timeout(w, &ts);
      uint32_t cur = 0;
      if (ua == (long)&race_words[0] || ua == (long)&race_words[1] || ua == (long)&race_words[2] || ua == (long)&race_words[3])
        cur = __atomic_load_n((uint32_t*)ua, __ATOMIC_RELAXED);
      int op = TPICK(w, ((const int[]){FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAIT_BITSET, FUTEX_WAKE})) | (tn(w, 2) ? FUTEX_PRIVATE_FLAG : 0);
      if ((op & 127) == FUTEX_WAIT_BITSET) {
        struct timespec now;
        C(SYS_clock_gettime, CLOCK_MONOTONIC, &now, 0, 0, 0, 0);
        ts.tv_sec += now.tv_sec, ts.tv_nsec += now.tv_nsec;
        if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
      }
      C(SYS_futex, ua, op, (op & 127) == FUTEX_WAKE ? 1 + tn(w, 4) : cur, (long)&ts, 0, 0xffffffff);
      if (!tn(w, 4)) __atomic_add_fetch(&race_words[tn(w, 4)], 1, __ATOMIC_RELAXED);
      break;
    }
    case 12: {
      int k = tn(w, 5);
      if (k == 0) C(SYS_fstat, fd, race_ptr(w, 144), 0, 0, 0, 0);
      else if (k == 1) C(SYS_fcntl, fd, F_SETFL, O_NONBLOCK | (tn(w, 2) ? O_APPEND : 0), 0, 0, 0);  // never blocking
      else if (k == 2) C(SYS_lseek, fd, TPICK(w, ((const long[]){0, 100, -1, 1L << 40})), tn(w, 5), 0, 0, 0);
      else if (k == 3) C(SYS_ioctl, fd, FIONREAD, race_ptr(w, 4), 0, 0, 0);
      else C(SYS_ftruncate, fd, TPICK(w, ((const long[]){0, 100, PG, 3 * PG, 1L << 32})), 0, 0, 0, 0);
      break;
    }
    case 13: {
      uint64_t one = 1 + tn(w, 3);
      long p = race_struct(w, &one, 8, stack);
      if (tn(w, 2)) C(SYS_write, fd, race_bad_or(w, p), 8, 0, 0, 0);
      else C(SYS_read, fd, race_ptr(w, 8), 8, 0, 0, 0);
      break;
    }
    case 14:
    case 15: {  // close a slot, or dup another descriptor over it
      long slot = RACE_FD + tn(w, RACE_SLOTS);
      if (tn(w, 3)) C(SYS_dup3, tn(w, 2) ? SPARE_FD + tn(w, N_SPARES) : RACE_FD + tn(w, RACE_SLOTS), slot, 0, 0, 0, 0);
      else C(SYS_close, slot, 0, 0, 0, 0, 0);
      break;
    }
    case 16: {  // a signal to another worker, mid-call
      int t = race_tid[tn(w, MAX_RACERS)];
      if (t) C(SYS_tgkill, C0(SYS_getpid), t, SIG_RACE, 0, 0, 0);
      break;
    }
    case 17:
    case 18: {  // take a data or struct page away or give it back
      // Never a guard: a call's write past the data pages must stop there.
      long p, len;
      if (tn(w, 3)) {
        long i = tn(w, SCRATCH_PAGES), n = 1 + tn(w, 2);
        p = (long)scratch + i * PG, len = (i + n > SCRATCH_PAGES ? 1 : n) * PG;
      } else {
        p = (long)STRUCT_PAGE(tn(w, MAX_RACERS)), len = PG;
      }
      int k = tn(w, 6);
      if (k == 0) C(SYS_mprotect, p, len, TPICK(w, ((const long[]){PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE})), 0, 0, 0);
      else if (k == 1) C(SYS_mmap, p, len, tn(w, 3) ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      else if (k == 2) C(SYS_madvise, p, len, MADV_DONTNEED, 0, 0, 0);
      else if (k == 3 && p < (long)scratch + SCRATCH_PAGES * PG)  // a shared file page: past the end it is SIGBUS for the kernel too
        C(SYS_mmap, p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, SPARE_FD + 7, 0);
      else C(SYS_mprotect, p, len, PROT_READ | PROT_WRITE, 0, 0, 0);
      break;
    }
    case 19: {
      struct timespec nap = {0, tn(w, 100000)};
      if (tn(w, 2)) C(SYS_nanosleep, &nap, 0, 0, 0, 0, 0);
      else C0(SYS_sched_yield);
      break;
    }
    case 20: {
      long in = race_fd(w), out = race_fd(w), len = TPICK(w, ((const long[]){1, 100, 4096, 65536}));
      int k = tn(w, 3);
      if (k == 0) C(SYS_splice, in, 0, out, 0, len, SPLICE_F_NONBLOCK);
      else if (k == 1) C(SYS_tee, in, out, len, SPLICE_F_NONBLOCK, 0, 0);
      else C(SYS_sendfile, out, in, 0, len, 0, 0);
      break;
    }
    case 21:
      C(SYS_shutdown, fd, tn(w, 3), 0, 0, 0, 0);
      break;
    case 22: {  // a timer an hour out, or its state
      struct itimerspec its = {{0, 0}, {tn(w, 2) ? 3600 : 0, 0}};
      if (tn(w, 2)) C(SYS_timerfd_settime, fd, 0, race_bad_or(w, race_struct(w, &its, sizeof(its), stack)), race_ptr(w, 32), 0, 0);
      else C(SYS_timerfd_gettime, fd, race_ptr(w, 32), 0, 0, 0, 0);
      break;
    }
    case 23: {
      long dir = tn(w, 2) ? SPARE_FD + 9 : fd;
      C(SYS_getdents64, dir, race_ptr(w, 600), race_len(w), 0, 0, 0);
      break;
    }
  }
}
static void racer_main(struct racer* w) {
  uint64_t unblock = 1UL << (SIG_RACE - 1);
  C(SYS_rt_sigprocmask, SIG_UNBLOCK, &unblock, 0, 8, 0, 0);
  race_tid[w->id] = C0(SYS_gettid);
  while (!__atomic_load_n(&race_go, __ATOMIC_ACQUIRE)) C0(SYS_sched_yield);
  for (int i = 0; i < w->calls; i++) race_call(w);
  race_tid[w->id] = 0;
}
// A thread by the raw clone, not pthread_create: glibc would allocate
// its TLS with malloc, from the brk heap the brk generator moves. The
// worker shares the main thread's %fs and touches no TLS (raw calls, no
// errno). It runs racer_main on its own stack and exits alone.
static long spawn_racer(struct racer* w) {
  long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
               CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  void** sp = (void**)(w->stack + sizeof(w->stack));
  *--sp = w;
  *--sp = (void*)racer_main;
  register long r10 __asm__("r10") = (long)&w->tid;
  register long r8 __asm__("r8") = 0;
  long ret;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "pop %%rax\n\t"  // the child, on its stack: racer_main(w), then exit
      "pop %%rdi\n\t"
      "call *%%rax\n\t"
      "mov $60, %%eax\n\t"  // SYS_exit: this thread only
      "xor %%edi, %%edi\n\t"
      "syscall\n\t"
      "1:"
      : "=a"(ret)
      : "a"(SYS_clone), "D"(flags), "S"(sp), "d"(&w->tid), "r"(r10), "r"(r8)
      : "rcx", "r11", "memory");
  return ret;
}
static void join_racer(struct racer* w) {
  for (int t; (t = __atomic_load_n(&w->tid, __ATOMIC_ACQUIRE)) != 0;)
    C(SYS_futex, &w->tid, FUTEX_WAIT, t, 0, 0, 0);
}
// The racing descriptors, made afresh for each run: made at the lowest
// free numbers and moved up, so the table below them is as it was.
static void race_fds(void) {
  C(SYS_close_range, RACE_FD, STAGING_FD, 0, 0, 0, 0);
  long fds[N_SPARES];
  int p[2], s[2], d[2];
  C(SYS_pipe2, p, O_NONBLOCK, 0, 0, 0, 0);
  fds[0] = p[0], fds[1] = p[1];
  fds[2] = C(SYS_eventfd2, 0, EFD_NONBLOCK, 0, 0, 0, 0);
  C(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, s, 0, 0);  // blocking, with 2 ms timeouts
  fds[3] = s[0], fds[4] = s[1];
  fds[5] = C(SYS_epoll_create1, 0, 0, 0, 0, 0, 0);
  C(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, d, 0, 0);
  fds[6] = d[0];
  C(SYS_close, d[1], 0, 0, 0, 0, 0);
  fds[7] = C(SYS_memfd_create, "race", 0, 0, 0, 0, 0);
  fds[8] = C(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK, 0, 0, 0, 0);
  fds[9] = C(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY, 0, 0, 0);
  struct timeval tv = {0, 2000};
  for (int i = 3; i <= 6; i += i == 4 ? 2 : 1) {  // the sockets
    C(SYS_setsockopt, fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv), 0);
    C(SYS_setsockopt, fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv), 0);
  }
  C(SYS_ftruncate, fds[7], 2 * PG, 0, 0, 0, 0);
  for (int i = 0; i < N_SPARES; i++) {
    C(SYS_dup3, fds[i], SPARE_FD + i, 0, 0, 0, 0);
    C(SYS_close, fds[i], 0, 0, 0, 0, 0);
  }
  for (int i = 0; i < RACE_SLOTS; i++) C(SYS_dup3, SPARE_FD + i, RACE_FD + i, 0, 0, 0, 0);
  long staging = C(SYS_memfd_create, "staging", 0, 0, 0, 0, 0);
  C(SYS_dup3, staging, STAGING_FD, 0, 0, 0, 0);
  C(SYS_close, staging, 0, 0, 0, 0, 0);
  for (int i = 0; i < 5; i++) {
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.u64 = i};
    C(SYS_epoll_ctl, SPARE_FD + 5, EPOLL_CTL_ADD, RACE_FD + i, &e, 0, 0);
  }
}
static void g_threads(void) {
  start("threads");
  no_digest = 1;
  int n = 2 + rn(MAX_RACERS - 1);
  arg("%d", n);
  int restart = pct(50);
  add("%s", restart ? ", SA_RESTART" : "");
  struct sigaction sa = {.sa_handler = on_race_signal, .sa_flags = restart ? SA_RESTART : 0};
  sigaction(SIG_RACE, &sa, NULL);  // glibc's wrapper: its restorer
  race_fds();
  for (int i = 0; i < SCRATCH_ALL; i++)  // data and struct pages read-write, the guards not
    C(SYS_mmap, scratch + i * PG, PG, i == SCRATCH_PAGES || (i > SCRATCH_PAGES && (i - SCRATCH_PAGES) % 2 == 0) ? PROT_NONE : PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  struct racer* w = racers;
  race_go = 0;
  int made = 0;
  for (int i = 0; i < n; i++) {
    w[i].rng = rnd64();
    w[i].id = i;
    w[i].calls = 20 + rn(60);
    race_tid[i] = 0;
  }
  // The workers start with every signal but SIG_RACE blocked: a signal
  // the other generators send to the process stays with the main thread.
  uint64_t all = ~0UL, old;
  C(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8, 0, 0);
  for (int i = 0; i < n; i++) {
    w[i].tid = 0;
    if (spawn_racer(&w[i]) > 0) made++;
  }
  C(SYS_rt_sigprocmask, SIG_SETMASK, &old, 0, 8, 0, 0);
  __atomic_store_n(&race_go, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < n; i++) join_racer(&w[i]);
  C(SYS_close_range, RACE_FD, STAGING_FD, 0, 0, 0, 0);
  add(") = %d", made);
}

typedef void (*gen_fn)(void);
// `opt_in`: only when named (the threads generator: see g_threads).
static const struct { gen_fn fn; int weight; const char* name; int opt_in; } gens[] = {
    {g_openat, 10, "openat"},
    {g_close, 5, "close"},
    {g_close_range, 1, "close_range"},
    {g_dup, 4, "dup"},
    {g_read, 10, "read"},
    {g_write, 10, "write"},
    {g_lseek, 3, "lseek"},
    {g_truncate, 2, "truncate"},
    {g_fallocate, 1, "fallocate"},
    {g_fsync, 2, "fsync"},
    {g_stat, 6, "stat"},
    {g_access, 2, "access"},
    {g_mkdir_etc, 8, "mkdir_etc"},
    {g_fchmod, 2, "fchmod"},
    {g_getdents, 2, "getdents"},
    {g_cwd, 3, "cwd"},
    {g_pipe, 3, "pipe"},
    {g_eventfd, 2, "eventfd"},
    {g_epoll, 5, "epoll"},
    {g_poll, 4, "poll"},
    {g_socket, 3, "socket"},
    {g_sockcall, 8, "sockcall"},
    {g_sendrecv, 6, "sendrecv"},
    {g_mmap, 5, "mmap"},
    {g_munmap_etc, 6, "munmap_etc"},
    {g_mremap, 3, "mremap"},
    {g_brk, 2, "brk"},
    {g_probe, 1, "probe"},
    {g_sigaction, 3, "sigaction"},
    {g_sigmask, 5, "sigmask"},
    {g_kill, 3, "kill"},
    {g_signalfd, 1, "signalfd"},
    {g_timer, 4, "timer"},
    {g_futex, 4, "futex"},
    {g_misc, 12, "misc"},
    {g_splice, 3, "splice"},
    {g_memfd, 1, "memfd"},
    {g_threads, 2, "threads", 1},
};

static void show_signals(void) {
  for (int s = 1; s < 65; s++)
    if (sig_count[s] != sig_seen[s]) {
      add(" sig%d+%d/%d", s, sig_count[s] - sig_seen[s], last_code);
      sig_seen[s] = sig_count[s];
    }
}

static void setup(void) {
  area = mmap(NULL, AREA_PAGES * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) _exit(2);
  buf = area + P_BUF * PG;
  ro_page = area + P_RO * PG;
  zero_page = area + P_ZERO * PG;
  mm = area + P_MM * PG;
  scratch = mmap(NULL, SCRATCH_ALL * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (scratch == MAP_FAILED) _exit(2);
  mprotect(buf, BUF_LEN, PROT_READ | PROT_WRITE);
  mprotect(ro_page, PG, PROT_READ | PROT_WRITE);
  memset(ro_page, 0xff, PG);
  mprotect(ro_page, PG, PROT_READ);
  mprotect(zero_page, PG, PROT_READ | PROT_WRITE);
  mmap(mm, MM_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  for (long i = 0; i < MM_PAGES * PG; i += 64) mm[i] = (uint8_t)(i >> 6);
  refill();
  buf_pattern_digest = fnv(buf, BUF_LEN);
  n_masked = 0;
  memset(long_name, 'n', sizeof(long_name) - 1);
  for (size_t i = 0; i < sizeof(huge_path) - 1; i++) huge_path[i] = i % 100 == 99 ? '/' : 'p';

  struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
  for (unsigned i = 0; i < 3; i++) sigaction(handled[i], &sa, NULL);
  struct { long handler, flags, restorer; uint64_t mask; } k;
  C(SYS_rt_sigaction, SIGUSR1, 0, &k, 8, 0, 0);
  restorer = k.restorer;
  struct sigaction fault = {.sa_sigaction = on_fault, .sa_flags = SA_NODEFER | SA_SIGINFO};
  sigaction(SIGSEGV, &fault, NULL);
  sigaction(SIGBUS, &fault, NULL);
  signal(SIGPIPE, SIG_IGN);  // EPIPE, never the default action
  brk0 = C(SYS_brk, 0, 0, 0, 0, 0, 0);

  // Nothing inherited: the descriptor numbers the calls return match.
  C(SYS_close_range, 3, ~0U, 0, 0, 0, 0);
  char dir[4096];
  snprintf(dir, sizeof(dir), "%s/jfuzz.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (!mkdtemp(dir)) _exit(2);
  if (chdir(dir) != 0) _exit(2);
  int home = open(".", O_RDONLY | O_DIRECTORY);
  if (home < 0 || dup2(home, HOME_FD) != HOME_FD) _exit(2);
  close(home);
  umask(022);
}

// Removes the private directory (whatever the calls left in it).
static void remove_tree(int dfd, int depth) {
  char d[4096];
  if (depth > 8) return;
  for (int pass = 0; pass < 4; pass++) {
    long n = C(SYS_getdents64, dfd, d, sizeof(d), 0, 0, 0);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct { uint64_t ino; int64_t off; uint16_t reclen; uint8_t type; char name[]; } *e = (void*)(d + off);
      off += e->reclen;
      if (!strcmp(e->name, ".") || !strcmp(e->name, "..")) continue;
      if (unlinkat(dfd, e->name, 0) != 0) {
        fchmodat(dfd, e->name, 0700, 0);
        int sub = openat(dfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (sub >= 0) { remove_tree(sub, depth + 1); close(sub); }
        unlinkat(dfd, e->name, AT_REMOVEDIR);
      }
    }
    lseek(dfd, 0, SEEK_SET);
  }
}
static void cleanup(void) {
  char path[4096];
  C(SYS_rt_sigprocmask, SIG_SETMASK, zero_page, 0, 8, 0, 0);
  fchdir(HOME_FD);
  if (!getcwd(path, sizeof(path))) return;
  fchmod(HOME_FD, 0700);
  remove_tree(HOME_FD, 0);
  chdir("/");
  rmdir(path);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s SEED [CALLS] [GENERATORS]\n", argv[0]);
    return 2;
  }
  uint64_t seed = strtoull(argv[1], 0, 0);
  long calls = argc > 2 ? strtol(argv[2], 0, 0) : 2000;
  setup();
  rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
  // A subset: the others weigh nothing (the choices stay a function of the seed).
  int weight[sizeof(gens) / sizeof(gens[0])], total = 0;
  for (unsigned i = 0; i < sizeof(gens) / sizeof(gens[0]); i++) {
    char key[64];
    snprintf(key, sizeof(key), ",%s,", gens[i].name);
    char list[4096];
    snprintf(list, sizeof(list), ",%s,", argc > 3 ? argv[3] : "");
    int named = argc > 3 && strstr(list, key);
    weight[i] = (argc > 3 && !named) || (gens[i].opt_in && !named) ? 0 : gens[i].weight;
    total += weight[i];
  }
  if (!total) {
    fprintf(stderr, "no generator named in %s\n", argv[3]);
    return 2;
  }
  for (long i = 0; i < calls; i++) {
    refill();
    if (n_live() > 40) {  // keep the table small: close the highest
      for (int fd = MAX_FD - 1; fd >= 3; fd--)
        if (kind[fd]) { C(SYS_close, fd, 0, 0, 0, 0, 0); kind[fd] = K_NONE; break; }
    }
    add("%ld ", i);
    int pick = rn(total);
    unsigned g = 0;
    while (pick >= weight[g]) pick -= weight[g++];
    gens[g].fn();
    if (!no_digest) {
      uint32_t h = buf_digest();
      if (h != buf_pattern_digest) add(" buf=%08x", h);
    }
    show_signals();
    emit();
  }
  cleanup();
  add("done %ld", calls);
  emit();
  return 0;
}
