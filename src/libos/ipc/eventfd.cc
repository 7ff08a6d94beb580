#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <sys/syscall.h>

#include <algorithm>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/fs/fd_table.h"
#include "libos/host/host.h"

#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"

namespace junction::libos::ipc {

namespace {
constexpr uint64_t kMax = 0xfffffffffffffffeULL;
}  // namespace

EventFd::EventFd(uint64_t initval, int flags)
    : File(O_RDWR | (flags & EFD_NONBLOCK), "anon_inode:[eventfd]"),
      count_(initval), semaphore_(flags & EFD_SEMAPHORE), ino_(NextAnonIno()) {}

SysResult<size_t> HostCounterRead(const fs::FilePtr& h, void* buf, size_t len, size_t room, bool partial) {
  uint64_t v;
  if (room >= sizeof(v)) return HostRw(h, false, buf, len);  // the host writes 8 bytes
  auto r = HostRw(h, false, &v, sizeof(v));
  if (!r.ok()) return r;
  size_t n = SafeCopyCount(buf, &v, room);
  if (!partial || !n) return Errno{EFAULT};
  return n;
}

SysResult<size_t> EventFd::ReadPartial(void* buf, size_t len, size_t room) {
  if (len < sizeof(uint64_t)) return Errno{EINVAL};
  lock_.lock();
  while (!count_) {
    if (host_) {
      // A fork replaced it (its count went along): read there.
      fs::FilePtr h = host_;
      lock_.unlock();
      return HostCounterRead(h, buf, len, room, false);
    }
    if (nonblocking()) {
      lock_.unlock();
      return Errno{EAGAIN};
    }
    long r = readq_.Wait(lock_);
    if (r) return Errno{static_cast<int>(-r)};
    lock_.lock();
  }
  uint64_t v = semaphore_ ? 1 : count_;
  count_ -= v;
  lock_.unlock();
  // As Linux: the count is consumed even if the guest's buffer faults
  // (what fits before the fault is written, the call fails).
  bool copied = SafeCopyCount(buf, &v, std::min(sizeof(v), room)) == sizeof(v);
  writeq_.WakeAll();
  hub().Notify(EPOLLOUT);
  if (!copied) return Errno{EFAULT};
  return sizeof(uint64_t);
}

SysResult<size_t> EventFd::Write(const void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno{EINVAL};
  uint64_t v;
  if (!SafeCopy(&v, buf, sizeof(v))) return Errno{EFAULT};
  if (v == ~uint64_t{0}) return Errno{EINVAL};
  lock_.lock();
  for (;;) {
    if (host_) {
      // A fork replaced it: the count is there now.
      fs::FilePtr h = host_;
      lock_.unlock();
      return HostRw(h, true, &v, sizeof(v));
    }
    if (kMax - count_ >= v) break;
    if (nonblocking()) {
      lock_.unlock();
      return Errno{EAGAIN};
    }
    long r = writeq_.Wait(lock_);
    if (r) return Errno{static_cast<int>(-r)};
    lock_.lock();
  }
  count_ += v;
  lock_.unlock();
  if (v) {
    readq_.WakeAll();
    hub().Notify(EPOLLIN);
  }
  return sizeof(uint64_t);
}

SysResult<void> EventFd::Stat(struct stat* st) {
  *st = fs::SyntheticStat(kAnonDev, ino_, 0600);
  return {};
}

uint32_t EventFd::Poll() {
  sched::SpinGuard g(lock_);
  if (host_) return 0;  // waiters follow MovedTo()
  uint32_t ev = 0;
  if (count_) ev |= EPOLLIN | EPOLLRDNORM;
  if (count_ < kMax) ev |= EPOLLOUT | EPOLLWRNORM;
  return ev;
}

}  // namespace junction::libos::ipc

namespace junction::libos::ipc {

fs::FilePtr EventFd::MoveToHost() {
  {
    sched::SpinGuard g(lock_);
    if (host_) return host_;  // moved at an earlier fork (passed back in since)
    // eventfd2 takes a 32-bit initial count; the rest is written. The host
    // description stays non-blocking; the guest's mode is the File's flag
    // and blocking reads wait in the reactor.
    int fd = static_cast<int>(host::Syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK | (semaphore_ ? EFD_SEMAPHORE : 0)));
    if (fd < 0) return nullptr;
    if (count_) host::Syscall(SYS_write, fd, host::L(&count_), sizeof(count_));
    count_ = 0;
    host_ = std::make_shared<fs::HostFile>(flags(), path(), fd);
  }
  // Blocked reads and writes go on on the host eventfd; poll/select in
  // progress follow MovedTo().
  readq_.WakeAll();
  writeq_.WakeAll();
  hub().Notify(EPOLLIN | EPOLLOUT);
  return MovedTo();
}

fs::FilePtr EventFd::MovedTo() {
  sched::SpinGuard g(lock_);
  return host_;
}

void HostEventFdsForFork(fs::Replacements& replaced) {
  fs::FdTable& table = fs::FdTable::Get();
  for (int fd : table.Numbers()) {
    fs::FilePtr f = table.Lookup(fd);
    auto* e = dynamic_cast<EventFd*>(f.get());
    if (!e || replaced.count(e)) continue;
    if (fs::FilePtr h = e->MoveToHost()) replaced.emplace(e, h);
  }
}

}  // namespace junction::libos::ipc
