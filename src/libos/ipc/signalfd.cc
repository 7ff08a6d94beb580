// signalfd: reads the calling thread's pending signals in the descriptor's
// mask (its own thread-directed ones first, then the process's). Every
// live signalfd is on a list that NotifySignalFds walks when a signal
// becomes pending, so blocked readers, poll and epoll wake at once.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos::ipc {

namespace {

// Every live SignalFd. Lock order: g_list_lock, then a SignalFd's lock_,
// then its PollHub (and the watchers' locks).
sched::SpinLock g_list_lock;
SignalFd* g_list = nullptr;  // guarded by g_list_lock
std::atomic<int> g_count{0};

// Linux's signalfd_copyinfo: which siginfo fields a signal carries
// depends on how it was sent (kernel/signal.c siginfo_layout).
signalfd_siginfo ToSignalfdInfo(int sig, const siginfo_t& in) {
  signalfd_siginfo out{};
  out.ssi_signo = static_cast<uint32_t>(sig);
  out.ssi_errno = in.si_errno;
  out.ssi_code = in.si_code;
  const int code = in.si_code;
  const bool kernel_specific = code > SI_USER && code < SI_KERNEL;
  if (kernel_specific && sig == SIGCHLD) {
    out.ssi_pid = static_cast<uint32_t>(in.si_pid);
    out.ssi_uid = in.si_uid;
    out.ssi_status = in.si_status;
    out.ssi_utime = static_cast<uint64_t>(in.si_utime);
    out.ssi_stime = static_cast<uint64_t>(in.si_stime);
  } else if (kernel_specific && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
                                 sig == SIGFPE || sig == SIGTRAP)) {
    out.ssi_addr = reinterpret_cast<uint64_t>(in.si_addr);
    if (sig == SIGBUS && (code == BUS_MCEERR_AR || code == BUS_MCEERR_AO))
      out.ssi_addr_lsb = static_cast<uint16_t>(in.si_addr_lsb);
  } else if (kernel_specific && sig == SIGSYS && code == 1 /*SYS_SECCOMP*/) {
    out.ssi_call_addr = reinterpret_cast<uint64_t>(in.si_call_addr);
    out.ssi_syscall = in.si_syscall;
    out.ssi_arch = in.si_arch;
  } else if ((kernel_specific && sig == SIGPOLL) || code == SI_SIGIO) {
    out.ssi_band = static_cast<uint32_t>(in.si_band);
    out.ssi_fd = in.si_fd;
  } else if (code == SI_TIMER) {
    out.ssi_tid = static_cast<uint32_t>(in.si_timerid);
    out.ssi_overrun = static_cast<uint32_t>(in.si_overrun);
    out.ssi_ptr = reinterpret_cast<uint64_t>(in.si_ptr);
    out.ssi_int = in.si_int;
  } else if (code < 0 && code != SI_TKILL) {  // sigqueue, mq_notify, AIO
    out.ssi_pid = static_cast<uint32_t>(in.si_pid);
    out.ssi_uid = in.si_uid;
    out.ssi_ptr = reinterpret_cast<uint64_t>(in.si_ptr);
    out.ssi_int = in.si_int;
  } else {  // kill, tgkill, the kernel
    out.ssi_pid = static_cast<uint32_t>(in.si_pid);
    out.ssi_uid = in.si_uid;
  }
  return out;
}

}  // namespace

SignalFd::SignalFd(uint64_t mask, int flags)
    : File(O_RDWR | (flags & SFD_NONBLOCK), "anon_inode:[signalfd]"), mask_(mask), ino_(NextAnonIno()) {
  RouteSignalsToLibos(mask);
  sched::SpinGuard g(g_list_lock);
  next_ = g_list;
  if (g_list) g_list->prev_ = this;
  g_list = this;
  g_count.fetch_add(1, std::memory_order_release);
}

SignalFd::~SignalFd() {
  sched::SpinGuard g(g_list_lock);
  if (prev_) prev_->next_ = next_;
  else g_list = next_;
  if (next_) next_->prev_ = prev_;
  g_count.fetch_sub(1, std::memory_order_release);
}

void SignalFd::set_mask(uint64_t m) {
  RouteSignalsToLibos(m);
  mask_.store(m, std::memory_order_release);
  Wake();  // signals already pending may be in the new mask
}

void SignalFd::Wake() {
  {
    // Orders the pending-set update before a reader's check under lock_.
    sched::SpinGuard g(lock_);
    readq_.WakeAll();
  }
  hub().Notify(EPOLLIN);
}

void NotifySignalFds() {
  if (!g_count.load(std::memory_order_acquire)) return;
  sched::SpinGuard g(g_list_lock);
  for (SignalFd* s = g_list; s; s = s->next_) s->Wake();
}

int SignalFd::Take(void* buf, size_t len, size_t room) {
  GuestSignals& s = Signals();
  sched::Uthread* self = sched::Current();
  uint64_t mask = mask_.load(std::memory_order_acquire);
  size_t done = 0;
  while (done + sizeof(signalfd_siginfo) <= len) {
    uint64_t mine = __atomic_load_n(&self->sig_pending, __ATOMIC_ACQUIRE) & mask;
    uint64_t ready = mine | (__atomic_load_n(&s.pending, __ATOMIC_ACQUIRE) & mask);
    if (!ready) break;
    int sig = __builtin_ctzll(ready) + 1;
    siginfo_t info;
    // One instance; another thread may take a process-directed one first.
    bool taken = TakePendingSignal(self, sig, &info);
    UpdatePendingFlag();
    if (!taken) continue;
    if (!TakeSignalInfo(info)) continue;  // a re-set or deleted timer's
    signalfd_siginfo out = ToSignalfdInfo(sig, info);
    // As Linux (signalfd_read_iter): taken first, then copied; a record
    // that faults is lost, and the call returns what was read or EFAULT.
    size_t may = room > done ? std::min(sizeof(out), room - done) : 0;
    if (SafeCopyCount(static_cast<char*>(buf) + done, &out, may) < sizeof(out))
      return done ? static_cast<int>(done) : -EFAULT;
    done += sizeof(out);
  }
  return static_cast<int>(done);
}

SysResult<size_t> SignalFd::ReadPartial(void* buf, size_t len, size_t room) {
  if (len < sizeof(signalfd_siginfo)) return Errno{EINVAL};
  for (;;) {
    int n = Take(buf, len, room);
    if (n < 0) return Errno{-n};
    if (n) return static_cast<size_t>(n);
    if (nonblocking()) return Errno{EAGAIN};
    // A signal outside the mask that the thread will take interrupts the
    // read (the notice that woke us may have been for it).
    if (DeliverableSignals()) return Errno{EINTR};
    lock_.lock();
    if (Poll()) {  // became pending since Take looked
      lock_.unlock();
      continue;
    }
    // Woken by NotifySignalFds, or interrupted by a signal outside the mask.
    long r = readq_.Wait(lock_, 0);
    if (r == -EINTR) return Errno{EINTR};
  }
}

SysResult<void> SignalFd::Stat(struct stat* st) {
  *st = fs::SyntheticStat(kAnonDev, ino_, 0600);
  return {};
}

uint32_t SignalFd::Poll() {
  sched::Uthread* self = sched::Current();
  uint64_t pending = __atomic_load_n(&Signals().pending, __ATOMIC_ACQUIRE) |
                     (self ? __atomic_load_n(&self->sig_pending, __ATOMIC_ACQUIRE) : 0);
  return (pending & mask_.load(std::memory_order_acquire)) ? (EPOLLIN | EPOLLRDNORM) : 0;
}

}  // namespace junction::libos::ipc
