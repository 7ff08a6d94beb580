// eventfd, timerfd and signalfd objects (Linux fs/eventfd.c,
// fs/timerfd.c, fs/signalfd.c).
#pragma once

#include <time.h>

#include <atomic>

#include "libos/fs/file.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::ipc {

// An eventfd or timerfd read once a fork moved the object to host
// descriptor `h`, into a buffer of which `room` bytes lie in guest memory:
// the 8-byte value is taken and what fits copied, as Linux (`partial`:
// the call then counts those bytes, timerfd; else EFAULT, eventfd).
SysResult<size_t> HostCounterRead(const fs::FilePtr& h, void* buf, size_t len, size_t room, bool partial);

class EventFd : public fs::File {
 public:
  EventFd(uint64_t initval, int flags);  // flags: EFD_SEMAPHORE|EFD_NONBLOCK
  SysResult<size_t> Read(void* buf, size_t len) override { return ReadPartial(buf, len, ~size_t{0}); }
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override;
  SysResult<size_t> Write(const void* buf, size_t len) override;
  SysResult<void> Stat(struct stat* st) override;
  uint32_t Poll() override;
  // lseek leaves the position where it is (Linux's noop_llseek): 0, not ESPIPE.
  SysResult<int64_t> Seek(int64_t, int) override { return int64_t{0}; }
  bool host_pollable() const override { return false; }
  // For a fork (below): a host eventfd with the same count and mode, which
  // replaces this one, also for calls blocked here and later ones (null on
  // failure).
  fs::FilePtr MoveToHost();
  fs::FilePtr MovedTo() override;

 private:
  sched::SpinLock lock_;
  uint64_t count_;  // guarded by lock_
  // The replacement (MoveToHost); held strongly, as an in-flight call holds
  // its file on Linux. Guarded by lock_.
  fs::FilePtr host_;
  bool semaphore_;
  uint64_t ino_;
  sched::WaitQueue readq_, writeq_;
};

// Before a fork: eventfds in the descriptor table become host eventfds
// (count carried over), which both processes then share.
void HostEventFdsForFork(fs::Replacements& replaced);

class TimerFd : public fs::File {
 public:
  TimerFd(clockid_t clock, int flags);
  ~TimerFd() override;
  SysResult<size_t> Read(void* buf, size_t len) override { return ReadPartial(buf, len, ~size_t{0}); }
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override;
  SysResult<void> Stat(struct stat* st) override;
  uint32_t Poll() override;
  // lseek leaves the position where it is (Linux's noop_llseek): 0, not ESPIPE.
  SysResult<int64_t> Seek(int64_t, int) override { return int64_t{0}; }
  bool host_pollable() const override { return false; }
  uint64_t NextEventNs() override;
  // timerfd_settime / timerfd_gettime (its own clock's times).
  SysResult<void> Set(int flags, const itimerspec& value, itimerspec* old);
  void Get(itimerspec* cur);
  // TFD_IOC_SET_TICKS.
  SysResult<long> Ioctl(unsigned long req, long arg) override;
  // For a fork (below): a host timerfd on the same clock with the same
  // remaining time, interval and pending expirations, which replaces this
  // one (disarmed), also for calls blocked here and later reads (null on
  // failure).
  fs::FilePtr MoveToHost();
  fs::FilePtr MovedTo() override;

 private:
  friend void NotifyRealtimeTimers();
  uint64_t ClockNow() const;
  // Folds expirations up to now into ticks_; lock_ held.
  void Advance_locked(uint64_t now);
  // TFD_TIMER_CANCEL_ON_SET and the clock was set since it was armed.
  bool Canceled_locked() const;

  sched::SpinLock lock_;
  clockid_t clock_;
  uint64_t next_ = 0;      // next expiry in clock_'s ns, 0 = disarmed
  uint64_t interval_ = 0;  // ns
  uint64_t ticks_ = 0;     // expirations not yet read
  bool might_cancel_ = false;  // armed with TFD_TIMER_CANCEL_ON_SET
  uint64_t clock_sets_ = 0;    // ClockSetCount() when armed or last canceled
  uint64_t ino_;
  fs::FilePtr host_;  // the replacement (MoveToHost), guarded by lock_
  sched::WaitQueue readq_;
  TimerFd* list_prev_ = nullptr;  // the list of realtime timerfds (timerfd.cc)
  TimerFd* list_next_ = nullptr;
};

// Before a fork: timerfds in the descriptor table become host timerfds,
// which both processes then share (one expiration count). Their path stays
// "anon_inode:[timerfd]", which is how timerfd_settime/gettime recognize
// them (IsHostTimerFd). TFD_TIMER_CANCEL_ON_SET does not carry over.
void HostTimerFdsForFork(fs::Replacements& replaced);
bool IsHostTimerFd(const fs::File& f);

// CLOCK_REALTIME was set: wakes the waiters of every realtime timerfd
// (clock_watch.h). Not from a host signal handler or the reactor.
void NotifyRealtimeTimers();

class SignalFd : public fs::File {
 public:
  SignalFd(uint64_t mask, int flags);
  ~SignalFd() override;
  SysResult<size_t> Read(void* buf, size_t len) override { return ReadPartial(buf, len, ~size_t{0}); }
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override;
  SysResult<void> Stat(struct stat* st) override;
  uint32_t Poll() override;
  // lseek leaves the position where it is (Linux's noop_llseek): 0, not ESPIPE.
  SysResult<int64_t> Seek(int64_t, int) override { return int64_t{0}; }
  bool host_pollable() const override { return false; }
  void set_mask(uint64_t m);

 private:
  friend void NotifySignalFds();
  // Takes pending signals in the mask into `buf`; bytes written.
  int Take(void* buf, size_t len, size_t room);
  // Wakes blocked readers and poll/epoll watchers.
  void Wake();

  std::atomic<uint64_t> mask_;
  uint64_t ino_;
  sched::SpinLock lock_;  // orders readers' checks against Wake()
  sched::WaitQueue readq_;
  SignalFd* prev_ = nullptr;  // the list of live signalfds (signalfd.cc)
  SignalFd* next_ = nullptr;
};

// A signal became pending (queued from LibOS code, or noticed by the
// scheduler after a host signal handler queued it): wakes every signalfd's
// readers and watchers. Not from a host signal handler (takes locks).
void NotifySignalFds();

}  // namespace junction::libos::ipc
