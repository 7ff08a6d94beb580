// The LibOS side of the daemon protocol (docs/daemon.md): registration,
// the shared region the scheduler publishes its signals into and reads its
// grants from, daemon-death detection and re-registration.
//
// Threading: ConnectDaemon and Poll run on one thread (the LibOS's
// reactor or timer); slot() pointers are stable for the session's life
// (a re-registration hands the same region back to the new daemon) and may
// be used from every kthread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "sched/control_message.h"
#include "sched/shm_region.h"

namespace junction::sched {

class DaemonSession {
 public:
  DaemonSession(DaemonSession&& o) noexcept;
  DaemonSession& operator=(DaemonSession&&) = delete;
  DaemonSession(const DaemonSession&) = delete;
  ~DaemonSession();

  uint64_t container_id() const { return id_; }
  uint32_t slots() const { return region_->slots(); }
  // Kthread i's slot, i < slots() (= cpu.max_cores); then the member
  // slots of forked processes, up to total_slots().
  KthreadSlot* slot(uint32_t i) const { return region_->slot(i); }
  uint32_t total_slots() const { return region_->total_slots(); }
  ShmHeader* header() const { return region_->header(); }
  // Kthread i's packet rings, i < slots() (net/container_queue.h attaches).
  net::PacketQueues* queues(uint32_t i) const { return region_->queues(i); }
  // Which of the container's processes receive on each port (shared by
  // them all: forked processes inherit the mapping).
  net::NetPortTable* port_table() const { return region_->port_table(); }
  net::NetFlowTable* flow_table() const { return region_->flow_table(); }
  net::ParkedArea* parked() const { return region_->parked(); }
  const std::string& socket_path() const { return socket_path_; }
  bool daemon_alive() const { return alive_; }
  // The control connection, to watch in the LibOS reactor (POLLIN or
  // POLLRDHUP means: call Poll()). -1 while the daemon is gone.
  int control_fd() const { return sock_; }
  // The daemon's doorbell eventfd (write 1 to it); -1 before the first
  // registration. Once published its number never closes while the process
  // runs: a dead daemon's stays open until the next one's replaces it there.
  int doorbell_fd() const { return doorbell_; }

  // Non-blocking check of the daemon. When it has gone: every slot gets
  // kStandaloneGrant (and is woken), so the container keeps running on
  // its own cores. While it is gone, tries to register
  // again at most every `retry_ms` (the same region is offered back, so
  // slot pointers stay valid). Returns daemon_alive().
  bool Poll(int retry_ms = 100);

  // Tells a sleeping daemon to look now (eventfd write): call when work
  // becomes runnable with no kthread running, and after a kthread parks.
  void RingDoorbell() const;

 private:
  friend std::optional<DaemonSession> ConnectDaemon(const config::AppConfig&,
                                                    const std::vector<std::string>&, std::string*);
  DaemonSession(std::string socket_path, RegisterRequest req)
      : socket_path_(std::move(socket_path)), req_(std::move(req)) {}
  // Connects and registers; on the first call maps the region received.
  bool Register(std::string* why);
  void MarkDaemonGone();

  std::string socket_path_;
  RegisterRequest req_;
  std::optional<ShmRegion> region_;
  int sock_ = -1;
  int doorbell_ = -1;
  bool alive_ = false;
  uint64_t id_ = 0;
  uint64_t last_retry_ns_ = 0;
};

// Registers with the daemon at cfg.daemon_socket (default
// /run/junction/control.sock). nullopt with `why_not` when no daemon
// listens there or it refused; the caller then runs standalone.
std::optional<DaemonSession> ConnectDaemon(const config::AppConfig& cfg,
                                           const std::vector<std::string>& argv,
                                           std::string* why_not);
std::optional<DaemonSession> ConnectDaemon(const config::AppConfig& cfg, std::string* why_not);

// The request ConnectDaemon sends for `cfg` (also used by tests).
RegisterRequest MakeRegisterRequest(const config::AppConfig& cfg,
                                    const std::vector<std::string>& argv);

}  // namespace junction::sched
