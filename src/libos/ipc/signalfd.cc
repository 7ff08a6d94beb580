// signalfd: reads the process's pending signals in the descriptor's mask.
// Partial: the LibOS's signal queue does not notify objects, so waiters
// (a blocking read, poll, epoll) look again every kSignalPollNs.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

#include <cstring>

#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos::ipc {

namespace {
constexpr uint64_t kSignalPollNs = 5'000'000;
}  // namespace

SignalFd::SignalFd(uint64_t mask, int flags)
    : File(O_RDWR | (flags & SFD_NONBLOCK), "anon_inode:[signalfd]"), mask_(mask), ino_(NextAnonIno()) {}

SysResult<size_t> SignalFd::Read(void* buf, size_t len) {
  if (len < sizeof(signalfd_siginfo)) return Errno{EINVAL};
  size_t done = 0;
  for (;;) {
    GuestSignals& s = Signals();
    sched::Uthread* self = sched::Current();
    while (done + sizeof(signalfd_siginfo) <= len) {
      // This thread's own pending signals first, then the process's.
      uint64_t mine = __atomic_load_n(&self->sig_pending, __ATOMIC_ACQUIRE) & mask_;
      uint64_t ready = mine | (__atomic_load_n(&s.pending, __ATOMIC_ACQUIRE) & mask_);
      if (!ready) break;
      int sig = __builtin_ctzll(ready) + 1;
      bool from_thread = mine & SigBit(sig);
      __atomic_fetch_and(from_thread ? &self->sig_pending : &s.pending, ~SigBit(sig), __ATOMIC_ACQ_REL);
      UpdatePendingFlag();
      const siginfo_t& in = from_thread ? self->sig_info[sig] : s.info[sig];
      signalfd_siginfo out{};
      out.ssi_signo = static_cast<uint32_t>(sig);
      out.ssi_code = in.si_code;
      out.ssi_pid = static_cast<uint32_t>(in.si_pid);
      out.ssi_uid = in.si_uid;
      std::memcpy(static_cast<char*>(buf) + done, &out, sizeof(out));
      done += sizeof(out);
    }
    if (done) return done;
    if (nonblocking()) return Errno{EAGAIN};
    sched::Uthread* u = sched::Current();
    u->wait_state.store(sched::Uthread::kWaiting, std::memory_order_release);
    if (sched::Park(sched::NowNs() + kSignalPollNs, true) == sched::WakeReason::kSignal)
      return Errno{EINTR};
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
  return (pending & mask_) ? (EPOLLIN | EPOLLRDNORM) : 0;
}

uint64_t SignalFd::NextEventNs() { return sched::NowNs() + kSignalPollNs; }

}  // namespace junction::libos::ipc
