// A forked process of a bypass container gets packet rings of its own
// from the daemon (NET_JOIN) and runs its copy of the stack over them
// (docs/network.md "Processes (forked children)"); it joins a restarted
// daemon again.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <vector>

#include "libos/host/host.h"
#include "libos/net/flow_claims.h"
#include "libos/net/link_state.h"
#include "libos/net/port_claims.h"
#include "net/switch_frame.h"
#include "sched/control_message.h"
#include "sched/host_control_call.h"
#include "sched/kthread.h"
#include "sched/reactor.h"

namespace junction::libos::net {

using namespace link;

namespace {

// Its kthread has no watcher thread (and may run standalone), so the
// daemon wakes it: while it may sleep it sets container_wants_kick on its
// rings and watches its eventfd in the reactor; the daemon writes the
// eventfd after posting frames.

junction::net::PacketQueues* g_member_q = nullptr;
int g_wake_fd = -1;
int g_join_sock = -1;  // open while we live: its end tells the daemon we left
int g_member_doorbell = -1;  // the container's doorbell, from the NET_JOIN reply
sched::HostFdWatch g_wake_watch;
std::atomic<bool> g_watch_armed{false};
// The daemon hung up (it died): join again when one listens (it re-adopts
// the first process's region; our rings were in its memory).
sched::HostFdWatch g_join_watch;
std::atomic<bool> g_daemon_lost{false};
uint64_t g_rejoin_at = 0;
constexpr uint64_t kRejoinRetryNs = 100'000'000;

}  // namespace

int link::MemberControlFd() { return g_join_sock; }

namespace {

void OnJoinHangup(sched::HostFdWatch*, uint32_t) {
  g_daemon_lost.store(true, std::memory_order_release);
}

void MemberDoorbell(void*) {
  uint64_t one = 1;
  if (g_member_doorbell >= 0) host::Syscall(SYS_write, g_member_doorbell, host::L(&one), sizeof one);
}

bool Rejoin();

void OnWake(sched::HostFdWatch*, uint32_t) { g_watch_armed.store(false, std::memory_order_release); }

// Under the LibOS's %fs (the reactor allocates).
void ArmWakeWatch() {
  if (g_watch_armed.load(std::memory_order_acquire)) return;
  uint64_t v;
  host::Syscall(SYS_read, g_wake_fd, host::L(&v), sizeof v);  // drain (non-blocking)
  g_watch_armed.store(true, std::memory_order_release);
  g_wake_watch.fn = OnWake;
  if (sched::WatchHostFd(&g_wake_watch, g_wake_fd, EPOLLIN) < 0)
    g_watch_armed.store(false, std::memory_order_release);
}

int MemberPoll(int kthread, bool steal) {
  // (Not while a parked uthread holds the stack: see Poll.)
  if (g_daemon_lost.load(std::memory_order_acquire) && sched::NowNs() >= g_rejoin_at &&
      !g_stack->Busy()) {
    LibosFsScope fs;
    if (!Rejoin()) g_rejoin_at = sched::NowNs() + kRejoinRetryNs;
  }
  // Awake: no kicks wanted (written only when it changes: the daemon reads
  // this line at every delivery).
  if (g_member_q->container_wants_kick.load(std::memory_order_relaxed) != 0)
    g_member_q->container_wants_kick.store(0, std::memory_order_relaxed);
  if (!g_watch_armed.load(std::memory_order_acquire)) {
    LibosFsScope fs;
    ArmWakeWatch();
  }
  return PollRings(kthread, steal);
}

// Just before the kthread sleeps: ask for a kick, then look once more (a
// frame posted before the daemon saw the flag would otherwise wait).
bool MemberPending() {
  if (g_link->RxPending()) return true;
  if (g_member_q->container_wants_kick.load(std::memory_order_relaxed) != 1)
    g_member_q->container_wants_kick.store(1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (!g_watch_armed.load(std::memory_order_acquire)) {
    LibosFsScope fs;
    ArmWakeWatch();
  }
  return g_link->RxPending();
}

void MemberAbandonAfterFork() {
  AbandonAfterFork();
  // The grandchild must not touch our watches or descriptors.
  g_watch_armed.store(false, std::memory_order_relaxed);
  g_wake_watch = sched::HostFdWatch{};
  g_join_watch = sched::HostFdWatch{};
  g_daemon_lost.store(false, std::memory_order_relaxed);
  host::Syscall(SYS_close, g_wake_fd);
  host::Syscall(SYS_close, g_join_sock);
  host::Syscall(SYS_close, g_member_doorbell);
  g_wake_fd = g_join_sock = g_member_doorbell = -1;
}

// The stack's timers, and the next attempt to join a restarted daemon.
uint64_t MemberNextTimerNs() {
  uint64_t t = StackNextTimerNs();
  if (g_daemon_lost.load(std::memory_order_acquire) && (t == 0 || g_rejoin_at < t))
    t = g_rejoin_at == 0 ? 1 : g_rejoin_at;
  return t;
}

const sched::NetPoller kMemberPoller = {MemberPoll, MemberPending, MemberNextTimerNs,
                                        MemberAbandonAfterFork};

// NET_JOIN on a new connection, through the host-call stubs. Returns the
// connected socket (kept open) or -1 with `why` (and no descriptors).
int JoinDaemon(int wake_fd, sched::NetJoinReply* reply, int* rings_fd, int* doorbell,
               const char** why) {
  sched::NetJoinRequest req;
  // The region's header, not our copy of the session: a restarted daemon
  // may have given the container another id (the parent learnt it).
  req.container_id = g_session->header()->container_id;
  req.ip = g_ip;
  std::vector<uint8_t> frame = sched::EncodeNetJoinRequest(req);
  sched::HostControlRequest call;
  call.frame = frame;
  call.pass_fd = wake_fd;
  call.cannot_send = "cannot send NET_JOIN";
  call.no_answer = "the daemon did not answer NET_JOIN";
  // The reply carries the rings' memfd and the container's doorbell.
  int fds[2];
  std::vector<uint8_t> payload;
  int sock = sched::HostControlCall(g_session->socket_path(), call, &payload, fds, why);
  *rings_fd = fds[0];
  *doorbell = fds[1];
  if (sock < 0) return -1;
  auto fail = [&](const char* w) {
    *why = w;
    if (*rings_fd >= 0) host::Syscall(SYS_close, *rings_fd);
    if (*doorbell >= 0) host::Syscall(SYS_close, *doorbell);
    *rings_fd = *doorbell = -1;
    host::Syscall(SYS_close, sock);
    return -1;
  };
  if (!sched::DecodeNetJoinReply(payload, reply)) return fail("a malformed reply");
  if (reply->error != 0) return fail("the daemon refused NET_JOIN");
  if (*rings_fd < 0 || *doorbell < 0) return fail("no rings in the reply");
  return sock;
}

// Asks the daemon for this process's own rings and links the stack to
// them: the first time (`first`) its copy of the stack becomes its own;
// after a daemon restart, only the link and the port marks are renewed.
// False (and nothing changed) if the daemon cannot be reached.
bool Attach(bool first) {
  const char* why = nullptr;
  int wake = g_wake_fd;
  if (wake < 0) wake = static_cast<int>(host::Syscall(SYS_eventfd2, 0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (wake < 0) return false;
  sched::NetJoinReply reply;
  int rings_fd = -1, doorbell = -1;
  int sock = JoinDaemon(wake, &reply, &rings_fd, &doorbell, &why);
  struct stat st{};
  void* map = nullptr;
  if (sock >= 0 && host::Syscall(SYS_fstat, rings_fd, host::L(&st)) == 0 &&
      static_cast<uint64_t>(st.st_size) == junction::net::kPacketQueuesBytes) {
    long r = host::Mmap(0, junction::net::kPacketQueuesBytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                        rings_fd, 0);
    if (r >= 0) map = reinterpret_cast<void*>(r);
  }
  if (rings_fd >= 0) host::Syscall(SYS_close, rings_fd);
  if (map == nullptr || reply.member == 0 || reply.member >= junction::net::kMaxNetMembers) {
    if (sock >= 0) host::Syscall(SYS_close, sock);
    if (doorbell >= 0) host::Syscall(SYS_close, doorbell);
    if (map != nullptr) host::Syscall(SYS_munmap, host::L(map), junction::net::kPacketQueuesBytes);
    if (wake != g_wake_fd) host::Syscall(SYS_close, wake);
    if (first) {
      char msg[160];
      int n = std::snprintf(msg, sizeof msg,
                            "junction: a forked process has no network link (%s): its sockets "
                            "reach nothing outside it\n", why ? why : "its rings could not be mapped");
      host::Syscall(SYS_write, 2, host::L(msg), n);
    }
    return false;
  }
  if (g_join_sock >= 0) host::Syscall(SYS_close, g_join_sock);
  if (g_member_doorbell >= 0) host::Syscall(SYS_close, g_member_doorbell);
  g_member_q = static_cast<junction::net::PacketQueues*>(map);
  g_wake_fd = wake;
  g_join_sock = sock;
  g_member_doorbell = doorbell;
  junction::net::MacAddr mac;
  junction::net::Mac m = junction::net::ContainerMac(g_ip);
  std::memcpy(mac.b.data(), m.data(), 6);
  auto* link = new junction::net::RingLink(g_member_q, 1, mac, g_mtu, MemberDoorbell, nullptr,
                                           sched::CurrentKthreadIndex);
  junction::net::RingLink* old = g_link;
  if (first) {
    SetPortClaims(g_session->port_table(), reply.member, 1);
    SetFlowClaims(g_session->flow_table(), g_session->parked(), reply.member);
  } else {
    RenumberPortClaims(reply.member);  // the new daemon cleared the old marks
    RenumberFlowClaims(reply.member);
  }
  link->AttachAll();
  g_link = link;
  if (first) {
    g_stack->BecomeForkedCopy(link);
  } else {
    g_stack->ReplaceLink(link);
    old->Abandon();  // its rings were the dead daemon's (left mapped: nobody else uses them)
  }
  // A hang-up on the connection means the daemon died.
  g_daemon_lost.store(false, std::memory_order_release);
  g_join_watch.fn = OnJoinHangup;
  sched::WatchHostFd(&g_join_watch, g_join_sock, EPOLLIN | EPOLLRDHUP);
  NoteNextTimer();
  if (first) sched::SetNetPoller(&kMemberPoller);
  return true;
}

}  // namespace

// The forked child's own rings, and its stack made the child's.
void link::JoinNow() {
  g_child_needs_join = false;
  Attach(true);
}

namespace {
bool Rejoin() { return Attach(false); }
}  // namespace


}  // namespace junction::libos::net
