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
    while (done + sizeof(signalfd_siginfo) <= len) {
      uint64_t ready = __atomic_load_n(&s.pending, __ATOMIC_ACQUIRE) & mask_;
      if (!ready) break;
      int sig = __builtin_ctzll(ready) + 1;
      __atomic_fetch_and(&s.pending, ~SigBit(sig), __ATOMIC_ACQ_REL);
      UpdatePendingFlag();
      const siginfo_t& in = s.info[sig];
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
  return (__atomic_load_n(&Signals().pending, __ATOMIC_ACQUIRE) & mask_) ? (EPOLLIN | EPOLLRDNORM) : 0;
}

uint64_t SignalFd::NextEventNs() { return sched::NowNs() + kSignalPollNs; }

}  // namespace junction::libos::ipc
