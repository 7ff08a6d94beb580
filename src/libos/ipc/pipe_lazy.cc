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
#include "libos/entry/safe_copy.h"
#include "libos/ipc/pipe.h"
#include "libos/ipc/pipe_ring_copy.h"

namespace junction::libos::ipc {

void PipeBuffer::NotifyEndsLazy(uint32_t rd, uint32_t wr) {
  sched::SchedGuard g(ends_lock_);
  fs::File* end = rd ? read_end_ : write_end_;
  // As PollHub::Notify: a watcher added after this peek re-reads Poll().
  if (!end || end->hub().empty()) return;
  EnterLibos(CurrentThread());
  end->hub().Notify(rd ? rd : wr);
}

// The helpers below are inline: each was a frame of every blocking read
// or write of a pipe ping-pong.
[[gnu::always_inline]] inline void PipeBuffer::PinLazy_locked(bool writer) {
  lazy_pins_++;
  (writer ? writers_ : readers_)++;
  // From here on the end may be closed and freed (its lazy_object slot
  // no longer names it): the wait touches only this buffer.
  __atomic_store_n(&CurrentThread()->lazy_object, nullptr, __ATOMIC_RELEASE);
}

[[gnu::always_inline]] inline void PipeBuffer::FinishLazy_locked(bool writer, bool pinned,
                                                                   uint32_t ev) {
  // Under lock_ the ends are stable (Attach/Detach take it) and whoever
  // waits on the other side is queued: peek, and skip the wake-up's and the
  // notification's locks when no one waits or watches.
  sched::WaitQueue& other = writer ? readq_ : writeq_;
  fs::File* peer = writer ? read_end_ : write_end_;
  bool wake = ev && other.may_have_waiters();
  bool notify = ev && peer && !peer->hub().empty();
  bool last_end = false, free_buffer = false;
  if (pinned) {
    last_end = --(writer ? writers_ : readers_) == 0;
    if (!wake && !notify && !last_end) {
      pinned = false;
      free_buffer = --lazy_pins_ == 0 && orphaned_;
    }
  }
  lock_.unlock();
  // Past here the buffer lives on through the end (its lazy_object slot)
  // or the pin, which is dropped last.
  if (wake) other.WakeAll();
  if (notify) NotifyEndsLazy(writer ? ev : 0, writer ? 0 : ev);
  if (last_end) {
    // The waiter's descriptor was closed while it waited: the other side
    // learns of it now (as Detach tells it).
    EnterLibos(CurrentThread());
    if (writer) {
      readq_.WakeAll();
      NotifyEnds(EPOLLHUP | EPOLLIN, 0);
    } else {
      writeq_.WakeAll();
      NotifyEnds(0, EPOLLERR | EPOLLOUT);
    }
  }
  if (pinned) {
    sched::SchedGuard g(lock_);
    free_buffer = --lazy_pins_ == 0 && orphaned_;
  }
  if (free_buffer) {
    // Every reference went while the call waited (ReleaseLast).
    EnterLibos(CurrentThread());
    delete this;
  }
}

[[gnu::always_inline]] inline long PipeBuffer::WaitReadableLazy_locked() {
  while (!used_ && writers_ && !moved_) {
    long r = readq_.Wait(lock_);
    sched::LockSched(lock_);
    if (r) return r;
  }
  return 0;
}

long PipeBuffer::ReadLazy(PipeEnd* end, void* buf, size_t len) {
  if (!len) return kNotLazy;
  bool pinned = false;
  long r = 0;
  sched::LockSched(lock_);
  if (moved_) {
    // A fork made it a host pipe and its bytes went along: the full path
    // reads the host end (here it said EAGAIN or end of file).
    lock_.unlock();
    return kNotLazy;
  }
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
    // The wait pins the buffer and counts as a reader (as the file an
    // in-flight Linux read holds keeps the pipe open for reading even if
    // its descriptor is closed meanwhile). Not looking at the end again
    // has one cost: O_NONBLOCK set by another thread during the wait takes
    // effect at the next read, where Linux would also end a wait that a
    // competing reader left without data with EAGAIN.
    PinLazy_locked(false);
    pinned = true;
    r = WaitReadableLazy_locked();
    if (!r && !used_ && moved_) {
      // A fork made it a host pipe (its bytes went along): nothing was
      // read, the full path reads the descriptor's host end.
      FinishLazy_locked(false, true, 0);
      return kNotLazy;
    }
  }
  size_t n = 0;
  if (!r && used_) {
    if (!packets_.empty()) {
      // O_DIRECT writes: the packet queue (std::deque) may free memory.
      EnterLibos(CurrentThread());
      n = Consume_locked(buf, len, false, nullptr);
      if (n == kCopyFault) {
        n = 0;
        r = -EFAULT;
      }
    } else {
      n = len < used_ ? len : used_;
      size_t c = CopyFromRing(buf, ring_.data(), cap_, head_, n);
      // buf faulted: as Linux, only the units copied whole are read.
      if (c < n) n = segs_.WholeUnitsOfRead(n, c);
      if (n) Drop_locked(n);
      else r = -EFAULT;  // nothing consumed
    }
  }
  FinishLazy_locked(false, pinned, n ? EPOLLOUT | EPOLLWRNORM : 0);
  return r ? r : static_cast<long>(n);
}

long PipeBuffer::WriteLazy(PipeEnd* end, const void* buf, size_t len) {
  if (!len || (end->flags() & O_DIRECT)) return kNotLazy;
  bool pinned = false;
  sched::LockSched(lock_);
  if (moved_) {
    // A fork made it a host pipe: the full path writes to the host end
    // (bytes put here would never be read).
    lock_.unlock();
    return kNotLazy;
  }
  if (readers_ && !Fits_locked(len)) {
    // Only a write of at most PIPE_BUF waits here (it is all or nothing);
    // a longer one writes what fits first, on the full path.
    if (len > kPipeBuf || !pinnable_) {
      lock_.unlock();
      return kNotLazy;
    }
    if (end->nonblocking()) {
      lock_.unlock();
      return -EAGAIN;
    }
    // As a waiting read: a pin, and the wait counts as a writer (readers
    // see no EOF while it waits, even if its descriptor is closed).
    PinLazy_locked(true);
    pinned = true;
    long r = 0;
    while (readers_ && !Fits_locked(len) && !moved_) {
      r = writeq_.Wait(lock_);
      sched::LockSched(lock_);
      if (r) break;
    }
    if (r) {
      FinishLazy_locked(true, true, 0);
      return r;
    }
    if (moved_) {
      // A fork made it a host pipe: nothing was written, the full path
      // writes to the descriptor's host end.
      FinishLazy_locked(true, true, 0);
      return kNotLazy;
    }
  }
  if (!readers_) {
    if (!pinned) {
      lock_.unlock();
      return kNotLazy;  // EPIPE and SIGPIPE on the full path
    }
    // The readers went while it waited (the end may be gone too).
    FinishLazy_locked(true, true, 0);
    EnterLibos(CurrentThread());
    RaiseSigpipe();
    return -EPIPE;
  }
  size_t tail = head_ + used_;  // < 2 * cap_: no division
  if (tail >= cap_) tail -= cap_;
  // As Linux pipe_write: the first len % PAGE_SIZE bytes may merge into
  // the last unit, the rest goes in page-sized units; if buf faults, the
  // whole units copied are committed and counted (none: EFAULT).
  size_t merge = segs_.MergeBytes(len, used_ == 0);
  size_t n = CopyToRing(ring_.data(), cap_, tail, buf, len);
  if (n < len) n = segs_.WholeUnitsOfWrite(0, n, merge);
  if (!n) {
    FinishLazy_locked(true, pinned, 0);
    return -EFAULT;
  }
  used_ += n;
  segs_.Add(0, n, merge);
  FinishLazy_locked(true, pinned, EPOLLIN | EPOLLRDNORM);
  return static_cast<long>(n);
}

}  // namespace junction::libos::ipc
