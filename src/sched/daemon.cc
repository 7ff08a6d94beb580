#include "sched/daemon.h"

#include <signal.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "sched/short_slice.h"
#include "sched/status_format.h"

namespace junction::sched {

namespace {

// Adaptive polling: after anything happens the loop spins this long (so a
// burst of work is served at tick_us granularity), then sleeps. While
// containers are registered but quiet it still looks every kIdleSleepNs
// (rotation, voluntary parks a container did not ring about); with none
// registered it sleeps until the control socket or a signal wakes it.
constexpr uint64_t kSpinNs = 200'000;
constexpr uint64_t kIdleSleepNs = 5'000'000;

enum EventKind : uint32_t { kListen = 1, kConnection, kPidfd, kDoorbell, kSignal, kNicWake };

uint64_t EventData(uint32_t kind, uint64_t value) { return (uint64_t{kind} << 56) | value; }

const char* LevelName(config::LogLevel l) {
  switch (l) {
    case config::LogLevel::kError: return "error";
    case config::LogLevel::kWarn: return "warn";
    case config::LogLevel::kInfo: return "info";
    case config::LogLevel::kDebug: return "debug";
  }
  return "?";
}

}  // namespace

Daemon::Daemon(config::DaemonConfig cfg, std::unique_ptr<CorePolicy> policy,
               std::unique_ptr<net::NicPort> nic)
    : cfg_(std::move(cfg)),
      policy_(std::move(policy)),
      nic_(std::move(nic)),
      switch_(nic_.get()),
      orphans_([this](std::span<const uint8_t> f) { switch_.RouteFromOrphan(f); }, MonotonicNowNs) {
  switch_.SetOrphans(&orphans_);
  for (int id : ManagedCores(cfg_)) cores_.push_back(Core{.id = id});
}

Daemon::~Daemon() {
  for (auto& [fd, c] : connections_) {
    ReleaseNetMember(&c.net);
    close(fd);
  }
  connections_.clear();
  containers_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (socket_created_) unlink(cfg_.control_socket.c_str());
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (signal_fd_ >= 0) close(signal_fd_);
}

std::vector<int> Daemon::ManagedCores(const config::DaemonConfig& cfg) {
  if (!cfg.managed_cores.empty()) return cfg.managed_cores;
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  std::vector<int> cores;
  for (int i = 1; i < n; i++) cores.push_back(i);
  if (cores.empty()) cores.push_back(0);
  return cores;
}

void Daemon::Log(config::LogLevel level, const char* fmt, ...) const {
  if (static_cast<int>(level) > static_cast<int>(cfg_.log_level)) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "junction daemon: %s: %s\n", LevelName(level), msg);
}

void Daemon::Watch(int fd, uint32_t kind, uint64_t value) {
  epoll_event ev{};
  ev.events = EPOLLIN | (kind == kConnection ? uint32_t{EPOLLRDHUP} : 0u);
  ev.data.u64 = EventData(kind, value);
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

bool Daemon::Start(std::string* why) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) {
    *why = "epoll_create1 failed";
    return false;
  }
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) {
    *why = "signalfd failed";
    return false;
  }
  Watch(signal_fd_, kSignal, 0);
  listen_fd_ = ListenControlSocket(cfg_.control_socket, why);
  if (listen_fd_ < 0) return false;
  socket_created_ = true;
  Watch(listen_fd_, kListen, 0);
  std::string cores;
  for (const Core& c : cores_) cores += (cores.empty() ? "" : ",") + std::to_string(c.id);
  PinToUnmanagedCores();
  // Run within ~100 µs of waking even on a loaded host CPU (short_slice.h).
  if (!RequestShortSlice(0)) Log(config::LogLevel::kDebug, "the host kept its default time slice");
  // Sleeps end when asked (a container's next timer), not up to 50 µs later.
  prctl(PR_SET_TIMERSLACK, 1);
  Log(config::LogLevel::kInfo, "listening on %s; cores [%s]; policy %s; %s polling, tick %d us",
      cfg_.control_socket.c_str(), cores.c_str(), policy_->name(),
      cfg_.polling == config::PollingMode::kBusy ? "busy" : "adaptive", cfg_.tick_us);
  if (nic_ != nullptr && nic_->wake_fd() >= 0) Watch(nic_->wake_fd(), kNicWake, 0);
  return true;
}

int Daemon::Run() {
  const uint64_t tick_ns = uint64_t(cfg_.tick_us) * 1000;
  const bool busy = cfg_.polling == config::PollingMode::kBusy;
  uint64_t now = MonotonicNowNs();
  uint64_t next_tick = now, last_activity = now;
  epoll_event events[64];
  while (!stop_) {
    timespec timeout{};
    timespec* timeout_ptr = &timeout;
    bool sleeping = false;
    if (!busy && now - last_activity >= kSpinNs) {
      uint64_t sleep_ns = Busy() ? tick_ns : kIdleSleepNs;
      if (containers_.empty() && orphans_.empty()) {
        timeout_ptr = nullptr;  // until an event
        sleeping = true;
      } else {
        // Be polling when a container's timer comes due.
        for (const auto& [id, c] : containers_) {
          uint64_t t = c->totals.next_timer_ns;
          // (earlier than kTimerLeadNs: a host timer fires 40-90 µs late here)
          uint64_t lead = kTimerLeadNs + 100'000;
          if (t > now) sleep_ns = std::min(sleep_ns, t - now > lead ? t - now - lead : 0);
        }
        sleeping = sleep_ns > 0 && PrepareNetworkSleep(&sleep_ns);
        if (!sleeping) sleep_ns = 0;
      }
      timeout.tv_sec = static_cast<time_t>(sleep_ns / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(sleep_ns % 1'000'000'000);
    }
    int n = epoll_pwait2(epoll_fd_, events, 64, timeout_ptr, nullptr);
    if (sleeping && timeout_ptr != nullptr) switch_.Awake();
    for (int i = 0; i < n; i++) {
      uint32_t kind = static_cast<uint32_t>(events[i].data.u64 >> 56);
      uint64_t value = events[i].data.u64 & ((uint64_t{1} << 56) - 1);
      switch (kind) {
        case kListen: AcceptConnections(); break;
        case kConnection: OnConnectionEvent(static_cast<int>(value), events[i].events); break;
        case kPidfd: {
          auto it = containers_.find(static_cast<ContainerId>(value));
          if (it != containers_.end()) {
            ContainerId id = it->first;
            int conn = it->second->conn_fd;
            // What it sent before exiting first (its TCP handover); the
            // hang-up found there may drop it already.
            OnConnectionEvent(conn, 0);
            DropContainer(id, "its process exited");
            CloseConnection(conn);
          }
          break;
        }
        case kDoorbell: {
          auto it = containers_.find(static_cast<ContainerId>(value));
          uint64_t count;
          // Drain it; the count does not matter, only that it rang.
          if (it != containers_.end()) (void)!read(it->second->doorbell_fd, &count, sizeof count);
          doorbell_rang_ = true;
          break;
        }
        case kSignal: stop_ = true; break;
        case kNicWake: break;  // the poll below takes the frames
      }
    }
    now = MonotonicNowNs();
    if (n > 0) last_activity = now;
    if (PollNetwork(now) > 0) last_activity = now;
    if (doorbell_rang_ || now >= next_tick) {
      uint64_t before = decisions_made_;
      Tick(now);
      doorbell_rang_ = false;
      next_tick = now + tick_ns;
      if (decisions_made_ != before || Busy()) last_activity = now;
    }
  }
  Log(config::LogLevel::kInfo, "shutting down; %zu container(s) continue standalone",
      containers_.size());
  return 0;
}

void Daemon::PinToUnmanagedCores() {
  // The daemon runs beside the cores it grants, never on them (busy
  // polling would otherwise steal a granted core from its container).
  cpu_set_t set;
  CPU_ZERO(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  int count = 0;
  for (int cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++) {
    bool managed = false;
    for (const Core& c : cores_) managed |= c.id == cpu;
    if (!managed) CPU_SET(cpu, &set), count++;
  }
  if (count > 0 && sched_setaffinity(0, sizeof set, &set) != 0)
    Log(config::LogLevel::kWarn, "cannot pin the daemon to the unmanaged cores");
}

bool Daemon::Busy() const {
  for (const Core& c : cores_)
    if (c.releasing) return true;
  return false;
}

Daemon::Core* Daemon::FindCore(int id) {
  for (Core& c : cores_)
    if (c.id == id) return &c;
  return nullptr;
}

// ---- control plane ----

void Daemon::AcceptConnections() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    connections_[fd].fd = fd;
    Watch(fd, kConnection, static_cast<uint64_t>(fd));
  }
}

void Daemon::CloseConnection(int fd) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  ContainerId id = it->second.container;
  ReleaseNetMember(&it->second.net);
  ReleaseSchedMember(&it->second.member);
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  connections_.erase(it);
  close(fd);
  if (id != kNoContainer) DropContainer(id, "its control connection closed");
}

void Daemon::OnConnectionEvent(int fd, uint32_t events) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection* c = &it->second;
  for (;;) {
    ReadStatus r = ReadAvailable(fd, &c->in);
    if (r == ReadStatus::kWouldBlock) break;
    if (r != ReadStatus::kData) return CloseConnection(fd);
    std::vector<uint8_t> payload;
    for (;;) {
      FrameStatus f = TakeFrame(&c->in, &payload);
      if (f == FrameStatus::kIncomplete) break;
      if (f == FrameStatus::kTooLarge || !HandleFrame(c, payload)) return CloseConnection(fd);
    }
  }
  if (events & (EPOLLHUP | EPOLLERR)) CloseConnection(fd);
}

bool Daemon::HandleFrame(Connection* c, const std::vector<uint8_t>& payload) {
  std::optional<MessageType> type = PeekType(payload);
  bool ok = false;
  if (type == MessageType::kRegisterRequest) {
    RegisterRequest req;
    ok = DecodeRegisterRequest(payload, &req) && HandleRegister(c, req);
  } else if (type == MessageType::kStatusRequest) {
    ok = HandleStatus(c);
  } else if (type == MessageType::kNetJoinRequest) {
    NetJoinRequest req;
    ok = DecodeNetJoinRequest(payload, &req) && HandleNetJoin(c, req);
  } else if (type == MessageType::kTcpHandover) {
    TcpHandover req;
    ok = DecodeTcpHandover(payload, &req) && HandleTcpHandover(c, req);
  } else if (type == MessageType::kSchedJoinRequest) {
    SchedJoinRequest req;
    ok = DecodeSchedJoinRequest(payload, &req) && HandleSchedJoin(c, req);
  }
  if (!ok) Log(config::LogLevel::kDebug, "dropping a connection after a malformed or unexpected message");
  c->in.CloseFds();  // descriptors nobody took
  return ok;
}

bool Daemon::HandleRegister(Connection* c, const RegisterRequest& req) {
  RegisterReply reply;
  auto refuse = [&](int err, std::string msg) {
    reply.error = err;
    reply.message = std::move(msg);
    Log(config::LogLevel::kWarn, "refused registration of \"%s\": %s", req.name.c_str(),
        reply.message.c_str());
    std::vector<uint8_t> frame = EncodeRegisterReply(reply);
    return SendFrame(c->fd, frame, {});
  };
  if (c->container != kNoContainer) return refuse(EALREADY, "this connection already registered");
  if (req.name.empty() || req.max < 1 || req.max > kMaxKthreadSlots || req.guaranteed > req.max)
    return refuse(EINVAL, "name, max cores (1..256) or guaranteed cores (0..max) out of range");
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid <= 0)
    return refuse(EPERM, "cannot identify the peer process");

  ContainerId id = next_id_;
  if (req.previous_id != 0 && req.previous_id < (uint64_t{1} << 40) &&
      !containers_.count(static_cast<ContainerId>(req.previous_id)))
    id = static_cast<ContainerId>(req.previous_id);
  std::string why;
  std::optional<ShmRegion> region;
  bool adopted = false;  // its packet rings carry on where they were
  if (req.offers_region && !c->in.fds.empty()) {
    int fd = c->in.fds.front();
    c->in.fds.erase(c->in.fds.begin());
    region = ShmRegion::Adopt(fd, req.max, static_cast<uint64_t>(id), &why);
    adopted = region.has_value();
  }
  if (!region) region = ShmRegion::Create(req.max, static_cast<uint64_t>(id), &why);
  if (!region) return refuse(ENOMEM, "shared region: " + why);
  region->header()->polls_busy.store(cfg_.polling == config::PollingMode::kBusy ? 1 : 0,
                                     std::memory_order_relaxed);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, cred.pid, 0));
  int doorbell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (pidfd < 0 || doorbell < 0) {
    // Which one and why: seen once under load (a re-registration after a
    // daemon restart), not understood yet.
    std::string what = std::string(pidfd < 0 ? "pidfd_open(" + std::to_string(cred.pid) + ")" : "eventfd") +
                       ": " + std::strerror(errno);
    if (pidfd >= 0) close(pidfd);
    if (doorbell >= 0) close(doorbell);
    return refuse(EMFILE, "cannot open a pidfd or eventfd: " + what);
  }
  auto box = std::make_unique<DaemonContainer>(std::move(*region));
  DaemonContainer* ctr = box.get();
  ctr->id = id;
  ctr->info = req;
  ctr->pid = cred.pid;
  ctr->conn_fd = c->fd;
  ctr->pidfd = pidfd;
  ctr->doorbell_fd = doorbell;
  ctr->started_unix_ns = UnixNowNs();
  if (req.ip && !AttachNetwork(ctr, adopted, &why)) return refuse(EADDRINUSE, why);
  containers_[id] = std::move(box);
  if (id >= next_id_) next_id_ = id + 1;
  c->container = id;
  Watch(pidfd, kPidfd, static_cast<uint64_t>(id));
  Watch(doorbell, kDoorbell, static_cast<uint64_t>(id));

  reply.container_id = static_cast<uint64_t>(id);
  std::vector<uint8_t> frame = EncodeRegisterReply(reply);
  int fds[2] = {ctr->region.fd(), doorbell};
  Log(config::LogLevel::kInfo, "container %lld \"%s\" registered: pid %d, %s, cores %u..%u%s",
      static_cast<long long>(id), req.name.c_str(), cred.pid, ClassName(req.cls), req.guaranteed,
      req.max, req.offers_region ? " (re-registration)" : "");
  return SendFrame(c->fd, frame, fds);
}

bool Daemon::HandleStatus(Connection* c) {
  std::vector<ContainerStatus> rows;
  uint64_t now = MonotonicNowNs();
  for (const auto& [id, ctr] : containers_) {
    rows.push_back(ctr->Status(now));
    if (const net::NetCounters* n = switch_.counters(static_cast<uint64_t>(id))) rows.back().net = *n;
  }
  std::vector<uint8_t> frame = EncodeStatusReply(rows);
  return SendFrame(c->fd, frame, {});
}

void Daemon::DropContainer(ContainerId id, const char* why) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return;
  uint64_t now = MonotonicNowNs();
  int released = 0;
  for (Core& core : cores_) {
    if (core.reserved_for == id) core.reserved_for = kNoContainer;
    if (core.lent_to == id) {
      core.lent_to = kNoContainer;
      released++;
    }
    if (core.owner != id) continue;
    ContainerId next = core.reserved_for;
    core.previous_owner = id;
    core.owner = kNoContainer;
    core.slot = -1;
    core.releasing = false;
    core.reserved_for = kNoContainer;
    core.owner_since_ns = now;
    released++;
    auto to = containers_.find(next);
    if (to != containers_.end()) Grant(&core, to->second.get(), now, "reserved (previous owner exited)");
  }
  Log(config::LogLevel::kInfo, "container %lld \"%s\" is gone (%s); %d core(s) released",
      static_cast<long long>(id), it->second->info.name.c_str(), why, released);
  auto conn = connections_.find(it->second->conn_fd);
  if (conn != connections_.end()) conn->second.container = kNoContainer;
  switch_.RemoveContainer(static_cast<uint64_t>(id));
  containers_.erase(it);
  doorbell_rang_ = true;  // reallocate the freed cores now
}

}  // namespace junction::sched
