// Messages on the daemon's control socket (docs/daemon.md "Control
// protocol"). A frame is a little-endian u32 payload length followed by
// the payload: u16 protocol version, u16 message type, then the fields.
// Requests and replies alternate on a connection; file descriptors ride
// along with SCM_RIGHTS (the shared region and the doorbell eventfd with a
// RegisterReply; optionally a previous region with a RegisterRequest).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "net/net_counters.h"

namespace junction::sched {

// 2: MAC, packet counters; 3: SCHED_JOIN; 4: cores per scheduled process,
// the SCHED_JOIN reply's token
inline constexpr uint16_t kControlProtocolVersion = 4;
inline constexpr uint32_t kMaxFrameBytes = 1u << 20;
inline constexpr size_t kMaxNameBytes = 63;
inline constexpr size_t kMaxArgBytes = 4096;
inline constexpr uint32_t kMaxArgs = 256;
inline constexpr uint32_t kMaxContainers = 4096;
inline constexpr uint32_t kMaxPids = 1024;

enum class MessageType : uint16_t {
  kRegisterRequest = 1,
  kRegisterReply = 2,
  kStatusRequest = 3,
  kStatusReply = 4,
  kNetJoinRequest = 5,
  kNetJoinReply = 6,
  kSchedJoinRequest = 7,
  kSchedJoinReply = 8,
  kTcpHandover = 9,
};

// A process of a bypass container that exits hands its closing TCP
// connections to the daemon (docs/network.md "Connections outliving their
// process"), on the connection it registered or joined with, just before
// it exits; no reply. The records (net::NetStack::HandOverAtExit's
// encoding, `bytes` long) are in a memfd that rides along (SCM_RIGHTS).
struct TcpHandover {
  uint32_t ip = 0;     // the container's address, host byte order (a check)
  uint32_t bytes = 0;  // of records at the start of the memfd
};
inline constexpr uint32_t kMaxHandoverBytes = 256u << 20;

// A kthread of a forked process of a container asks for a kthread slot in
// the container's region (docs/daemon.md "Forked processes"), on a
// connection of its own that stays open while the process lives: from
// then on the kthread runs on cores the daemon grants the container. The reply carries the
// container's doorbell eventfd (SCM_RIGHTS).
struct SchedJoinRequest {
  uint64_t container_id = 0;
};
struct SchedJoinReply {
  int32_t error = 0;  // 0, or an errno-style code with `message`
  std::string message;
  uint32_t slot = 0;  // its slot in the region (a member slot: >= cpu.max_cores)
  uint32_t token = 0;  // the slot's member_token while it is this kthread's
};

// A forked process of a bypass container asks for its own packet rings
// (docs/network.md "Processes"), on a connection of its own that stays
// open while it lives. Its wake-up eventfd rides along (SCM_RIGHTS); the
// reply carries the memfd of its rings (one net::PacketQueues).
struct NetJoinRequest {
  uint64_t container_id = 0;
  uint32_t ip = 0;  // the container's address, host byte order (a check)
};
struct NetJoinReply {
  int32_t error = 0;  // 0, or an errno-style code with `message`
  std::string message;
  uint32_t member = 0;  // its bit in the port table (net/port_table.h)
};

struct RegisterRequest {
  std::string name;
  config::CpuClass cls = config::CpuClass::kBestEffort;
  uint32_t guaranteed = 0;
  uint32_t max = 1;
  std::optional<uint32_t> ip;  // host byte order; bypass mode only
  std::optional<uint64_t> mac; // 48-bit unicast MAC (bypass mode), as net::MacToU64
  int32_t pid = 0;             // advisory: the daemon uses SO_PEERCRED
  std::vector<std::string> command;
  // Re-registration after a daemon restart: the id the container had
  // (kept if free) and whether the old region is attached (SCM_RIGHTS).
  uint64_t previous_id = 0;
  bool offers_region = false;
};

struct RegisterReply {
  int32_t error = 0;       // 0, or an errno-style code with `message`
  std::string message;
  uint64_t container_id = 0;
};

enum class ContainerMode : uint8_t { kDaemon = 0, kStandalone = 1 };

// One row of `junction ps` (docs/cli.md "ps --json").
// One process of a container as `junction ps` shows it (read from the
// container's process table, not sent over the control socket).
struct ProcessStatus {
  int32_t pid = 0, host_pid = 0, ppid = 0;
  std::string state;  // "running", "exited" (a zombie), "starting"
  std::string command;
};

struct ContainerStatus {
  uint64_t id = 0;
  std::string name;
  config::CpuClass cls = config::CpuClass::kBestEffort;
  ContainerMode mode = ContainerMode::kDaemon;
  std::vector<int32_t> pids;
  std::optional<uint64_t> ip;  // IPv4, host byte order
  uint32_t active = 0, guaranteed = 0, max = 1;
  // Not known for standalone containers (no daemon reads their signals).
  std::optional<uint64_t> queue_delay_ns, queue_delay_p99_ns;
  std::optional<uint64_t> uthreads_runnable, uthreads_total, preemptions, rss_bytes;
  // Packet counters (bypass containers on a daemon; null otherwise).
  std::optional<net::NetCounters> net;
  uint64_t started_unix_ns = 0;  // CLOCK_REALTIME at start; ps computes the uptime
  std::vector<std::string> command;
  // Host pids whose kthreads run on the daemon's grants: the first
  // process and the forked processes that joined (SCHED_JOIN).
  std::vector<int32_t> scheduled_pids;
  // The cores each of them holds now (its kthreads' slots), in that order.
  std::vector<uint32_t> scheduled_cores;
  std::vector<ProcessStatus> processes;  // filled by `junction ps` only
};

// Frames (length prefix included).
std::vector<uint8_t> EncodeRegisterRequest(const RegisterRequest& m);
std::vector<uint8_t> EncodeRegisterReply(const RegisterReply& m);
std::vector<uint8_t> EncodeNetJoinRequest(const NetJoinRequest& m);
std::vector<uint8_t> EncodeTcpHandover(const TcpHandover& m);
std::vector<uint8_t> EncodeNetJoinReply(const NetJoinReply& m);
std::vector<uint8_t> EncodeSchedJoinRequest(const SchedJoinRequest& m);
std::vector<uint8_t> EncodeSchedJoinReply(const SchedJoinReply& m);
std::vector<uint8_t> EncodeStatusRequest();
std::vector<uint8_t> EncodeStatusReply(const std::vector<ContainerStatus>& rows);
// One ContainerStatus without a frame (standalone state files).
std::vector<uint8_t> EncodeContainerStatus(const ContainerStatus& s);

// Payload (after the length prefix): the type, or nullopt if the version
// is not ours or the payload is too short.
std::optional<MessageType> PeekType(std::span<const uint8_t> payload);
// Each decoder accepts only a complete, well-formed payload of its type.
bool DecodeRegisterRequest(std::span<const uint8_t> payload, RegisterRequest* m);
bool DecodeRegisterReply(std::span<const uint8_t> payload, RegisterReply* m);
bool DecodeNetJoinRequest(std::span<const uint8_t> payload, NetJoinRequest* m);
bool DecodeTcpHandover(std::span<const uint8_t> payload, TcpHandover* m);
bool DecodeNetJoinReply(std::span<const uint8_t> payload, NetJoinReply* m);
bool DecodeSchedJoinRequest(std::span<const uint8_t> payload, SchedJoinRequest* m);
bool DecodeSchedJoinReply(std::span<const uint8_t> payload, SchedJoinReply* m);
bool DecodeStatusReply(std::span<const uint8_t> payload, std::vector<ContainerStatus>* rows);
bool DecodeContainerStatus(std::span<const uint8_t> bytes, ContainerStatus* s);

const char* ClassName(config::CpuClass c);  // "latency-critical" / "best-effort"

}  // namespace junction::sched
