// Resource usage: getrusage and times report the uthreads' CPU time
// (sched/cpu_time.h: run time from the scheduler, split into user and
// system time by tick samples) and context switches; memory and I/O
// figures and the children's usage (children are host processes) are the
// host's.
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>

#include <algorithm>

#include "libos/host/host.h"
#include "libos/libos.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"
#include "sched/cpu_time.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

timeval Timeval(uint64_t ns) {
  return {static_cast<time_t>(ns / 1000000000), static_cast<suseconds_t>(ns % 1000000000 / 1000)};
}

// clock_t ticks of sysconf(_SC_CLK_TCK) = USER_HZ = 100.
clock_t Ticks(uint64_t ns) { return static_cast<clock_t>(ns / 10000000); }

struct rusage g_children_baseline {};

timeval Minus(timeval a, timeval b) {
  int64_t us = (a.tv_sec - b.tv_sec) * 1000000 + (a.tv_usec - b.tv_usec);
  if (us < 0) us = 0;
  return {static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
}

}  // namespace

void RecordChildrenUsageBaseline() {
  host::Syscall(SYS_getrusage, RUSAGE_CHILDREN, host::L(&g_children_baseline));
}
void ResetChildrenUsageBaseline() {
  // Written only if set (a page written is a copy-on-write fault). Only the
  // times are read; comparing them alone needs no memcmp and no rodata
  // (two text and one rodata page less for a forked child to fault in).
  const timeval& u = g_children_baseline.ru_utime;
  const timeval& s = g_children_baseline.ru_stime;
  if (u.tv_sec || u.tv_usec || s.tv_sec || s.tv_usec) g_children_baseline = {};
}

JUNCTION_HANDLER(getrusage) {
  int who = static_cast<int>(a.a[0]);
  if (who != RUSAGE_SELF && who != RUSAGE_THREAD && who != RUSAGE_CHILDREN) return -EINVAL;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct rusage))) return -EFAULT;
  struct rusage ru {};
  long r = host::Syscall(SYS_getrusage, who == RUSAGE_CHILDREN ? RUSAGE_CHILDREN : RUSAGE_SELF,
                         host::L(&ru));
  if (r < 0) return r;
  if (who == RUSAGE_CHILDREN) {
    ru.ru_utime = Minus(ru.ru_utime, g_children_baseline.ru_utime);
    ru.ru_stime = Minus(ru.ru_stime, g_children_baseline.ru_stime);
  } else {
    sched::CpuTimes t;
    uint64_t voluntary, involuntary;
    if (who == RUSAGE_THREAD) {
      sched::Uthread* u = sched::Current();
      t = sched::ThreadCpuTimes(u);
      voluntary = u->nvcsw;
      involuntary = u->nivcsw;
    } else {
      t = sched::ProcessCpuTimes();
      sched::ProcessSwitches(&voluntary, &involuntary);
    }
    ru.ru_utime = Timeval(t.user_ns);
    ru.ru_stime = Timeval(t.sys_ns);
    ru.ru_nvcsw = static_cast<long>(voluntary);
    ru.ru_nivcsw = static_cast<long>(involuntary);
  }
  return UserPtr<struct rusage>(a.a[1]).Write(ru).ok() ? 0 : -EFAULT;
}

struct tms GuestProcessTimes() {
  struct tms host {};
  host::Syscall(SYS_times, host::L(&host));  // the children's usage
  sched::CpuTimes t = sched::ProcessCpuTimes();
  struct tms out {};
  out.tms_utime = Ticks(t.user_ns);
  out.tms_stime = Ticks(t.sys_ns);
  auto ticks = [](timeval tv) { return static_cast<clock_t>(tv.tv_sec * 100 + tv.tv_usec / 10000); };
  out.tms_cutime = std::max<clock_t>(0, host.tms_cutime - ticks(g_children_baseline.ru_utime));
  out.tms_cstime = std::max<clock_t>(0, host.tms_cstime - ticks(g_children_baseline.ru_stime));
  return out;
}

JUNCTION_HANDLER(times) {
  if (a.a[0] && !GuestWritable(static_cast<uintptr_t>(a.a[0]), sizeof(struct tms))) return -EFAULT;
  struct tms ignored {};
  long now = host::Syscall(SYS_times, host::L(&ignored));  // ticks since boot
  if (a.a[0] && !UserPtr<struct tms>(a.a[0]).Write(GuestProcessTimes()).ok()) return -EFAULT;
  return now;
}

}  // namespace junction::libos
