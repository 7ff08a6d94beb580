// Clocks and sleeping. The guest's vDSO answers most clock reads without
// entering the LibOS; these handlers serve the rest. Sleeping blocks the
// kthread on the host until the threads issue makes it park a uthread.
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>

#include <cstring>

#include "libos/host/host.h"
#include "libos/libos.h"
#include "libos/signals/posix_timers.h"
#include "libos/signals/timer_math.h"
#include "libos/vdso/vdso.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

bool IsCpuClock(long clock) {
  return clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID ||
         (clock < 0 && (clock & 7) != 3 /*CLOCKFD*/);
}

// A clock call whose buffer the host must not write: Linux checks the
// clock first (EINVAL), and faults only on the copy.
long HostClockFault(long nr, long clock) {
  timespec ts;
  long r = host::Syscall(nr, clock, host::L(&ts));
  return r < 0 ? r : -EFAULT;
}

}  // namespace

JUNCTION_HANDLER(clock_gettime) {
  if (IsCpuClock(a.a[0])) {
    // The uthreads' CPU time (sched/cpu_time.h), not the host's.
    uint64_t ns;
    if (!ReadCpuClock(static_cast<clockid_t>(a.a[0]), &ns)) return -EINVAL;
    CHECK(UserPtr<timespec>(a.a[1]).Write(NsToTimespec(ns)));
    return 0;
  }
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(timespec))) return HostClockFault(SYS_clock_gettime, a.a[0]);
  // Answer from the vDSO's data so that the vDSO and the syscall agree.
  if (junction_vdso_data* d = GuestVdsoData()) {
    timespec ts;
    if (vdso::ReadClock(d, static_cast<clockid_t>(a.a[0]), &ts)) {
      if (!CopyToUser(static_cast<uintptr_t>(a.a[1]), &ts, sizeof(ts)).ok()) return -EFAULT;
      return 0;
    }
  }
  return host::Syscall(SYS_clock_gettime, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(clock_getres) {
  if (IsCpuClock(a.a[0])) {
    uint64_t ns;
    if (!ReadCpuClock(static_cast<clockid_t>(a.a[0]), &ns)) return -EINVAL;
    // CPUCLOCK_SCHED is exact; PROF and VIRT move by ticks (HZ = 250).
    timespec res{0, (a.a[0] & 3) == 2 || a.a[0] == CLOCK_PROCESS_CPUTIME_ID ||
                            a.a[0] == CLOCK_THREAD_CPUTIME_ID ? 1 : 4000000};
    if (a.a[1]) CHECK(UserPtr<timespec>(a.a[1]).Write(res));
    return 0;
  }
  if (a.a[1] && !GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(timespec)))
    return HostClockFault(SYS_clock_getres, a.a[0]);
  return host::Syscall(SYS_clock_getres, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(gettimeofday) {
  if (a.a[0] && !GuestWritable(static_cast<uintptr_t>(a.a[0]), 16)) return -EFAULT;
  if (a.a[1] && !GuestWritable(static_cast<uintptr_t>(a.a[1]), 8)) return -EFAULT;
  return host::Syscall(SYS_gettimeofday, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(time) {
  if (a.a[0] && !GuestWritable(static_cast<uintptr_t>(a.a[0]), sizeof(time_t))) return -EFAULT;
  return host::Syscall(SYS_time, a.a[0]);
}

}  // namespace junction::libos
