#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include <cstring>

#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"

namespace junction::libos::ipc {

namespace {
constexpr uint64_t kMax = 0xfffffffffffffffeULL;
}  // namespace

EventFd::EventFd(uint64_t initval, int flags)
    : File(O_RDWR | (flags & EFD_NONBLOCK), "anon_inode:[eventfd]"),
      count_(initval), semaphore_(flags & EFD_SEMAPHORE), ino_(NextAnonIno()) {}

SysResult<size_t> EventFd::Read(void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno{EINVAL};
  lock_.lock();
  while (!count_) {
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
  std::memcpy(buf, &v, sizeof(v));
  writeq_.WakeAll();
  hub().Notify(EPOLLOUT);
  return sizeof(uint64_t);
}

SysResult<size_t> EventFd::Write(const void* buf, size_t len) {
  if (len < sizeof(uint64_t)) return Errno{EINVAL};
  uint64_t v;
  std::memcpy(&v, buf, sizeof(v));
  if (v == ~uint64_t{0}) return Errno{EINVAL};
  lock_.lock();
  while (kMax - count_ < v) {
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
  uint32_t ev = 0;
  if (count_) ev |= EPOLLIN | EPOLLRDNORM;
  if (count_ < kMax) ev |= EPOLLOUT | EPOLLWRNORM;
  return ev;
}

}  // namespace junction::libos::ipc
