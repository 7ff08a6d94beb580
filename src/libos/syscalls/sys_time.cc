// Clocks and sleeping. The guest's vDSO answers most clock reads without
// entering the LibOS; these handlers serve the rest. Sleeping blocks the
// kthread on the host until the threads issue makes it park a uthread.
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>

#include <cstring>

#include "libos/host/host.h"
#include "libos/libos.h"
#include "libos/vdso/vdso.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

JUNCTION_HANDLER(clock_gettime) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(timespec))) return -EFAULT;
  // Answer from the vDSO's data so that the vDSO and the syscall agree.
  if (junction_vdso_data* d = GuestVdsoData()) {
    timespec ts;
    if (vdso::ReadClock(d, static_cast<clockid_t>(a.a[0]), &ts)) {
      std::memcpy(reinterpret_cast<void*>(a.a[1]), &ts, sizeof(ts));
      return 0;
    }
  }
  return host::Syscall(SYS_clock_gettime, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(clock_getres) {
  if (a.a[1] && !GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(timespec))) return -EFAULT;
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

JUNCTION_HANDLER(times) {
  if (a.a[0] && !GuestWritable(static_cast<uintptr_t>(a.a[0]), sizeof(struct tms))) return -EFAULT;
  return host::Syscall(SYS_times, a.a[0]);
}

}  // namespace junction::libos
