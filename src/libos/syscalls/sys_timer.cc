// Interval timers: timer_create & co., setitimer/getitimer, alarm. The
// timers themselves are in signals/posix_timers.h.
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "libos/signals/posix_timers.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

JUNCTION_HANDLER(timer_create) {
  KernelSigevent ev{};
  const KernelSigevent* evp = nullptr;
  if (a.a[1]) {
    auto r = UserPtr<KernelSigevent>(a.a[1]).Read();
    if (!r.ok()) return -r.error();
    ev = *r;
    evp = &ev;
  }
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), sizeof(int))) return -EFAULT;
  int id;
  long r = PosixTimerCreate(static_cast<clockid_t>(a.a[0]), evp, &id);
  if (r < 0) return r;
  if (!UserPtr<int>(a.a[2]).Write(id).ok()) {
    PosixTimerDelete(id);
    return -EFAULT;
  }
  return 0;
}

JUNCTION_HANDLER(timer_settime) {
  if (!a.a[2]) return -EINVAL;
  auto value = UserPtr<itimerspec>(a.a[2]).Read();
  if (!value.ok()) return -value.error();
  // The old value's buffer is checked by the copy: Linux sets the timer,
  // then faults.
  itimerspec old{};
  long r = PosixTimerSet(static_cast<int>(a.a[0]), static_cast<int>(a.a[1]), *value, a.a[3] ? &old : nullptr);
  if (r == 0 && a.a[3]) CHECK(UserPtr<itimerspec>(a.a[3]).Write(old));
  return r;
}

JUNCTION_HANDLER(timer_gettime) {
  itimerspec cur{};
  long r = PosixTimerGet(static_cast<int>(a.a[0]), &cur);
  if (r < 0) return r;
  CHECK(UserPtr<itimerspec>(a.a[1]).Write(cur));
  return 0;
}

JUNCTION_HANDLER(timer_getoverrun) { return PosixTimerOverrun(static_cast<int>(a.a[0])); }

JUNCTION_HANDLER(timer_delete) { return PosixTimerDelete(static_cast<int>(a.a[0])); }

JUNCTION_HANDLER(setitimer) {
  itimerval value{};
  if (a.a[1]) {
    auto v = UserPtr<itimerval>(a.a[1]).Read();
    if (!v.ok()) return -v.error();
    value = *v;
  }  // a null new value disarms (as Linux, with a warning there)
  // As timer_settime: set, then the old value's copy may fault.
  itimerval old{};
  long r = ItimerSet(static_cast<int>(a.a[0]), value, a.a[2] ? &old : nullptr);
  if (r == 0 && a.a[2]) CHECK(UserPtr<itimerval>(a.a[2]).Write(old));
  return r;
}

JUNCTION_HANDLER(getitimer) {
  itimerval cur{};
  long r = ItimerGet(static_cast<int>(a.a[0]), &cur);
  if (r < 0) return r;
  CHECK(UserPtr<itimerval>(a.a[1]).Write(cur));
  return 0;
}

// alarm(s): ITIMER_REAL for s seconds; the old value in seconds, rounded
// to the nearest (at least 1 if any time was left), as alarm_setitimer.
JUNCTION_HANDLER(alarm) {
  itimerval value{}, old{};
  value.it_value.tv_sec = static_cast<time_t>(static_cast<unsigned>(a.a[0]));
  ItimerSet(ITIMER_REAL, value, &old);
  if ((!old.it_value.tv_sec && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000)
    old.it_value.tv_sec++;
  return old.it_value.tv_sec;
}

}  // namespace junction::libos
