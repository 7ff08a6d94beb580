#include "sched/grant_trace.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>

#include "libos/host/host.h"
#include "sched/spinlock.h"

namespace junction::sched {

namespace {

constexpr int kMaxKept = 256;

int g_fd = -1;
SpinLock g_lock;
GrantTraceSample g_kept[kMaxKept];
int g_count = 0;
uint64_t g_dropped = 0;

// Appends `v` in decimal (signed) to buf at *n.
void PutInt(char* buf, int* n, int64_t v) {
  char tmp[24];
  int len = 0;
  bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-v) : static_cast<uint64_t>(v);
  do {
    tmp[len++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (neg) buf[(*n)++] = '-';
  while (len > 0) buf[(*n)++] = tmp[--len];
}

// A step's time relative to the deadline, or "-" when it did not happen.
void PutStep(char* buf, int* n, uint64_t t, uint64_t deadline) {
  buf[(*n)++] = ' ';
  if (t == 0) {
    buf[(*n)++] = '-';
    return;
  }
  PutInt(buf, n, static_cast<int64_t>(t - deadline));
}

}  // namespace

bool GrantTraceOpen(const char* path) {
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path),
                          O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  g_fd = static_cast<int>(fd);
  static const char kHeader[] =
      "# deadline_ns keeper_sleep keeper_asked keeper_woke grant grant_seen timer_run run "
      "(ns relative to the deadline) sleep_wait poll_exec poll_wait poll_slices (ns or count: "
      "run-queue wait from the sleep to the wake-up; on CPU, run-queue wait and times "
      "scheduled in from the wake-up to the run) poll_gap poll_gap_end (the longest gap "
      "between two polls, ns, and when it ended relative to the deadline)\n";
  host::Syscall(SYS_write, g_fd, host::L(kHeader), sizeof kHeader - 1);
  return true;
}

bool GrantTraceOn() { return g_fd >= 0; }

void GrantTraceAdd(const GrantTraceSample& s) {
  SpinGuard g(g_lock);
  if (g_count == kMaxKept) {
    g_dropped++;
    return;
  }
  g_kept[g_count++] = s;
}

void GrantTraceFlush() {
  char buf[512];
  for (;;) {
    GrantTraceSample s;
    uint64_t dropped;
    {
      SpinGuard g(g_lock);
      if (g_count == 0) return;
      s = g_kept[0];
      for (int i = 1; i < g_count; i++) g_kept[i - 1] = g_kept[i];
      g_count--;
      dropped = g_dropped;
      g_dropped = 0;
    }
    int n = 0;
    if (dropped != 0) {
      const char kDropped[] = "# dropped ";
      for (const char* p = kDropped; *p; p++) buf[n++] = *p;
      PutInt(buf, &n, static_cast<int64_t>(dropped));
      buf[n++] = '\n';
    }
    PutInt(buf, &n, static_cast<int64_t>(s.deadline));
    for (uint64_t t : {s.keeper_sleep, s.keeper_asked, s.keeper_woke, s.grant_time, s.grant_seen,
                       s.timer_run, s.run})
      PutStep(buf, &n, t, s.deadline);
    bool stats = s.at_sleep.slices != 0 && s.at_woke.slices != 0 && s.at_run.slices != 0;
    for (uint64_t v : {s.at_woke.wait_ns - s.at_sleep.wait_ns, s.at_run.exec_ns - s.at_woke.exec_ns,
                       s.at_run.wait_ns - s.at_woke.wait_ns, s.at_run.slices - s.at_woke.slices}) {
      buf[n++] = ' ';
      if (stats)
        PutInt(buf, &n, static_cast<int64_t>(v));
      else
        buf[n++] = '-';
    }
    buf[n++] = ' ';
    PutInt(buf, &n, static_cast<int64_t>(s.poll_gap));
    PutStep(buf, &n, s.poll_gap_end, s.deadline);
    buf[n++] = '\n';
    host::Syscall(SYS_write, g_fd, host::L(buf), n);
  }
}

int GrantTraceOpenSchedStat(int tid) {
  char path[64] = "/proc/self/task/";
  int n = 16;
  PutInt(path, &n, tid);
  for (const char* p = "/schedstat"; *p; p++) path[n++] = *p;
  path[n] = 0;
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(path), O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -1 : static_cast<int>(fd);
}

bool GrantTraceReadSchedStat(int fd, GrantTraceSchedStat* out) {
  if (fd < 0) return false;
  char buf[96];
  long len = host::Syscall(SYS_pread64, fd, host::L(buf), sizeof buf - 1, 0);
  if (len <= 0) return false;
  uint64_t v[3] = {0, 0, 0};
  int field = 0;
  for (long i = 0; i < len && field < 3; i++) {
    if (buf[i] >= '0' && buf[i] <= '9')
      v[field] = v[field] * 10 + static_cast<uint64_t>(buf[i] - '0');
    else if (i > 0 && buf[i - 1] >= '0' && buf[i - 1] <= '9')
      field++;
  }
  // schedstat's on-CPU time is updated only at scheduler events: stale
  // while the thread runs. The thread's CPU clock brings it up to date
  // (the caller is that thread); like it, it leaves out stolen time.
  timespec ts{};
  out->exec_ns = host::Syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, host::L(&ts)) == 0
                     ? static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec)
                     : v[0];
  out->wait_ns = v[1];
  out->slices = v[2];
  return true;
}

}  // namespace junction::sched
