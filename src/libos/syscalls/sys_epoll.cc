// epoll (libos/ipc/epoll.h).
#include <sys/epoll.h>

#include <algorithm>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/ipc/epoll.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

constexpr int kMaxEvents = (1 << 30) / static_cast<int>(sizeof(epoll_event));

long CreateCommon(long flags) {
  if (flags & ~static_cast<long>(EPOLL_CLOEXEC)) return -EINVAL;
  return InstallFile(std::make_shared<ipc::Epoll>(), flags & EPOLL_CLOEXEC);
}

// timeout_ns < 0: none; 0: do not block.
long WaitCommon(long epfd, long events_addr, long max, int64_t timeout_ns) {
  if (max <= 0 || max > kMaxEvents) return -EINVAL;
  size_t bytes = sizeof(epoll_event) * static_cast<size_t>(max);
  fs::FilePtr f = fs::FdTable::Get().Lookup(epfd);
  if (!f) return -EBADF;
  auto* ep = dynamic_cast<ipc::Epoll*>(f.get());
  if (!ep) return -EINVAL;
  // After the descriptor's errors, as Linux's, which checks only that the
  // buffer lies in user space and faults when it copies an event out: a
  // wait that reports nothing returns 0 whatever the buffer.
  if (!InUserSpace(static_cast<uintptr_t>(events_addr), bytes)) return -EFAULT;
  size_t want = static_cast<size_t>(max);
  // No event is taken that cannot be given: the wait ends with EFAULT once
  // one is ready, now or later, and leaves it queued (Linux's
  // ep_send_events puts it back), edge-triggered or one-shot too.
  bool keep = !GuestWritable(static_cast<uintptr_t>(events_addr), bytes);
  if (keep) want = 1;
  // Harvest into LibOS memory, then copy out (epoll_event is packed). As
  // many as can be ready (one per member), so a wait reports all of them
  // up to `max` as Linux does; members added meanwhile wait for the next.
  size_t room = std::max<size_t>(ep->Members(), 64);
  std::vector<epoll_event> out(std::min(want, room));
  uint64_t deadline = timeout_ns > 0 ? DeadlineAfter(static_cast<uint64_t>(timeout_ns)) : 0;
  auto n = ep->Wait(out.data(), static_cast<int>(out.size()), timeout_ns != 0, deadline, keep);
  if (!n.ok()) return -n.error();
  if (!*n) return 0;
  if (keep) return -EFAULT;
  // Looked at again: the guest may have changed its mappings meanwhile,
  // and the copy must never reach LibOS memory.
  size_t copy = sizeof(epoll_event) * static_cast<size_t>(*n);
  if (!GuestWritable(static_cast<uintptr_t>(events_addr), copy) ||
      !SafeCopy(reinterpret_cast<void*>(events_addr), out.data(), copy))
    return -EFAULT;
  return *n;
}

}  // namespace

JUNCTION_HANDLER(epoll_create) {
  if (a.a[0] <= 0) return -EINVAL;
  return CreateCommon(0);
}
JUNCTION_HANDLER(epoll_create1) { return CreateCommon(a.a[0]); }

JUNCTION_HANDLER(epoll_ctl) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
  fs::FilePtr target = fs::FdTable::Get().Lookup(a.a[2]);
  if (!f || !target) return -EBADF;
  auto* ep = dynamic_cast<ipc::Epoll*>(f.get());
  if (!ep) return -EINVAL;
  int op = static_cast<int>(a.a[1]);
  epoll_event ev{};
  if (op != EPOLL_CTL_DEL) {
    auto r = UserPtr<epoll_event>(a.a[3]).Read();
    if (!r.ok()) return -EFAULT;
    ev = *r;
  } else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL) {
    return -EINVAL;
  }
  return ToRaw(ep->Ctl(op, static_cast<int>(a.a[2]), target, op == EPOLL_CTL_DEL ? nullptr : &ev));
}

JUNCTION_HANDLER(epoll_wait) {
  int64_t t = static_cast<int>(a.a[3]);
  return WaitCommon(a.a[0], a.a[1], a.a[2], t < 0 ? -1 : t * 1000000);
}

JUNCTION_HANDLER(epoll_pwait) {
  TempSigmask mask(a.a[4], a.a[5]);
  if (!mask.ok()) return a.a[4] && a.a[5] != 8 ? -EINVAL : -EFAULT;
  int64_t t = static_cast<int>(a.a[3]);
  return mask.Finish(WaitCommon(a.a[0], a.a[1], a.a[2], t < 0 ? -1 : t * 1000000));
}

JUNCTION_HANDLER(epoll_pwait2) {
  int64_t t = -1;
  if (a.a[3]) {
    auto ts = UserPtr<timespec>(a.a[3]).Read();
    if (!ts.ok()) return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -EINVAL;
    t = ts->tv_sec * 1000000000L + ts->tv_nsec;
  }
  TempSigmask mask(a.a[4], a.a[5]);
  if (!mask.ok()) return a.a[4] && a.a[5] != 8 ? -EINVAL : -EFAULT;
  return mask.Finish(WaitCommon(a.a[0], a.a[1], a.a[2], t));
}

}  // namespace junction::libos
