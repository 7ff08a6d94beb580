// The pipe's part of the lazy read/write path (libos/entry/libos_context.h):
// built with -mgeneral-regs-only, copies with `rep movsb`, and enters the
// LibOS context before calling anything that may use vector registers or
// TLS (poll watchers, the packet queue). A read that must wait parks on the
// guest's registers (the switch saves them, sched/kthread.cc), so a pipe
// ping-pong costs what a futex one does. Blocking writes, packet writes
// (O_DIRECT) and EPIPE are left to PipeBuffer::Write.
#include <fcntl.h>
#include <sys/epoll.h>

#include <cerrno>

#include "libos/entry/libos_context.h"
#include "libos/ipc/pipe.h"

namespace junction::libos::ipc {

namespace {

// `rep movsb` costs ~30 cycles to start: short copies (one-byte pipe
// messages) move words instead.
inline void CopyBytes(void* dst, const void* src, size_t n) {
  if (n <= 16) {
    auto* d = static_cast<char*>(dst);
    const auto* s = static_cast<const char*>(src);
    if (n >= 8) {
      uint64_t a, b;
      __builtin_memcpy(&a, s, 8);
      __builtin_memcpy(&b, s + n - 8, 8);
      __builtin_memcpy(d, &a, 8);
      __builtin_memcpy(d + n - 8, &b, 8);
      return;
    }
    for (size_t i = 0; i < n; i++) d[i] = s[i];
    return;
  }
  asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

// Copies n bytes out of or into the ring at `at` (wrapping).
inline void CopyFromRing(void* dst, const char* ring, size_t cap, size_t at, size_t n) {
  size_t first = n < cap - at ? n : cap - at;
  CopyBytes(dst, ring + at, first);
  if (n > first) CopyBytes(static_cast<char*>(dst) + first, ring, n - first);
}

inline void CopyToRing(char* ring, size_t cap, size_t at, const void* src, size_t n) {
  size_t first = n < cap - at ? n : cap - at;
  CopyBytes(ring + at, src, first);
  if (n > first) CopyBytes(ring, static_cast<const char*>(src) + first, n - first);
}

}  // namespace

void PipeBuffer::NotifyEndsLazy(uint32_t rd, uint32_t wr) {
  sched::SchedGuard g(ends_lock_);
  fs::File* end = rd ? read_end_ : write_end_;
  // As PollHub::Notify: a watcher added after this peek re-reads Poll().
  if (!end || end->hub().empty()) return;
  EnterLibos(CurrentThread());
  end->hub().Notify(rd ? rd : wr);
}

long PipeBuffer::ReadLazy(PipeEnd* end, void* buf, size_t len) {
  if (!len) return kNotLazy;
  bool pinned = false;
  long r = 0;
  sched::LockSched(lock_);
  if (!used_) {
    if (!writers_) {
      lock_.unlock();
      return 0;
    }
    if (end->nonblocking()) {
      lock_.unlock();
      return -EAGAIN;
    }
    if (!pinnable_) {
      lock_.unlock();
      return kNotLazy;
    }
    // The end stays alive only while this kthread's lazy_object names it:
    // the wait pins the buffer instead, and counts as a reader (as the file
    // an in-flight Linux read holds keeps the pipe open for reading even
    // if its descriptor is closed meanwhile). Not looking at the end again
    // has one cost: O_NONBLOCK set by another thread during the wait takes
    // effect at the next read, where Linux would also end a wait that a
    // competing reader left without data with EAGAIN.
    lazy_pins_++;
    readers_++;
    pinned = true;
    __atomic_store_n(&CurrentThread()->lazy_object, nullptr, __ATOMIC_RELEASE);
    r = WaitReadableLazy_locked();
  }
  size_t n = 0;
  if (!r && used_) {
    if (!packets_.empty()) {
      // O_DIRECT writes: the packet queue (std::deque) may free memory.
      EnterLibos(CurrentThread());
      n = Consume_locked(buf, len, false, nullptr);
    } else {
      n = len < used_ ? len : used_;
      CopyFromRing(buf, ring_.data(), cap_, head_, n);
      head_ += n;  // head_ < cap_ and n <= used_ <= cap_: no division
      if (head_ >= cap_) head_ -= cap_;
      used_ -= n;
      if (!used_) head_ = 0;
    }
  }
  // Under lock_ the ends are stable (Attach/Detach take it) and a writer
  // waiting for space is queued: peek, and skip the locks when no one waits.
  bool notify = n && write_end_ && !write_end_->hub().empty();
  if (n && writeq_.may_have_waiters()) writeq_.WakeAll();
  bool last_reader = false, free_buffer = false;
  if (pinned) {
    last_reader = --readers_ == 0;
    if (!notify && !last_reader) {
      pinned = false;
      free_buffer = --lazy_pins_ == 0 && orphaned_;
    }
  }
  lock_.unlock();
  if (notify) NotifyEndsLazy(0, EPOLLOUT | EPOLLWRNORM);
  if (last_reader) {
    // The descriptor was closed while the read waited: the writers learn
    // of it now (as Detach tells them).
    EnterLibos(CurrentThread());
    writeq_.WakeAll();
    NotifyEnds(0, EPOLLERR | EPOLLOUT);
  }
  if (pinned) {
    sched::SchedGuard g(lock_);
    free_buffer = --lazy_pins_ == 0 && orphaned_;
  }
  if (free_buffer) {
    // Every reference went while the read waited (ReleaseLast).
    EnterLibos(CurrentThread());
    delete this;
  }
  return r ? r : static_cast<long>(n);
}

long PipeBuffer::WaitReadableLazy_locked() {
  while (!used_ && writers_) {
    long r = readq_.Wait(lock_);
    sched::LockSched(lock_);
    if (r) return r;
  }
  return 0;
}

long PipeBuffer::WriteLazy(fs::File* end, const void* buf, size_t len) {
  if (!len || (end->flags() & O_DIRECT)) return kNotLazy;
  sched::LockSched(lock_);
  if (!readers_ || cap_ - used_ < len) {
    lock_.unlock();
    return kNotLazy;
  }
  size_t tail = head_ + used_;  // < 2 * cap_: no division
  if (tail >= cap_) tail -= cap_;
  CopyToRing(ring_.data(), cap_, tail, buf, len);
  used_ += len;
  bool wake = readq_.may_have_waiters();
  bool notify = read_end_ && !read_end_->hub().empty();
  lock_.unlock();
  if (wake) readq_.WakeAll();
  if (notify) NotifyEndsLazy(EPOLLIN | EPOLLRDNORM, 0);
  return static_cast<long>(len);
}

}  // namespace junction::libos::ipc
