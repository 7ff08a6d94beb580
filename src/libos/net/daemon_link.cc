#include "libos/net/daemon_link.h"

#include <sys/syscall.h>

#include <cstring>

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

int Poll(int kthread, bool steal) {
  int n = g_link->PollRx(kthread, g_stack, kRxBudget, steal);
  if (sched::NowNs() >= g_stack->NextTimerNs()) {
    g_stack->Poll();
    n++;
  }
  return n;
}

bool Pending() { return g_link->RxPending(); }

uint64_t NextTimerNs() {
  uint64_t t = g_stack->NextTimerNs();
  return t == ~uint64_t{0} ? 0 : t;
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
  sched::SetNetPoller(&kPoller);
  return true;
}

}  // namespace junction::libos::net
