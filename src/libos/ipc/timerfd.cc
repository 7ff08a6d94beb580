#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include <algorithm>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/clock_watch.h"
#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"
#include "sched/kthread.h"

namespace junction::libos::ipc {

namespace {

uint64_t Ns(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ULL + static_cast<uint64_t>(t.tv_nsec);
}
timespec Ts(uint64_t ns) {
  return {static_cast<time_t>(ns / 1000000000ULL), static_cast<long>(ns % 1000000000ULL)};
}

bool IsRealtime(clockid_t c) { return c == CLOCK_REALTIME || c == CLOCK_REALTIME_ALARM; }

// Realtime timerfds, woken when the clock is set. Lock order: g_list_lock,
// then a TimerFd's lock_, then its PollHub.
sched::SpinLock g_list_lock;
TimerFd* g_list = nullptr;  // guarded by g_list_lock

}  // namespace

TimerFd::TimerFd(clockid_t clock, int flags)
    : File(O_RDWR | (flags & TFD_NONBLOCK), "anon_inode:[timerfd]"), clock_(clock), ino_(NextAnonIno()) {
  if (!IsRealtime(clock_)) return;
  sched::SpinGuard g(g_list_lock);
  list_next_ = g_list;
  if (g_list) g_list->list_prev_ = this;
  g_list = this;
}

TimerFd::~TimerFd() {
  if (!IsRealtime(clock_)) return;
  sched::SpinGuard g(g_list_lock);
  if (list_prev_) list_prev_->list_next_ = list_next_;
  else g_list = list_next_;
  if (list_next_) list_next_->list_prev_ = list_prev_;
}

void NotifyRealtimeTimers() {
  sched::SpinGuard g(g_list_lock);
  for (TimerFd* t = g_list; t; t = t->list_next_) {
    {
      sched::SpinGuard tg(t->lock_);  // orders the count against a reader's check
      t->readq_.WakeAll();
    }
    t->hub().Notify(EPOLLIN);
  }
}

bool TimerFd::Canceled_locked() const { return might_cancel_ && ClockSetCount() != clock_sets_; }

uint64_t TimerFd::ClockNow() const {
  // The *_ALARM clocks read as their base clock.
  clockid_t c = clock_ == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
                : clock_ == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : clock_;
  timespec t{};
  clock_gettime(c, &t);
  return Ns(t);
}

void TimerFd::Advance_locked(uint64_t now) {
  if (!next_ || now < next_) return;
  if (!interval_) {
    ticks_++;
    next_ = 0;
    return;
  }
  uint64_t n = (now - next_) / interval_ + 1;
  ticks_ += n;
  next_ += n * interval_;
}

uint64_t TimerFd::NextEventNs() {
  sched::SpinGuard g(lock_);
  if (!next_ || ticks_) return ~uint64_t{0};
  uint64_t now = ClockNow();
  uint64_t mono = sched::NowNs();
  return next_ <= now ? mono : mono + (next_ - now);
}

SysResult<size_t> TimerFd::ReadPartial(void* buf, size_t len, size_t room) {
  if (len < sizeof(uint64_t)) return Errno{EINVAL};
  lock_.lock();
  for (;;) {
    if (host_) {
      // A fork replaced it (armed the same): read there.
      fs::FilePtr h = host_;
      lock_.unlock();
      return HostCounterRead(h, buf, len, room, true);
    }
    if (Canceled_locked()) {
      // The clock was set: expirations no longer mean anything (Linux
      // drops them too); reported once per set.
      clock_sets_ = ClockSetCount();
      ticks_ = 0;
      lock_.unlock();
      return Errno{ECANCELED};
    }
    Advance_locked(ClockNow());
    if (ticks_) break;
    if (nonblocking()) {
      lock_.unlock();
      return Errno{EAGAIN};
    }
    // Disarmed: wait for timerfd_settime (which wakes us) or a signal.
    uint64_t now = ClockNow();
    uint64_t deadline = next_ ? sched::NowNs() + (next_ > now ? next_ - now : 0) + 1 : 0;
    long r = readq_.Wait(lock_, deadline);
    if (r && r != -ETIMEDOUT) return Errno{static_cast<int>(-r)};
    lock_.lock();
  }
  uint64_t v = ticks_;
  ticks_ = 0;
  lock_.unlock();
  // As Linux: the ticks are consumed even if the guest's buffer faults,
  // and a buffer that faults part-way gets the bytes copied before it.
  size_t n = SafeCopyCount(buf, &v, std::min(sizeof(v), room));
  if (!n) return Errno{EFAULT};
  return n;
}

SysResult<void> TimerFd::Set(int flags, const itimerspec& value, itimerspec* old) {
  if (old) Get(old);
  bool cancel = IsRealtime(clock_) && (flags & TFD_TIMER_ABSTIME) && (flags & TFD_TIMER_CANCEL_ON_SET);
  if (cancel) WatchClockSets();  // before reading the count: no set is missed
  {
    sched::SpinGuard g(lock_);
    might_cancel_ = cancel;
    clock_sets_ = ClockSetCount();
    ticks_ = 0;
    interval_ = Ns(value.it_interval);
    uint64_t v = Ns(value.it_value);
    if (!v) {
      next_ = 0;
    } else if (flags & TFD_TIMER_ABSTIME) {
      next_ = v;
    } else {
      next_ = ClockNow() + v;
    }
  }
  readq_.WakeAll();  // a blocked reader recomputes its deadline
  hub().Notify(EPOLLIN);
  return {};
}

void TimerFd::Get(itimerspec* cur) {
  sched::SpinGuard g(lock_);
  uint64_t now = ClockNow();
  Advance_locked(now);
  cur->it_interval = Ts(interval_);
  cur->it_value = next_ ? Ts(next_ > now ? next_ - now : 1) : Ts(0);
}

SysResult<long> TimerFd::Ioctl(unsigned long req, long arg) {
  if (req != _IOW('T', 0, uint64_t) /*TFD_IOC_SET_TICKS*/) return Errno{ENOTTY};
  uint64_t v;
  std::memcpy(&v, reinterpret_cast<void*>(arg), sizeof(v));  // checked by the caller
  if (!v) return Errno{EINVAL};
  {
    sched::SpinGuard g(lock_);
    ticks_ += v;
  }
  readq_.WakeAll();
  hub().Notify(EPOLLIN);
  return 0L;
}

fs::FilePtr TimerFd::MoveToHost() {
  {
    sched::SpinGuard g(lock_);
    if (host_) return host_;  // moved at an earlier fork (passed back in since)
    // The *_ALARM clocks need CAP_WAKE_ALARM on the host; they tick as
    // their base clocks anyway. Non-blocking on the host; the guest's mode
    // is the File's flag and a blocking read waits in the reactor.
    clockid_t c = clock_ == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
                  : clock_ == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : clock_;
    long fd = host::Syscall(SYS_timerfd_create, c, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) return nullptr;
    itimerspec v{};
    uint64_t now = ClockNow();
    Advance_locked(now);
    v.it_interval = Ts(interval_);
    if (next_) v.it_value = Ts(next_ > now ? next_ - now : 1);
    if (host::Syscall(SYS_timerfd_settime, fd, 0, host::L(&v), 0) < 0) {
      host::Syscall(SYS_close, fd);
      return nullptr;
    }
    // Expirations not yet read carry over (TFD_IOC_SET_TICKS, after the
    // settime, which clears them); a host without it gets one for an
    // unarmed timer (due at once).
    if (ticks_ && host::Syscall(SYS_ioctl, fd, _IOW('T', 0, uint64_t), host::L(&ticks_)) < 0 && !v.it_value.tv_sec &&
        !v.it_value.tv_nsec) {
      v.it_value.tv_nsec = 1;
      host::Syscall(SYS_timerfd_settime, fd, 0, host::L(&v), 0);
    }
    // Disarmed here: its expirations happen there, once.
    next_ = interval_ = ticks_ = 0;
    host_ = std::make_shared<fs::HostFile>(flags(), path(), static_cast<int>(fd));
  }
  // A blocked read goes on on the host timerfd; poll/select in progress
  // follow MovedTo().
  readq_.WakeAll();
  hub().Notify(EPOLLIN);
  return MovedTo();
}

fs::FilePtr TimerFd::MovedTo() {
  sched::SpinGuard g(lock_);
  return host_;
}

void HostTimerFdsForFork(fs::Replacements& replaced) {
  fs::FdTable& table = fs::FdTable::Get();
  for (int fd : table.Numbers()) {
    fs::FilePtr f = table.Lookup(fd);
    auto* t = dynamic_cast<TimerFd*>(f.get());
    if (!t || replaced.count(t)) continue;
    if (fs::FilePtr h = t->MoveToHost()) replaced.emplace(t, h);
  }
}

bool IsHostTimerFd(const fs::File& f) { return f.host_fd() >= 0 && f.path() == "anon_inode:[timerfd]"; }

SysResult<void> TimerFd::Stat(struct stat* st) {
  *st = fs::SyntheticStat(kAnonDev, ino_, 0600);
  return {};
}

uint32_t TimerFd::Poll() {
  sched::SpinGuard g(lock_);
  if (host_) return 0;  // waiters follow MovedTo()
  if (Canceled_locked()) return EPOLLIN | EPOLLRDNORM;
  Advance_locked(ClockNow());
  return ticks_ ? (EPOLLIN | EPOLLRDNORM) : 0;
}

}  // namespace junction::libos::ipc
