#include <sys/syscall.h>

#include <atomic>

#include "libos/host/host.h"
#include "libos/ipc/eventfd.h"
#include "libos/ipc/ipc.h"
#include "libos/process.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"

namespace junction::libos {
bool GuestHandlesSignal(int sig);  // signals/signal_state.cc
}

namespace junction::libos::ipc {

namespace {
std::atomic<uint64_t> g_next_ino{0x10000};
}  // namespace

uint64_t NextAnonIno() { return g_next_ino.fetch_add(1); }

void RaiseSignal(int sig, const siginfo_t& info) {
  if (Signals().actions[sig].handler == reinterpret_cast<uint64_t>(SIG_IGN)) return;
  if (GuestHandlesSignal(sig)) {
    QueueSignal(sig, info);
    NotifySignalFds();
    return;
  }
  // The default action: the host applies it to the whole process.
  StraceFlush();
  int pid = CurrentProcess().host_pid;
  host::Syscall(SYS_tgkill, pid, pid, sig);
}

}  // namespace junction::libos::ipc
