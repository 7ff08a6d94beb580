// The daemon's packet switching hooks (docs/network.md "Daemon"): a
// container with an address gets a port on the switch; the loop polls the
// switch after every wake-up and asks it before sleeping.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <algorithm>
#include <cstring>

#include "net/switch_frame.h"
#include "sched/daemon.h"

namespace junction::sched {

namespace {

// A NIC without a wake-up descriptor is polled at least this often while
// the daemon sleeps (adaptive polling).
constexpr uint64_t kNicPollWhileAsleepNs = 1'000'000;

}  // namespace

bool Daemon::AttachNetwork(DaemonContainer* c, bool adopted, std::string* why) {
  uint32_t ip = *c->info.ip;
  net::Mac mac = c->info.mac ? net::MacFromU64(*c->info.mac) : net::ContainerMac(ip);
  if (net::IsMulticast(mac) || net::MacToU64(mac) == 0) {
    *why = "the MAC address must be a unicast address";
    return false;
  }
  if (!switch_.AddContainer(static_cast<uint64_t>(c->id), c->region.queues(0), c->region.slots(),
                            adopted, ip, mac, c->region.port_table(),
                            c->region.flow_table())) {
    *why = "its IPv4 or MAC address belongs to another container";
    return false;
  }
  orphans_.AddressTaken(ip);
  Log(config::LogLevel::kDebug,
      "container %lld: %u.%u.%u.%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u packet queues",
      static_cast<long long>(c->id), ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, mac[0],
      mac[1], mac[2], mac[3], mac[4], mac[5], c->region.slots());
  return true;
}


bool Daemon::HandleNetJoin(Connection* c, const NetJoinRequest& req) {
  NetJoinReply reply;
  int rings_fd = -1, doorbell = -1;
  auto answer = [&](int err, const char* msg) {
    reply.error = err;
    reply.message = msg;
    if (err != 0) Log(config::LogLevel::kWarn, "refused a process's NET_JOIN: %s", msg);
    std::vector<uint8_t> frame = EncodeNetJoinReply(reply);
    int fds[2] = {rings_fd, doorbell};
    return SendFrame(c->fd, frame, std::span<const int>(fds, err == 0 ? 2 : 0));
  };
  if (c->container != kNoContainer || c->net.rings != nullptr)
    return answer(EALREADY, "this connection already registered");
  auto it = containers_.find(static_cast<ContainerId>(req.container_id));
  if (it == containers_.end() || !it->second->info.ip || *it->second->info.ip != req.ip)
    return answer(ENOENT, "no bypass container with that id and address");
  DaemonContainer* ctr = it->second.get();
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid <= 0 ||
      !DescendsFrom(cred.pid, ctr->pid))
    return answer(EPERM, "the process is not one of the container's");
  if (c->in.fds.empty()) return answer(EINVAL, "no wake-up descriptor");
  int wake = c->in.fds.front();
  c->in.fds.erase(c->in.fds.begin());
  NetMember m;
  m.container = ctr->id;
  m.wake_fd = wake;
  m.rings_fd = memfd_create("junction-net-member", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
  void* map = MAP_FAILED;
  if (m.rings_fd >= 0 && ftruncate(m.rings_fd, static_cast<off_t>(net::kPacketQueuesBytes)) == 0 &&
      fcntl(m.rings_fd, F_ADD_SEALS, kSeals) == 0)
    map = mmap(nullptr, net::kPacketQueuesBytes, PROT_READ | PROT_WRITE, MAP_SHARED, m.rings_fd, 0);
  if (map == MAP_FAILED) {
    ReleaseNetMember(&m);
    return answer(ENOMEM, "cannot create the process's packet rings");
  }
  m.rings = static_cast<net::PacketQueues*>(map);
  int member = switch_.AddMember(static_cast<uint64_t>(ctr->id), m.rings, wake);
  if (member < 0) {
    ReleaseNetMember(&m);
    return answer(ENOSPC, "the container has as many networked processes as it may");
  }
  m.member = static_cast<uint32_t>(member);
  c->net = m;
  reply.member = m.member;
  rings_fd = m.rings_fd;
  doorbell = ctr->doorbell_fd;  // its transmit wakes a sleeping daemon
  Log(config::LogLevel::kDebug, "container %lld: process %d joined as network member %u",
      static_cast<long long>(ctr->id), cred.pid, m.member);
  return answer(0, "");
}

bool Daemon::HandleTcpHandover(Connection* c, const TcpHandover& req) {
  // The connection it registered with, or the one it joined the network on.
  ContainerId id = c->container != kNoContainer ? c->container : c->net.container;
  auto it = containers_.find(id);
  if (it == containers_.end() || !it->second->info.ip || *it->second->info.ip != req.ip ||
      c->in.fds.empty())
    return false;
  DaemonContainer* ctr = it->second.get();
  int fd = c->in.fds.front();
  c->in.fds.erase(c->in.fds.begin());
  // Copied out before anything is read: the sender could still change the
  // memfd (it is exiting, but its records are untrusted all the same).
  std::vector<std::byte> records(req.bytes);
  ssize_t n = req.bytes == 0 ? 0 : pread(fd, records.data(), records.size(), 0);
  close(fd);
  if (n != static_cast<ssize_t>(req.bytes)) return false;
  net::Mac mac = ctr->info.mac ? net::MacFromU64(*ctr->info.mac) : net::ContainerMac(req.ip);
  int taken = orphans_.Adopt(req.ip, mac, records);
  Log(taken < 0 ? config::LogLevel::kWarn : config::LogLevel::kDebug,
      "container %lld: a process left %d closing TCP connection(s) to the daemon%s",
      static_cast<long long>(ctr->id), taken, taken < 0 ? " (malformed: refused)" : "");
  return true;
}

void Daemon::ReleaseNetMember(NetMember* m) {
  if (m->member != 0) switch_.RemoveMember(static_cast<uint64_t>(m->container), m->member, m->wake_fd);
  if (m->rings != nullptr) munmap(m->rings, net::kPacketQueuesBytes);
  if (m->rings_fd >= 0) close(m->rings_fd);
  if (m->wake_fd >= 0) close(m->wake_fd);
  *m = NetMember{};
}

int Daemon::PollNetwork(uint64_t now_ns) {
  if (containers_.empty() && orphans_.empty()) return 0;
  int n = switch_.Poll(now_ns);
  if (!orphans_.empty()) orphans_.Poll(now_ns);  // (timers: not activity)
  return n;
}

bool Daemon::PrepareNetworkSleep(uint64_t* max_sleep_ns) {
  if (!switch_.PrepareSleep()) return false;
  // The connections exited processes left us have timers too.
  if (!orphans_.empty()) {
    uint64_t t = orphans_.NextTimerNs(), now = MonotonicNowNs();
    if (t <= now) {
      switch_.Awake();
      return false;
    }
    *max_sleep_ns = std::min(*max_sleep_ns, t - now);
  }
  if (nic_ != nullptr && nic_->wake_fd() < 0 && *max_sleep_ns > kNicPollWhileAsleepNs)
    *max_sleep_ns = kNicPollWhileAsleepNs;
  return true;
}

}  // namespace junction::sched
