// The daemon's switch (docs/network.md "Daemon"): moves frames between the
// NIC and the containers' packet rings, and between containers in memory.
//
//  * IPv4 is steered by destination address to a container, then by
//    connection to the process that claimed it (flow_table.h), else by
//    destination port to one of its processes (port_table.h; a TCP flow
//    that a shared listener's SYN sent to a process stays with it), then
//    by flow hash (flow_hash.h) to one of that process's kthreads' rings.
//  * ARP requests for a container's address are answered by the daemon
//    (with the container's MAC), from the NIC and from other containers;
//    other ARP goes where its destination MAC says.
//  * Broadcast (and multicast) frames go to every container but the
//    sender, and to the NIC if a container sent them.
//  * A container may send only with its own source MAC and IPv4 address.
//  * Full rings drop and count (net_counters.h); nothing blocks.
//
// Threading: the daemon loop only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "net/daemon_queue.h"
#include "net/net_counters.h"
#include "net/flow_table.h"
#include "net/nic_port.h"
#include "net/orphan_stacks.h"
#include "net/port_table.h"
#include "net/switch_frame.h"

namespace junction::net {

// Frames the daemon took from the NIC that no container wanted.
struct NicCounters {
  uint64_t rx_packets = 0, tx_packets = 0;
  uint64_t not_for_us = 0;  // unknown destination (or a protocol containers do not speak)
  uint64_t malformed = 0;
  uint64_t arp_answered = 0;  // ARP requests the daemon answered, from anywhere
};

class PacketSwitch {
 public:
  explicit PacketSwitch(NicPort* nic) : nic_(nic) {}  // nic may be null (kind = none)

  // A container with an address: its `slots` PacketQueues start at
  // `queues` (its first process, member 0); `ports` is its port table
  // (null: every packet goes to member 0), `flows` its flow table (null:
  // none). resume: the region was adopted (see DaemonQueue). False if the
  // IP or MAC is already another container's.
  bool AddContainer(uint64_t id, PacketQueues* queues, uint32_t slots, bool resume, uint32_t ip,
                    const Mac& mac, NetPortTable* ports = nullptr,
                    NetFlowTable* flows = nullptr);
  void RemoveContainer(uint64_t id);
  // Another process of container `id` with its own rings `q` (in memory
  // the daemon mapped): returns its member number (1..31), or -1 if the
  // container is unknown or has 31 already. `wake_fd` (an eventfd, not
  // owned) is written after frames are posted while its consumer sleeps.
  int AddMember(uint64_t id, PacketQueues* q, int wake_fd);
  // Removes member `member` of `id` if it is still the one with `wake_fd`,
  // clears its bit from the port table and removes the connections it
  // owned from the flow table.
  void RemoveMember(uint64_t id, uint32_t member, int wake_fd);
  bool HasContainer(uint64_t id) const { return ports_.count(id) != 0; }

  // One pass: the NIC's receive queue, then every container's tx rings.
  // Returns frames handled (0: nothing to do).
  int Poll(uint64_t now_ns);

  // Adaptive polling. Before sleeping: asks every container to ring the
  // doorbell after it queues tx, and arms the NIC's wake-up. False if work
  // arrived meanwhile (do not sleep). After waking: Awake().
  bool PrepareSleep();
  void Awake();

  // For core allocation: frames waiting in container `id`'s rx rings, and
  // how long its oldest unserved backlog has waited (0: none).
  uint32_t RxBacklog(uint64_t id) const;
  uint64_t RxWaitNs(uint64_t id, uint64_t now_ns) const;

  // Connections exited processes left to the daemon (orphan_stacks.h): they
  // get their frames before any container. Not owned; null: none.
  void SetOrphans(OrphanStacks* o) { orphans_ = o; }
  // A frame an orphan stack sends: to a container, another orphan stack
  // or the NIC (an ARP request for a container's address is answered).
  void RouteFromOrphan(std::span<const uint8_t> frame);

  const NetCounters* counters(uint64_t id) const;
  const NicCounters& nic_counters() const { return nic_counters_; }
  NicPort* nic() const { return nic_; }

 private:
  struct Member {  // a forked process's rings (members 1..31)
    std::unique_ptr<DaemonQueue> q;
    int wake_fd = -1;
    bool posted = false;  // frames delivered since the last Poll's wake-ups
  };
  // A TCP flow a shared listener's SYN was steered to (below).
  struct FlowOwner {
    uint32_t member = 0;
    uint64_t last_ns = 0;
  };
  struct Port {
    uint64_t id = 0;
    uint32_t ip = 0;
    Mac mac{};
    std::vector<DaemonQueue> queues;
    std::vector<uint64_t> attached;          // bit per slot, refreshed every Poll
    std::vector<uint64_t> backlog_since_ns;  // per slot: when the rx backlog was last unserved
    NetCounters counters;
    NetPortTable* ports = nullptr;
    NetFlowTable* claimed = nullptr;         // connections processes claimed after a fork
    Member members[kMaxNetMembers];          // [0] unused: member 0 is `queues`
    uint32_t member_attached = 0;            // bit per member, refreshed every Poll
    // Flows of listeners several members accept on: (remote ip, remote
    // port, local port) -> the member its SYN went to, so the connection
    // stays there when the set of accepting members changes.
    std::unordered_map<uint64_t, FlowOwner> flows;
    uint64_t flows_swept_ns = 0;
  };

  static void OnNicFrame(void* ctx, std::span<const uint8_t> frame);
  // `from` is null for the NIC.
  void Route(Port* from, std::span<const uint8_t> frame);
  void RouteArp(Port* from, const ParsedFrame& f, std::span<const uint8_t> frame);
  void DeliverTo(Port* to, const ParsedFrame& f, std::span<const uint8_t> frame);
  void Broadcast(Port* from, const ParsedFrame& f, std::span<const uint8_t> frame);
  void SendToNic(Port* from, std::span<const uint8_t> frame);
  // Sends `frame` back where a request came from.
  void Reply(Port* to, std::span<const uint8_t> frame);
  Port* PortByIp(uint32_t ip);
  Port* PortByMac(const Mac& mac);
  void RefreshAttached(Port* p);
  // Which member of `to` gets an IPv4 frame (flow table, port table, flows).
  uint32_t MemberFor(Port* to, const ParsedFrame& f, uint32_t hash);
  void DeliverToMember(Port* to, uint32_t member, std::span<const uint8_t> frame);
  void TakeTx(Port* from, DaemonQueue& q, int* handled);
  void SweepFlows(Port* p, uint64_t now_ns);

  NicPort* nic_;
  OrphanStacks* orphans_ = nullptr;
  std::map<uint64_t, std::unique_ptr<Port>> ports_;
  std::map<uint32_t, Port*> by_ip_;
  std::map<uint64_t, Port*> by_mac_;
  NicCounters nic_counters_;
  uint64_t now_ns_ = 0;  // of the current Poll
  uint8_t frame_[kBufferBytes];  // the daemon's copy of the frame being routed
};

}  // namespace junction::net
