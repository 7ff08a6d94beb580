// The pipe's part of the lazy read/write path (libos/entry/libos_context.h):
// built with -mgeneral-regs-only, copies with `rep movsb`, and enters the
// LibOS context before calling anything that may use vector registers or
// TLS (poll watchers). Blocking, packets (O_DIRECT), EOF and EPIPE are left
// to PipeBuffer::Read/Write.
#include <fcntl.h>
#include <sys/epoll.h>

#include "libos/entry/libos_context.h"
#include "libos/ipc/pipe.h"

namespace junction::libos::ipc {

namespace {

inline void CopyBytes(void* dst, const void* src, size_t n) {
  asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

}  // namespace

void PipeBuffer::NotifyEndsLazy(uint32_t rd, uint32_t wr) {
  sched::SpinGuard g(ends_lock_);
  fs::File* end = rd ? read_end_ : write_end_;
  // As PollHub::Notify: a watcher added after this peek re-reads Poll().
  if (!end || end->hub().empty()) return;
  EnterLibos(CurrentThread());
  end->hub().Notify(rd ? rd : wr);
}

long PipeBuffer::ReadLazy(fs::File* end, void* buf, size_t len) {
  (void)end;
  if (!len) return kNotLazy;
  lock_.lock();
  if (!used_ || !packets_.empty()) {
    lock_.unlock();
    return kNotLazy;
  }
  size_t n = len < used_ ? len : used_;
  size_t first = n < cap_ - head_ ? n : cap_ - head_;
  CopyBytes(buf, ring_.data() + head_, first);
  CopyBytes(static_cast<char*>(buf) + first, ring_.data(), n - first);
  head_ = (head_ + n) % cap_;
  used_ -= n;
  if (!used_) head_ = 0;
  lock_.unlock();
  writeq_.WakeAll();
  NotifyEndsLazy(0, EPOLLOUT | EPOLLWRNORM);
  return static_cast<long>(n);
}

long PipeBuffer::WriteLazy(fs::File* end, const void* buf, size_t len) {
  if (!len || (end->flags() & O_DIRECT)) return kNotLazy;
  lock_.lock();
  if (!readers_ || cap_ - used_ < len) {
    lock_.unlock();
    return kNotLazy;
  }
  size_t tail = (head_ + used_) % cap_;
  size_t first = len < cap_ - tail ? len : cap_ - tail;
  CopyBytes(ring_.data() + tail, buf, first);
  CopyBytes(ring_.data(), static_cast<const char*>(buf) + first, len - first);
  used_ += len;
  lock_.unlock();
  readq_.WakeAll();
  NotifyEndsLazy(EPOLLIN | EPOLLRDNORM, 0);
  return static_cast<long>(len);
}

}  // namespace junction::libos::ipc
