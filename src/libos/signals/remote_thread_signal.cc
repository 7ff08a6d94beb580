#include "libos/signals/remote_thread_signal.h"

#include <sys/syscall.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

// Negative (the host accepts it from another process) and unused by Linux.
constexpr int kRemoteThreadCode = -0x4a54;  // "JT"
// Where the target tid, the sender's si_code and a second marker travel:
// bytes 32..43 of the siginfo, past every field of a queued or kill()ed
// signal's layout (pid, uid, value) and inside the 48 bytes the host
// copies. A guest's own rt_sigqueueinfo with that si_code (Linux delivers
// any negative code as given) lacks the second marker and stays its own.
constexpr size_t kTidOffset = 32, kCodeOffset = 36, kMagicOffset = 40;
constexpr uint32_t kMagic = 0x4a545347;  // "JTSG"

constexpr int kMailboxSlots = 64;
enum SlotState : uint32_t { kEmpty, kFilling, kFull };
struct MailSlot {
  std::atomic<uint32_t> state{kEmpty};
  int tid;
  siginfo_t info;
};
MailSlot g_mailbox[kMailboxSlots];

}  // namespace

long SendRemoteThreadSignal(int host_pid, int tid, siginfo_t info) {
  int sig = info.si_signo;
  int code = info.si_code;
  if (info.si_pid > 0)
    if (int h = proc::HostPid(info.si_pid)) info.si_pid = h;  // the receiver translates it back
  info.si_code = kRemoteThreadCode;
  std::memcpy(reinterpret_cast<char*>(&info) + kTidOffset, &tid, 4);
  std::memcpy(reinterpret_cast<char*>(&info) + kCodeOffset, &code, 4);
  std::memcpy(reinterpret_cast<char*>(&info) + kMagicOffset, &kMagic, 4);
  StraceFlush();
  // To the process: whichever kthread can take it runs the handler.
  return host::Syscall(SYS_rt_sigqueueinfo, host_pid, sig, host::L(&info));
}

bool TakeRemoteThreadSignal(int sig, siginfo_t* info) {
  if (info->si_code != kRemoteThreadCode) return false;
  int tid, code;
  uint32_t magic;
  std::memcpy(&tid, reinterpret_cast<char*>(info) + kTidOffset, 4);
  std::memcpy(&code, reinterpret_cast<char*>(info) + kCodeOffset, 4);
  std::memcpy(&magic, reinterpret_cast<char*>(info) + kMagicOffset, 4);
  // Only codes another process may send (kill's, or a queued one's).
  if (magic != kMagic || tid <= 0 || code > 0 || code == SI_TKILL) return false;
  std::memset(reinterpret_cast<char*>(info) + kTidOffset, 0, 12);
  info->si_code = code;
  info->si_pid = proc::ContainerPid(info->si_pid);
  for (MailSlot& s : g_mailbox) {
    uint32_t empty = kEmpty;
    if (!s.state.compare_exchange_strong(empty, kFilling, std::memory_order_acquire)) continue;
    s.tid = tid;
    s.info = *info;
    s.state.store(kFull, std::memory_order_release);
    sched::NoteSignalArrived();
    return true;
  }
  // More in flight than the mailbox holds: the process gets it.
  QueueSignal(sig, *info);
  sched::NoteSignalArrived();
  return true;
}

void DeliverRemoteThreadSignals() {
  for (MailSlot& s : g_mailbox) {
    if (s.state.load(std::memory_order_acquire) != kFull) continue;
    int tid = s.tid;
    siginfo_t info = s.info;
    s.state.store(kEmpty, std::memory_order_release);
    sched::SpinGuard g(sched::AllUthreadsLock());
    if (sched::Uthread* u = sched::FindUthread_locked(tid)) SendThreadSignal(u, info);
  }
}

}  // namespace junction::libos
