#include "sched/daemon_client.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <utility>

#include "config/socket_path.h"
#include "net/switch_frame.h"
#include "sched/status_format.h"
#include "sched/unix_socket.h"

namespace junction::sched {

namespace {

// A daemon that accepted the connection is there: on a loaded host it may
// answer seconds late (2 s was seen to run out under load in
// daemon.containers; the daemon then registered a container that had
// already gone standalone). Only a stopped or wedged daemon takes longer.
constexpr int kReplyTimeoutMs = 10000;

bool SameFile(int a, int b) {
  struct stat sa{}, sb{};
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace

RegisterRequest MakeRegisterRequest(const config::AppConfig& cfg,
                                    const std::vector<std::string>& argv) {
  RegisterRequest r;
  r.name = cfg.name;
  r.cls = cfg.cpu.cls;
  r.guaranteed = static_cast<uint32_t>(cfg.cpu.guaranteed_cores);
  r.max = static_cast<uint32_t>(cfg.cpu.max_cores);
  if (cfg.net.mode == config::NetMode::kBypass && cfg.net.address) {
    r.ip = cfg.net.address->addr;
    r.mac = net::MacToU64(net::ContainerMac(*r.ip));
  }
  r.pid = static_cast<int32_t>(getpid());
  r.command = argv;
  if (r.command.size() > kMaxArgs) r.command.resize(kMaxArgs);
  for (std::string& a : r.command)
    if (a.size() > kMaxArgBytes) a.resize(kMaxArgBytes);
  return r;
}

std::optional<DaemonSession> ConnectDaemon(const config::AppConfig& cfg,
                                           const std::vector<std::string>& argv,
                                           std::string* why_not) {
  DaemonSession s(cfg.daemon_socket.value_or(config::kDefaultControlSocket),
                  MakeRegisterRequest(cfg, argv));
  if (!s.Register(why_not)) return std::nullopt;
  return s;
}

std::optional<DaemonSession> ConnectDaemon(const config::AppConfig& cfg, std::string* why_not) {
  return ConnectDaemon(cfg, {}, why_not);
}

DaemonSession::DaemonSession(DaemonSession&& o) noexcept
    : socket_path_(std::move(o.socket_path_)),
      req_(std::move(o.req_)),
      region_(std::move(o.region_)),
      sock_(std::exchange(o.sock_, -1)),
      doorbell_(std::exchange(o.doorbell_, -1)),
      alive_(o.alive_),
      id_(o.id_),
      last_retry_ns_(o.last_retry_ns_) {
  o.region_.reset();
}

DaemonSession::~DaemonSession() {
  if (sock_ >= 0) close(sock_);
  if (doorbell_ >= 0) close(doorbell_);
}

bool DaemonSession::Register(std::string* why) {
  int sock = ConnectControlSocket(socket_path_, why);
  if (sock < 0) return false;
  RegisterRequest req = req_;
  req.previous_id = id_;
  req.offers_region = region_.has_value();
  std::vector<int> offer;
  if (region_) offer.push_back(region_->fd());
  std::vector<uint8_t> frame = EncodeRegisterRequest(req);
  InputBuffer in;
  std::vector<uint8_t> payload;
  RegisterReply reply;
  if (!SendFrame(sock, frame, offer) || !ReadFrameBlocking(sock, &in, &payload, kReplyTimeoutMs) ||
      !DecodeRegisterReply(payload, &reply)) {
    *why = "the daemon at " + socket_path_ + " did not answer the registration";
    close(sock);
    return false;
  }
  if (reply.error != 0 || in.fds.size() != 2) {
    *why = "the daemon refused the registration: " +
           (reply.message.empty() ? std::string("no region sent") : reply.message);
    close(sock);
    return false;
  }
  int region_fd = in.fds[0], doorbell = in.fds[1];
  in.fds.clear();
  if (region_) {
    // Re-registration: the daemon must have adopted our region.
    bool same = SameFile(region_fd, region_->fd());
    close(region_fd);
    if (!same) {
      *why = "the daemon did not adopt the existing region";
      close(doorbell);
      close(sock);
      return false;
    }
  } else {
    region_ = ShmRegion::MapReceived(region_fd, why);
    if (!region_ || region_->slots() != req_.max) {
      if (region_) *why = "the daemon sent a region with the wrong number of slots";
      region_.reset();
      close(doorbell);
      close(sock);
      return false;
    }
  }
  if (sock_ >= 0) close(sock_);
  if (doorbell_ >= 0) {
    // A new daemon: its doorbell takes the old one's number (dup3 replaces
    // it in one step), so the number the kthreads ring without a lock
    // always names a doorbell (MarkDaemonGone). If dup3 fails (no memory)
    // the old one stays open, and the new number is published.
    if (dup3(doorbell, doorbell_, O_CLOEXEC) >= 0) {
      close(doorbell);
      doorbell = doorbell_;
    }
  }
  sock_ = sock;
  doorbell_ = doorbell;
  id_ = reply.container_id;
  alive_ = true;
  return true;
}

void DaemonSession::MarkDaemonGone() {
  alive_ = false;
  if (sock_ >= 0) close(sock_);
  sock_ = -1;
  // The doorbell stays open (a dead daemon's eventfd: ringing it is
  // harmless): kthreads read its number without a lock (g_doorbell_fd, the
  // link's doorbell_fd()), and one that read it just before the watcher
  // stops them must write to it, never to a descriptor a guest open
  // reused meanwhile (8 bytes in the guest's file). The next daemon's
  // doorbell takes its number (Register).
  // Kthreads keep running where they are; parked ones run standalone
  // (forked processes' too: their member slots are in our region).
  for (uint32_t i = 0; i < region_->total_slots(); i++) {
    KthreadSlot* s = region_->slot(i);
    s->yield_requested.store(0, std::memory_order_relaxed);
    s->grant_core.store(kStandaloneGrant, std::memory_order_release);
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&s->grant_core), FUTEX_WAKE, 1, nullptr,
              nullptr, 0);
  }
}

bool DaemonSession::Poll(int retry_ms) {
  if (alive_) {
    pollfd p{sock_, POLLIN | POLLRDHUP, 0};
    if (poll(&p, 1, 0) > 0) {
      // The daemon never writes unprompted: readable means gone.
      char byte;
      ssize_t n = recv(sock_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n <= 0 || (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) MarkDaemonGone();
    }
    if (alive_) return true;
  }
  uint64_t now = MonotonicNowNs();
  if (now - last_retry_ns_ < uint64_t(retry_ms) * 1'000'000) return false;
  last_retry_ns_ = now;
  struct stat st{};
  if (stat(socket_path_.c_str(), &st) != 0) return false;
  std::string why;
  return Register(&why);
}

void DaemonSession::RingDoorbell() const {
  if (doorbell_ < 0 || !alive_) return;
  uint64_t one = 1;
  (void)!write(doorbell_, &one, sizeof one);
}

}  // namespace junction::sched
