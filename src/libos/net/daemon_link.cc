// The first process's link to the daemon's rings (see daemon_link.h); a
// forked process's own rings are in process_link.cc.
#include "libos/net/daemon_link.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>

#include <atomic>
#include <cstring>

#include "libos/host/host.h"
#include "libos/net/bypass.h"
#include "libos/net/flow_claims.h"
#include "libos/net/link_state.h"
#include "libos/net/port_claims.h"
#include "net/switch_frame.h"
#include "sched/control_message.h"
#include "sched/host_control_call.h"
#include "sched/kthread.h"
#include "base/fork_written.h"

namespace junction::libos::net {

namespace link {

junction::net::RingLink* g_link = nullptr;
junction::net::NetStack* g_stack = nullptr;
sched::DaemonSession* g_session = nullptr;
uint32_t g_ip = 0;
uint16_t g_mtu = 1500;
bool g_child_needs_join = false;

}  // namespace link

using namespace link;

namespace {

constexpr int kRxBudget = 64;  // frames per poll: bounded work per scheduling pass

// Through the LibOS's host-call stub (the seccomp filter allows no other);
// the session's descriptor changes when it re-registers with a new daemon.
void RingDoorbell(void* session) {
  int fd = static_cast<sched::DaemonSession*>(session)->doorbell_fd();
  uint64_t one = 1;
  if (fd >= 0) host::Syscall(SYS_write, fd, host::L(&one), sizeof one);
}

// The stack's next timer as last seen (0 = none), so the hot checks below
// need neither the stack's lock nor the LibOS's %fs.
std::atomic<uint64_t> g_next_timer{0};

bool Pending() { return g_link->RxPending(); }

JUNCTION_FORK_WRITTEN bool g_fork_locked = false;  // the forking thread's: forks are serialised by the fd table's lock

}  // namespace

void link::NoteNextTimer() {
  uint64_t t = g_stack->NextTimerNs();
  g_next_timer.store(t == ~uint64_t{0} ? 0 : t, std::memory_order_relaxed);
}

int link::PollRings(int kthread, bool steal) {
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

// Sockets arm timers too (a send starts the retransmission timer): look
// at the stack itself, under the LibOS's %fs.
uint64_t link::StackNextTimerNs() {
  LibosFsScope fs;
  if (!g_stack->Busy()) NoteNextTimer();  // else the last value (see Poll)
  return g_next_timer.load(std::memory_order_relaxed);
}

void link::AbandonAfterFork() {
  g_link->Abandon();
  ForgetPortClaimsAfterFork();
  ForgetFlowClaimsAfterFork();
  g_child_needs_join = true;
}

namespace {

const sched::NetPoller kPoller = {PollRings, Pending, StackNextTimerNs, AbandonAfterFork};

}  // namespace

bool StartDaemonLink(const config::AppConfig& cfg, sched::DaemonSession* s, std::string* why) {
  if (cfg.net.mode != config::NetMode::kBypass || !cfg.net.address) return true;
  g_session = s;
  g_ip = cfg.net.address->addr;
  g_mtu = static_cast<uint16_t>(cfg.net.mtu);
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
  SetPortClaims(s->port_table(), 0, s->slots());
  g_stack->SetPortFilter(ClaimEphemeralPort);
  SetFlowClaims(s->flow_table(), s->parked(), 0);
  g_stack->SetFlowShares(FlowClaims());
  NoteNextTimer();
  sched::SetNetPoller(&kPoller);
  return true;
}

void JoinDaemonLinkAfterFork(bool only_if_receiving) {
  if (!g_child_needs_join || g_session == nullptr) return;
  if (only_if_receiving && !g_stack->HasReceivers()) return;
  JoinNow();
}

void NetForkLock(bool share) {
  // About 1<<20 pauses: tens of milliseconds, far beyond any stack call.
  g_fork_locked = g_stack && g_stack->ForkLock(1u << 20);
  // Both processes hold the connections now (a vfork child execs).
  if (g_fork_locked && share) g_stack->ShareForFork();
}

void DelegateListenersAfterFork() {
  if (!g_stack) return;
  g_stack->DelegateIdleListeners();
  g_stack->NotifyShared();  // (not in the child: the waiters are our uthreads)
}

void ReleaseSharedConnectionsAtExit() {
  if (g_stack) g_stack->ReleaseSharedAtExit();
}

void HandOverConnectionsAtExit() {
  if (g_stack == nullptr || g_session == nullptr || g_child_needs_join) return;
  // A joined child's own connection, else the first process's session.
  int sock = MemberControlFd();
  if (sock < 0) sock = g_session->control_fd();
  if (sock < 0) return;  // the daemon is gone: nobody to finish them
  LibosFsScope fs;
  std::vector<std::byte> records;
  // (A holder parked for good would keep the lock: then nothing is handed
  // over, as before this existed.)
  if (!g_stack->HandOverAtExit(1u << 20, &records) || records.empty()) return;
  int fd = static_cast<int>(
      host::Syscall(SYS_memfd_create, host::L("junction-tcp-handover"), MFD_CLOEXEC));
  if (fd < 0) return;
  size_t off = 0;
  while (off < records.size()) {
    long n = host::Syscall(SYS_write, fd, host::L(records.data() + off), records.size() - off);
    if (n == -EINTR) continue;
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  if (off == records.size()) {
    sched::TcpHandover m;
    m.ip = g_ip;
    m.bytes = static_cast<uint32_t>(records.size());
    std::vector<uint8_t> frame = sched::EncodeTcpHandover(m);
    sched::HostSendFrame(sock, frame, fd);
  }
  host::Syscall(SYS_close, fd);
}

void NetForkUnlock(bool in_child, bool failed) {
  if (g_stack && (g_fork_locked || in_child)) g_stack->ForkUnlock();
  if (g_stack && g_fork_locked && failed) g_stack->UnshareAfterFailedFork();
}

}  // namespace junction::libos::net
