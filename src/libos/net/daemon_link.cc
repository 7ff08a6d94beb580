#include "libos/net/daemon_link.h"

#include <sys/syscall.h>

#include <atomic>
#include <cstring>

#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/net/bypass.h"
#include "net/ring_link.h"
#include "net/switch_frame.h"
#include "sched/kthread.h"

namespace junction::libos::net {

namespace {

constexpr int kRxBudget = 64;  // frames per poll: bounded work per scheduling pass

junction::net::RingLink* g_link = nullptr;
junction::net::NetStack* g_stack = nullptr;

// Through the LibOS's host-call stub (the seccomp filter allows no other);
// the session's descriptor changes when it re-registers with a new daemon.
void RingDoorbell(void* session) {
  int fd = static_cast<sched::DaemonSession*>(session)->doorbell_fd();
  uint64_t one = 1;
  if (fd >= 0) host::Syscall(SYS_write, fd, host::L(&one), sizeof one);
}

// The scheduler loop may run in the guest's context (%fs the guest's:
// docs/architecture.md, libos/entry/libos_context.h); the stack allocates
// (glibc malloc keeps its state in TLS). Its vector registers are free
// there (the switch saved the guest's), so only %fs needs the LibOS's.
class LibosFsScope {
 public:
  LibosFsScope() : ts_(CurrentThread()), saved_(ReadFsBase()) {
    if (saved_ != ts_->libos_fs) WriteFsBase(ts_->libos_fs);
  }
  ~LibosFsScope() {
    if (saved_ != ts_->libos_fs) WriteFsBase(saved_);
  }
  LibosFsScope(const LibosFsScope&) = delete;
  LibosFsScope& operator=(const LibosFsScope&) = delete;

 private:
  ThreadState* ts_;
  uintptr_t saved_;
};

// The stack's next timer as last seen (0 = none), so the hot checks below
// need neither the stack's lock nor the LibOS's %fs.
std::atomic<uint64_t> g_next_timer{0};

void NoteNextTimer() {
  uint64_t t = g_stack->NextTimerNs();
  g_next_timer.store(t == ~uint64_t{0} ? 0 : t, std::memory_order_relaxed);
}

int Poll(int kthread, bool steal) {
  uint64_t due = g_next_timer.load(std::memory_order_relaxed);
  bool timers = due != 0 && sched::NowNs() >= due;
  if (!timers && !g_link->RxPending()) return 0;
  // A uthread that holds the stack may be parked on this very kthread (in
  // a socket call that blocked or yielded): spinning here would deadlock a
  // one-core container. Leave the frames in the ring for the next pass.
  if (g_stack->Busy()) return 0;
  LibosFsScope fs;
  int n = g_link->PollRx(kthread, g_stack, kRxBudget, steal);
  if (sched::NowNs() >= g_stack->NextTimerNs()) {
    g_stack->Poll();
    n++;
  }
  NoteNextTimer();
  return n;
}

bool Pending() { return g_link->RxPending(); }

// Sockets arm timers too (a send starts the retransmission timer): look
// at the stack itself, under the LibOS's %fs.
uint64_t NextTimerNs() {
  LibosFsScope fs;
  if (!g_stack->Busy()) NoteNextTimer();  // else the last value (see Poll)
  return g_next_timer.load(std::memory_order_relaxed);
}

void AbandonAfterFork() { g_link->Abandon(); }

const sched::NetPoller kPoller = {Poll, Pending, NextTimerNs, AbandonAfterFork};

}  // namespace

bool StartDaemonLink(const config::AppConfig& cfg, sched::DaemonSession* s, std::string* why) {
  if (cfg.net.mode != config::NetMode::kBypass || !cfg.net.address) return true;
  junction::net::MacAddr mac;
  junction::net::Mac m = junction::net::ContainerMac(cfg.net.address->addr);
  std::memcpy(mac.b.data(), m.data(), 6);
  g_link = new junction::net::RingLink(s->queues(0), s->slots(), mac,
                                       static_cast<uint16_t>(cfg.net.mtu), RingDoorbell, s,
                                       sched::CurrentKthreadIndex);
  SetBypassLink(g_link);
  g_stack = BypassStack();
  if (g_stack == nullptr) {
    *why = "the bypass stack could not be created";
    return false;
  }
  g_link->AttachAll();
  NoteNextTimer();
  sched::SetNetPoller(&kPoller);
  return true;
}

}  // namespace junction::libos::net
