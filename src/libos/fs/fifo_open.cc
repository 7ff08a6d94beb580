#include "libos/fs/fifo_open.h"

#include <linux/io_uring.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "libos/host/host.h"
#include "sched/reactor.h"
#include "sched/spinlock.h"

namespace junction::libos::fs {

namespace {

constexpr uint64_t kOpenTag = 1, kCancelTag = 2, kWatchTag = 3;
constexpr long kRestartSys = 512;  // the kernel's ERESTARTSYS, seen in a cancelled open's result

// A small ring used by one blocking open at a time (pooled between them):
// opens that block are rare, so no ring is shared between uthreads.
class OpenRing {
 public:
  ~OpenRing() {
    if (sq_ != MAP_FAILED) host::Munmap(reinterpret_cast<uintptr_t>(sq_), sq_len_);
    if (sqes_ != MAP_FAILED) host::Munmap(reinterpret_cast<uintptr_t>(sqes_), sqes_len_);
    if (fd_ >= 0) host::Syscall(SYS_close, fd_);
  }

  long Init() {
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    long fd = host::Syscall(SYS_io_uring_setup, 2, host::L(&p));
    if (fd < 0) return fd;
    fd_ = static_cast<int>(fd);
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) return -ENOSYS;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    sq_len_ = sq_len > cq_len ? sq_len : cq_len;
    sqes_len_ = p.sq_entries * sizeof(io_uring_sqe);
    long sq = host::Mmap(0, sq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                         IORING_OFF_SQ_RING);
    if (sq < 0) return sq;
    sq_ = reinterpret_cast<char*>(sq);
    long sqes = host::Mmap(0, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                           IORING_OFF_SQES);
    if (sqes < 0) return sqes;
    sqes_ = reinterpret_cast<io_uring_sqe*>(sqes);
    sq_tail_ = reinterpret_cast<uint32_t*>(sq_ + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<uint32_t*>(sq_ + p.sq_off.ring_mask);
    sq_array_ = reinterpret_cast<uint32_t*>(sq_ + p.sq_off.array);
    cq_head_ = reinterpret_cast<uint32_t*>(sq_ + p.cq_off.head);
    cq_tail_ = reinterpret_cast<uint32_t*>(sq_ + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<uint32_t*>(sq_ + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(sq_ + p.cq_off.cqes);
    return 0;
  }

  int fd() const { return fd_; }

  long Submit(const io_uring_sqe& sqe) {
    uint32_t tail = *sq_tail_;
    uint32_t i = tail & sq_mask_;
    sqes_[i] = sqe;
    sq_array_[i] = i;
    __atomic_store_n(sq_tail_, tail + 1, __ATOMIC_RELEASE);
    long n;
    do {
      n = host::Syscall(SYS_io_uring_enter, fd_, 1, 0, 0, 0, 0);
    } while (n == -EINTR);
    return n == 1 ? 0 : (n < 0 ? n : -EIO);
  }

  // Takes the completions that have arrived; true once none is left of
  // the open and the watch.
  bool TakeResults() {
    uint32_t head = *cq_head_;
    while (head != __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE)) {
      const io_uring_cqe& c = cqes_[head & cq_mask_];
      if (c.user_data == kOpenTag) {
        open_res = c.res;
        open_done = true;
        outstanding--;
      } else if (c.user_data == kWatchTag) {
        watch_fired = c.res > 0 && (c.res & (POLLHUP | POLLERR));
        outstanding--;
      }
      head++;
    }
    __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
    return outstanding == 0;
  }

  long open_res = 0;
  bool open_done = false, watch_fired = false;
  int outstanding = 0;

  // For the next open on a pooled ring (all completions taken).
  void Reset() {
    open_res = 0;
    open_done = watch_fired = false;
    outstanding = 0;
  }

  // Blocks the kthread until a completion arrives; only used after a
  // cancel, which the kernel answers at once.
  void WaitAny() {
    long n;
    do {
      n = host::Syscall(SYS_io_uring_enter, fd_, 0, 1, IORING_ENTER_GETEVENTS, 0, 0);
    } while (n == -EINTR);
  }

 private:
  int fd_ = -1;
  char* sq_ = static_cast<char*>(MAP_FAILED);
  io_uring_sqe* sqes_ = static_cast<io_uring_sqe*>(MAP_FAILED);
  size_t sq_len_ = 0, sqes_len_ = 0;
  uint32_t *sq_tail_ = nullptr, *sq_array_ = nullptr, *cq_head_ = nullptr, *cq_tail_ = nullptr;
  uint32_t sq_mask_ = 0, cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
};

// Rings kept for the next blocking opens: setting one up and tearing it
// down costs ~65 us (native, measured), more than the rest of an open that
// waits. Only this process's: a forked child drops the ones it inherited
// (the parent still uses them).
constexpr size_t kPooledRings = 4;
sched::SpinLock g_pool_lock;
OpenRing* g_pool[kPooledRings];
size_t g_pooled = 0;
long g_pool_pid = 0;

struct RingLease {
  OpenRing* ring = nullptr;

  long Acquire() {
    long pid = host::Syscall(SYS_getpid);
    OpenRing* inherited[kPooledRings];
    size_t n_inherited = 0;
    {
      sched::SpinGuard g(g_pool_lock);
      if (g_pool_pid != pid) {
        for (size_t i = 0; i < g_pooled; i++) inherited[n_inherited++] = g_pool[i];
        g_pooled = 0;
        g_pool_pid = pid;
      }
      if (g_pooled) ring = g_pool[--g_pooled];
    }
    for (size_t i = 0; i < n_inherited; i++) delete inherited[i];
    if (ring) {
      ring->Reset();
      return 0;
    }
    ring = new OpenRing;
    return ring->Init();
  }

  // A ring with nothing in flight goes back to the pool; one with a
  // request left (an error path) is closed, which cancels it.
  ~RingLease() {
    if (!ring) return;
    if (ring->outstanding == 0 && ring->fd() >= 0) {
      sched::SpinGuard g(g_pool_lock);
      if (g_pooled < kPooledRings && g_pool_pid == host::Syscall(SYS_getpid)) {
        g_pool[g_pooled++] = ring;
        return;
      }
    }
    delete ring;
  }
};

}  // namespace

long BlockingHostOpen(int dirfd, const char* path, const open_how& how, int watch_fd,
                      bool* watch_ready) {
  *watch_ready = false;
  RingLease lease;
  long r = lease.Acquire();
  if (r < 0) return r == -EPERM || r == -EINVAL ? -ENOSYS : r;
  OpenRing& ring = *lease.ring;
  io_uring_sqe sqe;
  std::memset(&sqe, 0, sizeof(sqe));
  sqe.opcode = IORING_OP_OPENAT2;
  // IOSQE_ASYNC: straight to the worker, which opens without O_NONBLOCK
  // (an inline attempt would be a non-blocking open: wrong for a FIFO).
  sqe.flags = IOSQE_ASYNC;
  sqe.fd = dirfd;
  sqe.addr = reinterpret_cast<uint64_t>(path);
  sqe.len = sizeof(open_how);
  sqe.off = reinterpret_cast<uint64_t>(&how);
  sqe.user_data = kOpenTag;
  if ((r = ring.Submit(sqe)) < 0) return r == -EPERM ? -ENOSYS : r;
  ring.outstanding++;
  if (watch_fd >= 0) {
    std::memset(&sqe, 0, sizeof(sqe));
    sqe.opcode = IORING_OP_POLL_ADD;
    sqe.fd = watch_fd;
    // Only a hang-up: a FIFO reader's POLLHUP means a writer came and went
    // since the stand-in opened (data may have been there before: no sign).
    sqe.poll32_events = POLLHUP;
    sqe.user_data = kWatchTag;
    if (ring.Submit(sqe) == 0) ring.outstanding++;
  }
  bool interrupted = false;
  while (!ring.TakeResults() && !ring.open_done && !ring.watch_fired) {
    long w = sched::WaitHostFd(ring.fd(), EPOLLIN, 0);
    if (w == -EINTR) {
      interrupted = true;
      break;
    }
    if (w < 0) return w;  // the ring's destructor cancels what is left
  }
  if (ring.outstanding > 0) {
    // Cancel what is left (the kernel interrupts the blocked worker) and
    // wait for it: the open may still have won the race.
    std::memset(&sqe, 0, sizeof(sqe));
    sqe.opcode = IORING_OP_ASYNC_CANCEL;
    sqe.fd = -1;
    sqe.cancel_flags = IORING_ASYNC_CANCEL_ANY;
    sqe.user_data = kCancelTag;
    ring.Submit(sqe);
    while (!ring.TakeResults()) ring.WaitAny();
  }
  if (watch_fd >= 0 && (ring.watch_fired || (ring.open_done && ring.open_res >= 0))) {
    // The stand-in saw the writer (or the open did): the caller keeps it.
    if (ring.open_done && ring.open_res >= 0) host::Syscall(SYS_close, ring.open_res);
    *watch_ready = true;
    return 0;
  }
  if (ring.open_done && ring.open_res >= 0) return ring.open_res;  // stands even if interrupted
  if (interrupted || ring.open_res == -kRestartSys) return -EINTR;
  return ring.open_res;
}

}  // namespace junction::libos::fs
