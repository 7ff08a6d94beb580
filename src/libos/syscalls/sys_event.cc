// eventfd, timerfd and signalfd (libos/ipc/eventfd.h).
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/eventfd.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

long EventfdCommon(long initval, long flags) {
  if (flags & ~static_cast<long>(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) return -EINVAL;
  auto f = std::make_shared<ipc::EventFd>(static_cast<uint32_t>(initval), static_cast<int>(flags));
  return InstallFile(f, flags & EFD_CLOEXEC);
}

bool ValidTs(const timespec& t) { return t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000; }

ipc::TimerFd* AsTimer(const fs::FilePtr& f) { return dynamic_cast<ipc::TimerFd*>(f.get()); }

long SignalfdCommon(long fd, long mask_addr, long size, long flags) {
  if (flags & ~static_cast<long>(SFD_CLOEXEC | SFD_NONBLOCK)) return -EINVAL;
  if (size != 8) return -EINVAL;
  auto m = UserPtr<uint64_t>(mask_addr).Read();
  if (!m.ok()) return -EFAULT;
  uint64_t mask = *m & ~((uint64_t{1} << (SIGKILL - 1)) | (uint64_t{1} << (SIGSTOP - 1)));
  if (fd != -1) {
    fs::FilePtr f = fs::FdTable::Get().Lookup(fd);
    if (!f) return -EBADF;
    auto* s = dynamic_cast<ipc::SignalFd*>(f.get());
    if (!s) return -EINVAL;
    s->set_mask(mask);
    return fd;
  }
  return InstallFile(std::make_shared<ipc::SignalFd>(mask, static_cast<int>(flags)), flags & SFD_CLOEXEC);
}

}  // namespace

JUNCTION_HANDLER(eventfd) { return EventfdCommon(a.a[0], 0); }
JUNCTION_HANDLER(eventfd2) { return EventfdCommon(a.a[0], a.a[1]); }

JUNCTION_HANDLER(timerfd_create) {
  auto clock = static_cast<clockid_t>(a.a[0]);
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
      clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
    return -EINVAL;
  if (a.a[1] & ~static_cast<long>(TFD_CLOEXEC | TFD_NONBLOCK)) return -EINVAL;
  auto f = std::make_shared<ipc::TimerFd>(clock, static_cast<int>(a.a[1]));
  return InstallFile(f, a.a[1] & TFD_CLOEXEC);
}

JUNCTION_HANDLER(timerfd_settime) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  ipc::TimerFd* t = AsTimer(f);
  if (!t && !ipc::IsHostTimerFd(*f)) return -EINVAL;
  if (a.a[1] & ~static_cast<long>(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) return -EINVAL;
  auto v = UserPtr<itimerspec>(a.a[2]).Read();
  if (!v.ok()) return -EFAULT;
  if (!ValidTs(v->it_value) || !ValidTs(v->it_interval)) return -EINVAL;
  // Set first; the old value's copy may fault after (Linux's order).
  itimerspec old{};
  if (!t) {
    // Shared with another process since a fork: the host's timerfd.
    long r = host::Syscall(SYS_timerfd_settime, f->host_fd(), a.a[1], host::L(&*v), host::L(&old));
    if (r < 0) return r;
    if (a.a[3]) CHECK(UserPtr<itimerspec>(a.a[3]).Write(old));
    return 0;
  }
  CHECK(t->Set(static_cast<int>(a.a[1]), *v, &old));
  if (a.a[3]) CHECK(UserPtr<itimerspec>(a.a[3]).Write(old));
  return 0;
}

JUNCTION_HANDLER(timerfd_gettime) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  ipc::TimerFd* t = AsTimer(f);
  if (!t && !ipc::IsHostTimerFd(*f)) return -EINVAL;
  itimerspec cur{};
  if (t) {
    t->Get(&cur);
  } else {
    long r = host::Syscall(SYS_timerfd_gettime, f->host_fd(), host::L(&cur));
    if (r < 0) return r;
  }
  return UserPtr<itimerspec>(a.a[1]).Write(cur).ok() ? 0 : -EFAULT;
}

JUNCTION_HANDLER(signalfd) { return SignalfdCommon(static_cast<int>(a.a[0]), a.a[1], a.a[2], 0); }
JUNCTION_HANDLER(signalfd4) { return SignalfdCommon(static_cast<int>(a.a[0]), a.a[1], a.a[2], static_cast<int>(a.a[3])); }

}  // namespace junction::libos
