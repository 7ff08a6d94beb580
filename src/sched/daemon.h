// The core scheduler daemon (`junction daemon`, docs/daemon.md): one
// thread, one epoll loop. It serves the control socket (REGISTER, STATUS),
// watches each container's connection, pidfd and doorbell, and every
// tick_us reads the containers' signals, runs the CorePolicy and writes
// grants and yield requests into their shared regions.
//
// Threading: everything here runs on the thread that calls Run(); no
// locks. Containers live in `containers_`; cores in `cores_`.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/daemon_config.h"
#include "net/nic_port.h"
#include "net/packet_switch.h"
#include "sched/daemon_container.h"
#include "sched/policy.h"
#include "sched/unix_socket.h"

namespace junction::sched {

class Daemon {
 public:
  // `nic`: the port for nic.kind (null for "none": containers reach only
  // each other).
  Daemon(config::DaemonConfig cfg, std::unique_ptr<CorePolicy> policy,
         std::unique_ptr<net::NicPort> nic = nullptr);
  ~Daemon();  // closes everything and unlinks the socket it created
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Listens on control.socket (replacing a stale one) and blocks SIGINT and
  // SIGTERM into a signalfd. False with `why` on failure.
  bool Start(std::string* why);
  // Serves until SIGINT or SIGTERM; returns the exit status (0).
  int Run();

  // The cores the daemon manages: config `cores`, or all online CPUs but
  // core 0 (core 0 alone on a 1-CPU machine).
  static std::vector<int> ManagedCores(const config::DaemonConfig& cfg);

  // How long before a container's next timer an adaptive daemon is awake,
  // and a latency-critical container gets its core: at the deadline its
  // kthread is already running there (the LibOS holds a granted core
  // kHoldForTimerNs, kthread.cc, for a timer this close).
  static constexpr uint64_t kTimerLeadNs = 50'000;

 private:
  // A forked process's own packet rings (NET_JOIN), alive with its connection.
  struct NetMember {
    ContainerId container = kNoContainer;
    uint32_t member = 0;
    net::PacketQueues* rings = nullptr;  // our mapping of its memfd
    int rings_fd = -1;
    int wake_fd = -1;  // its eventfd
  };
  // A forked process's kthread slot (SCHED_JOIN), alive with its connection.
  struct SchedMember {
    ContainerId container = kNoContainer;
    int slot = -1;
    int32_t pid = 0;  // the process it was assigned to (SO_PEERCRED)
  };
  struct Connection {
    int fd = -1;
    InputBuffer in;
    ContainerId container = kNoContainer;
    NetMember net;
    SchedMember member;
  };
  struct Core {
    int id = 0;
    ContainerId owner = kNoContainer;
    int slot = -1;
    bool releasing = false;
    ContainerId reserved_for = kNoContainer;
    ContainerId previous_owner = kNoContainer;
    uint64_t owner_since_ns = 0;
    uint64_t signal_at_ns = 0;
    uint64_t release_deadline_ns = 0;
    bool signalled = false;
    // Idle and free in the books, but the grant word of this container's
    // kthread still names the core (it went idle keeping its grant):
    // taken back when the core goes to anyone else (docs/daemon.md).
    ContainerId lent_to = kNoContainer;
    int lent_slot = -1;
    uint32_t lent_seq = 0;
  };

  void Log(config::LogLevel level, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));
  void Watch(int fd, uint32_t kind, uint64_t value);

  // Control plane.
  void AcceptConnections();
  void OnConnectionEvent(int fd, uint32_t events);
  void CloseConnection(int fd);
  bool HandleFrame(Connection* c, const std::vector<uint8_t>& payload);
  bool HandleRegister(Connection* c, const RegisterRequest& req);
  bool HandleStatus(Connection* c);
  void DropContainer(ContainerId id, const char* why);

  // Forked processes' kthread slots (daemon_member.cc).
  bool HandleSchedJoin(Connection* c, const SchedJoinRequest& req);
  void ReleaseSchedMember(SchedMember* m);
  // A unit of a container (its first process, or one forked process) that
  // has waited kRotateAfterNs without a core gets one another of the
  // container's units has held that long.
  void RotateWithinContainers(uint64_t now_ns);

  // Packet switching (daemon_net.cc).
  bool AttachNetwork(DaemonContainer* c, bool adopted, std::string* why);
  bool HandleNetJoin(Connection* c, const NetJoinRequest& req);
  // A process leaving its closing connections to the daemon (orphans_).
  bool HandleTcpHandover(Connection* c, const TcpHandover& req);
  void ReleaseNetMember(NetMember* m);
  int PollNetwork(uint64_t now_ns);
  // Before an adaptive sleep: false if packets are waiting (do not sleep);
  // else *max_sleep_ns is capped for a NIC that cannot wake us.
  bool PrepareNetworkSleep(uint64_t* max_sleep_ns);

  // Core allocation (the tick).
  void Tick(uint64_t now_ns);
  void CollectReleases(uint64_t now_ns);
  void Grant(Core* core, DaemonContainer* c, uint64_t now_ns, const char* reason);
  void Revoke(Core* core, ContainerId for_container, uint64_t now_ns, const char* reason);
  void FreeCore(Core* core, uint64_t now_ns);
  // Lent cores (Core::lent_to): the owner's kthread went idle keeping its
  // grant; it runs again (re-adopted), gives it up, or the core goes to
  // another container (the grant taken back first).
  void LendIdleCore(Core* core, uint64_t now_ns);
  void TrackLentCore(Core* core, uint64_t now_ns);
  void TakeBackLentCore(Core* core);
  void Readopt(Core* core, DaemonContainer* c, uint64_t now_ns);
  // Sends the container's yield_signal to the kthread holding `core`, once.
  void SignalYield(Core* core, DaemonContainer* c);
  Core* FindCore(int id);
  bool Busy() const;
  void PinToUnmanagedCores();  // anything that wants attention soon (adaptive polling)

  config::DaemonConfig cfg_;
  std::unique_ptr<CorePolicy> policy_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  bool socket_created_ = false;
  bool stop_ = false;
  bool doorbell_rang_ = false;
  ContainerId next_id_ = 1;
  std::map<int, Connection> connections_;
  std::map<ContainerId, std::unique_ptr<DaemonContainer>> containers_;
  std::vector<Core> cores_;
  std::vector<Decision> decisions_;  // reused every tick
  std::unique_ptr<net::NicPort> nic_;
  net::PacketSwitch switch_;  // after nic_: built from it
  net::OrphanStacks orphans_;  // after switch_: routes through it
  uint64_t decisions_made_ = 0;
  // RotateWithinContainers' scratch, one per unit of a container (its
  // first process, each forked process), kept to spare a malloc per tick.
  struct RotateUnit {
    int32_t pid = 0;
    bool free = false;     // one of its slots holds no core
    uint64_t wait = 0;     // the longest queue delay of its slots
  };
  std::vector<RotateUnit> rotate_units_;
};

}  // namespace junction::sched
