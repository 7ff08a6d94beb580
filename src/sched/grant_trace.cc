#include "sched/grant_trace.h"

#include <fcntl.h>
#include <sys/syscall.h>

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
      "(ns relative to the deadline)\n";
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
  char buf[256];
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
    buf[n++] = '\n';
    host::Syscall(SYS_write, g_fd, host::L(buf), n);
  }
}

}  // namespace junction::sched
