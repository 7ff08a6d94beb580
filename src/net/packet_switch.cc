#include "net/packet_switch.h"

#include <unistd.h>

#include <bit>
#include <cstring>

#include "net/flow_hash.h"

namespace junction::net {

namespace {

constexpr int kBurst = 32;           // frames per ring (and from the NIC) per pass
constexpr uint32_t kArpFrameBytes = 60;  // 42 + padding to the Ethernet minimum
// Shared-listener flows a container's table keeps, and how long an idle one
// lives (a connection quiet for longer may move if the listeners changed).
constexpr size_t kMaxFlows = 65536;
constexpr uint64_t kFlowIdleNs = 600'000'000'000;
constexpr uint64_t kFlowSweepNs = 10'000'000'000;
constexpr uint8_t kTcpSyn = 0x02, kTcpAck = 0x10;

void Put16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v); }
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, static_cast<uint16_t>(v >> 16));
  Put16(p + 2, static_cast<uint16_t>(v));
}

// An ARP reply from (mac, ip) to the requester in `req`.
void BuildArpReply(const ParsedFrame& req, const Mac& mac, uint32_t ip, uint8_t* out) {
  std::memset(out, 0, kArpFrameBytes);
  std::memcpy(out, req.arp_sender_mac.data(), 6);
  std::memcpy(out + 6, mac.data(), 6);
  Put16(out + 12, kEtherTypeArp);
  uint8_t* a = out + kEthHeaderBytes;
  Put16(a, 1);
  Put16(a + 2, kEtherTypeIpv4);
  a[4] = 6, a[5] = 4;
  Put16(a + 6, 2);  // reply
  std::memcpy(a + 8, mac.data(), 6);
  Put32(a + 14, ip);
  std::memcpy(a + 18, req.arp_sender_mac.data(), 6);
  Put32(a + 24, req.arp_sender_ip);
}

Drop DropFor(DaemonQueue::DeliverResult r) {
  switch (r) {
    case DaemonQueue::DeliverResult::kRingFull: return Drop::kRxRingFull;
    case DaemonQueue::DeliverResult::kNoBuffer: return Drop::kRxNoBuffer;
    case DaemonQueue::DeliverResult::kTooBig: return Drop::kTooBig;
    default: return Drop::kRingCorrupt;
  }
}

}  // namespace

bool PacketSwitch::AddContainer(uint64_t id, PacketQueues* queues, uint32_t slots, bool resume,
                                uint32_t ip, const Mac& mac, NetPortTable* ports,
                                NetFlowTable* flows) {
  if (ports_.count(id) || by_ip_.count(ip) || by_mac_.count(MacToU64(mac))) return false;
  auto p = std::make_unique<Port>();
  p->id = id;
  p->ip = ip;
  p->mac = mac;
  p->queues.reserve(slots);
  for (uint32_t i = 0; i < slots; i++) p->queues.emplace_back(&queues[i], resume);
  p->attached.assign((slots + 63) / 64, 0);
  p->backlog_since_ns.assign(slots, 0);
  p->ports = ports;
  p->claimed = flows;
  // Connections forked processes owned: they claim them again when they
  // join (with their new member numbers).
  if (resume && flows != nullptr) RemoveFlowsOf(flows, -1);
  if (resume && ports != nullptr) {
    // A region adopted after a daemon restart: the forked processes' rings
    // were the old daemon's; they join again and mark their ports anew.
    for (auto* words : {ports->tcp, ports->udp})
      for (size_t i = 0; i < 65536; i++)
        if (words[i].load(std::memory_order_relaxed) & ~uint32_t{1})
          words[i].fetch_and(1, std::memory_order_relaxed);
  }
  by_ip_[ip] = p.get();
  by_mac_[MacToU64(mac)] = p.get();
  ports_[id] = std::move(p);
  return true;
}

void PacketSwitch::RemoveContainer(uint64_t id) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return;
  // What its processes sent last still goes, as for a member that leaves
  // (a program that closes its connections and exits at once: the FINs are
  // in the rings, and nothing is left to retransmit them).
  Port* p = it->second.get();
  int handled = 0;
  // Every ring, attached or not (a kthread may have let go of its slot on
  // the way out; a ring never used is empty, and each is read validated).
  for (DaemonQueue& q : p->queues) TakeTx(p, q, &handled);
  for (Member& m : p->members)
    if (m.q) TakeTx(p, *m.q, &handled);
  // Out now: with no other container left no Poll would flush them (a
  // lone server's last reset waited in the NIC's batch for good).
  if (nic_ != nullptr) nic_->Flush();
  by_ip_.erase(it->second->ip);
  by_mac_.erase(MacToU64(it->second->mac));
  ports_.erase(it);
}

int PacketSwitch::AddMember(uint64_t id, PacketQueues* q, int wake_fd) {
  auto it = ports_.find(id);
  if (it == ports_.end()) return -1;
  Port* p = it->second.get();
  for (uint32_t m = 1; m < kMaxNetMembers; m++) {
    if (p->members[m].q) continue;
    p->members[m].q = std::make_unique<DaemonQueue>(q, false);
    p->members[m].wake_fd = wake_fd;
    p->members[m].posted = false;
    return static_cast<int>(m);
  }
  return -1;
}

void PacketSwitch::RemoveMember(uint64_t id, uint32_t member, int wake_fd) {
  auto it = ports_.find(id);
  if (it == ports_.end() || member == 0 || member >= kMaxNetMembers) return;
  Port* p = it->second.get();
  if (!p->members[member].q || p->members[member].wake_fd != wake_fd) return;
  // What it sent last still goes (a process that closes and exits at once:
  // its FIN is in the ring).
  int handled = 0;
  TakeTx(p, *p->members[member].q, &handled);
  if (nic_ != nullptr) nic_->Flush();
  p->members[member] = Member{};
  uint32_t bit = uint32_t{1} << member;
  p->member_attached &= ~bit;
  // Its marks go with it: the next process given its number starts clean.
  if (p->ports != nullptr) {
    for (auto* words : {p->ports->tcp, p->ports->udp})
      for (size_t i = 0; i < 65536; i++)
        if (words[i].load(std::memory_order_relaxed) & bit) words[i].fetch_and(~bit, std::memory_order_relaxed);
  }
  std::erase_if(p->flows, [member](const auto& kv) { return kv.second.member == member; });
  if (p->claimed != nullptr) RemoveFlowsOf(p->claimed, static_cast<int>(member));
}

PacketSwitch::Port* PacketSwitch::PortByIp(uint32_t ip) {
  auto it = by_ip_.find(ip);
  return it == by_ip_.end() ? nullptr : it->second;
}

PacketSwitch::Port* PacketSwitch::PortByMac(const Mac& mac) {
  auto it = by_mac_.find(MacToU64(mac));
  return it == by_mac_.end() ? nullptr : it->second;
}

void PacketSwitch::RefreshAttached(Port* p) {
  for (uint64_t& w : p->attached) w = 0;
  p->member_attached = 0;
  for (size_t i = 0; i < p->queues.size(); i++) {
    if (!p->queues[i].attached()) continue;
    p->attached[i / 64] |= uint64_t{1} << (i % 64);
    p->member_attached = 1;
  }
  for (uint32_t m = 1; m < kMaxNetMembers; m++)
    if (p->members[m].q && p->members[m].q->attached()) p->member_attached |= uint32_t{1} << m;
}

void PacketSwitch::TakeTx(Port* from, DaemonQueue& q, int* handled) {
  for (int n = 0; n < kBurst; n++) {
    uint32_t len = 0;
    DaemonQueue::TakeResult r = q.TakeTx(frame_, &len);
    if (r == DaemonQueue::TakeResult::kEmpty) break;
    // An impossible index is one error, counted once, and no activity: it
    // stays impossible until the container writes a sane one (counted as
    // a frame at every pass, it kept an adaptive daemon polling for ever).
    if (r == DaemonQueue::TakeResult::kStillCorrupt) break;
    if (r == DaemonQueue::TakeResult::kCorrupt) {
      from->counters.Count(Drop::kRingCorrupt);
      break;
    }
    (*handled)++;
    if (r == DaemonQueue::TakeResult::kBadDescriptor) {
      from->counters.Count(Drop::kBadDescriptor);
      continue;
    }
    from->counters.tx_packets++;
    from->counters.tx_bytes += len;
    Route(from, std::span<const uint8_t>(frame_, len));
  }
}

void PacketSwitch::SweepFlows(Port* p, uint64_t now_ns) {
  if (now_ns - p->flows_swept_ns < kFlowSweepNs) return;
  p->flows_swept_ns = now_ns;
  std::erase_if(p->flows, [&](const auto& kv) {
    return now_ns - kv.second.last_ns > kFlowIdleNs || !(p->member_attached >> kv.second.member & 1);
  });
}

int PacketSwitch::Poll(uint64_t now_ns) {
  int handled = 0;
  now_ns_ = now_ns;
  for (auto& [id, p] : ports_) RefreshAttached(p.get());
  if (nic_ != nullptr) handled += nic_->Receive(&PacketSwitch::OnNicFrame, this, kBurst);
  for (auto& [id, p] : ports_) {
    Port* from = p.get();
    for (size_t s = 0; s < from->queues.size(); s++)
      if (from->attached[s / 64] >> (s % 64) & 1) TakeTx(from, from->queues[s], &handled);
    for (uint32_t m = 1; m < kMaxNetMembers; m++)
      if (from->member_attached >> m & 1) TakeTx(from, *from->members[m].q, &handled);
  }
  for (auto& [id, p] : ports_) {
    for (size_t s = 0; s < p->queues.size(); s++) {
      DaemonQueue& q = p->queues[s];
      q.Publish();
      // The oldest backlog: reset whenever the kthread drains.
      if (q.RxBacklog() == 0) p->backlog_since_ns[s] = 0;
      else if (q.RxConsumerMoved() || p->backlog_since_ns[s] == 0) p->backlog_since_ns[s] = now_ns;
    }
    // Forked processes run outside the core grants: wake a sleeping one.
    for (uint32_t m = 1; m < kMaxNetMembers; m++) {
      Member& mem = p->members[m];
      if (!mem.q) continue;
      mem.q->Publish();
      if (mem.posted && mem.wake_fd >= 0 && mem.q->ConsumerWantsKick()) {
        uint64_t one = 1;
        (void)!write(mem.wake_fd, &one, sizeof one);
      }
      mem.posted = false;
    }
    if (!p->flows.empty()) SweepFlows(p.get(), now_ns);
  }
  if (nic_ != nullptr) nic_->Flush();
  return handled;
}

void PacketSwitch::OnNicFrame(void* ctx, std::span<const uint8_t> frame) {
  auto* self = static_cast<PacketSwitch*>(ctx);
  self->nic_counters_.rx_packets++;
  self->Route(nullptr, frame);
}

void PacketSwitch::Route(Port* from, std::span<const uint8_t> frame) {
  ParsedFrame f;
  if (!ParseFrame(frame, &f)) {
    if (from) from->counters.Count(Drop::kMalformed);
    else nic_counters_.malformed++;
    return;
  }
  if (from != nullptr) {
    bool spoofed = f.src != from->mac || (f.ipv4 && f.ip_src != from->ip) ||
                   (f.arp && (f.arp_sender_ip != from->ip || f.arp_sender_mac != from->mac));
    if (spoofed) {
      from->counters.Count(Drop::kSpoofed);
      return;
    }
  }
  if (f.arp) return RouteArp(from, f, frame);
  if (IsMulticast(f.dst)) return Broadcast(from, f, frame);
  if (f.ipv4) {
    Port* to = PortByIp(f.ip_dst);
    if (orphans_ != nullptr && !orphans_->empty() && orphans_->Take(f, frame, to == nullptr)) return;
    // From the NIC, only frames addressed to the container's MAC: the
    // port may see other hosts' traffic (promiscuous af_packet).
    if (to != nullptr && to != from && (from != nullptr || f.dst == to->mac))
      return DeliverTo(to, f, frame);
    if (from == nullptr) {
      nic_counters_.not_for_us++;
      return;
    }
    if (to == from) {  // to itself: the stack should loop it back; not ours to carry
      from->counters.Count(Drop::kNoRoute);
      return;
    }
    return SendToNic(from, frame);
  }
  // Another protocol: by destination MAC.
  if (Port* to = PortByMac(f.dst); to != nullptr && to != from) return DeliverTo(to, f, frame);
  if (from == nullptr) nic_counters_.not_for_us++;
  else SendToNic(from, frame);
}

void PacketSwitch::RouteArp(Port* from, const ParsedFrame& f, std::span<const uint8_t> frame) {
  // For an address only an orphan stack still stands for: it answers.
  if (orphans_ != nullptr && !orphans_->empty() && PortByIp(f.arp_target_ip) == nullptr &&
      orphans_->Take(f, frame, true))
    return;
  if (f.arp_op == 1) {  // request
    Port* owner = PortByIp(f.arp_target_ip);
    if (owner != nullptr && owner != from) {
      uint8_t reply[kArpFrameBytes];
      BuildArpReply(f, owner->mac, owner->ip, reply);
      nic_counters_.arp_answered++;
      return Reply(from, std::span<const uint8_t>(reply, kArpFrameBytes));
    }
    if (owner == from && from != nullptr) return;  // a probe for its own address: nobody else has it
  }
  // Replies, gratuitous ARP and requests for addresses outside the
  // containers: by destination MAC.
  if (IsMulticast(f.dst)) return Broadcast(from, f, frame);
  if (Port* to = PortByMac(f.dst); to != nullptr && to != from) return DeliverTo(to, f, frame);
  if (from == nullptr) nic_counters_.not_for_us++;
  else SendToNic(from, frame);
}

void PacketSwitch::RouteFromOrphan(std::span<const uint8_t> frame) {
  ParsedFrame f;
  if (!ParseFrame(frame, &f)) return;
  if (f.arp && f.arp_op == 1) {
    if (Port* owner = PortByIp(f.arp_target_ip)) {
      uint8_t reply[kArpFrameBytes];
      BuildArpReply(f, owner->mac, owner->ip, reply);
      ParsedFrame r;
      if (ParseFrame(std::span<const uint8_t>(reply, kArpFrameBytes), &r))
        orphans_->Take(r, std::span<const uint8_t>(reply, kArpFrameBytes), true);
      return;
    }
  }
  if (IsMulticast(f.dst)) {
    for (auto& [id, p] : ports_) DeliverTo(p.get(), f, frame);
  } else if (f.ipv4) {
    if (Port* to = PortByIp(f.ip_dst)) return DeliverTo(to, f, frame);
    if (orphans_->Take(f, frame, true)) return;
  } else if (Port* to = PortByMac(f.dst)) {
    return DeliverTo(to, f, frame);
  }
  if (nic_ != nullptr && nic_->Send(frame)) nic_counters_.tx_packets++;
}

void PacketSwitch::Reply(Port* to, std::span<const uint8_t> frame) {
  if (to == nullptr) {
    if (nic_ != nullptr && nic_->Send(frame)) nic_counters_.tx_packets++;
    return;
  }
  ParsedFrame f;
  ParseFrame(frame, &f);
  DeliverTo(to, f, frame);
}

uint32_t PacketSwitch::MemberFor(Port* to, const ParsedFrame& f, uint32_t hash) {
  if (to->ports == nullptr || f.port_dst == 0) return 0;
  std::atomic<uint32_t>* w = PortWord(to->ports, f.ip_proto, f.port_dst);
  if (w == nullptr) return 0;
  uint32_t word = w->load(std::memory_order_relaxed);
  if (f.ip_proto != kIpProtoTcp) return SteerMember(word, to->member_attached, hash);
  uint64_t key = uint64_t{f.ip_src} << 32 | uint32_t{f.port_src} << 16 | f.port_dst;
  // A connection several processes held since a fork: the one that
  // claimed it (a word naming no attached member counts for nothing).
  if (to->claimed != nullptr) {
    int owner = ClaimedBy(to->claimed, FlowKey(f.ip_src, f.port_src, f.port_dst));
    if (owner >= 0 && (to->member_attached >> owner & 1)) return static_cast<uint32_t>(owner);
  }
  if (!to->flows.empty()) {
    auto it = to->flows.find(key);
    if (it != to->flows.end()) {
      bool syn = (f.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn;
      // A new SYN on the same 4-tuple is a new connection: steer it afresh.
      if (!syn && (to->member_attached >> it->second.member & 1)) {
        it->second.last_ns = now_ns_;
        return it->second.member;
      }
      to->flows.erase(it);
    }
  }
  uint32_t m = SteerMember(word, to->member_attached, hash);
  // A listener several members accept on: remember where the SYN went.
  if (std::popcount(word & to->member_attached) > 1 &&
      (f.tcp_flags & (kTcpSyn | kTcpAck)) == kTcpSyn && to->flows.size() < kMaxFlows)
    to->flows[key] = FlowOwner{m, now_ns_};
  return m;
}

void PacketSwitch::DeliverToMember(Port* to, uint32_t member, std::span<const uint8_t> frame) {
  Member& mem = to->members[member];
  DaemonQueue::DeliverResult r = mem.q->Deliver(frame);
  if (r != DaemonQueue::DeliverResult::kDelivered) {
    to->counters.Count(DropFor(r));
    return;
  }
  mem.posted = true;
  to->counters.rx_packets++;
  to->counters.rx_bytes += frame.size();
}

void PacketSwitch::DeliverTo(Port* to, const ParsedFrame& f, std::span<const uint8_t> frame) {
  uint32_t hash = f.ipv4 ? FlowHash(f.ip_src, f.ip_dst, f.port_src, f.port_dst, f.ip_proto) : 0;
  if (to->member_attached & ~uint32_t{1}) {
    if (f.ipv4) {
      uint32_t m = MemberFor(to, f, hash);
      if (m != 0) return DeliverToMember(to, m, frame);
    } else {
      // ARP (replies to any process's requests) reaches every process.
      for (uint32_t m = 1; m < kMaxNetMembers; m++)
        if (to->member_attached >> m & 1) DeliverToMember(to, m, frame);
    }
  }
  int slot = FlowQueue(hash, static_cast<uint32_t>(to->queues.size()), to->attached.data());
  if (slot < 0) {
    to->counters.Count(Drop::kRxNoQueue);
    return;
  }
  DaemonQueue::DeliverResult r = to->queues[static_cast<size_t>(slot)].Deliver(frame);
  if (r != DaemonQueue::DeliverResult::kDelivered) {
    to->counters.Count(DropFor(r));
    return;
  }
  to->counters.rx_packets++;
  to->counters.rx_bytes += frame.size();
}

void PacketSwitch::Broadcast(Port* from, const ParsedFrame& f, std::span<const uint8_t> frame) {
  for (auto& [id, p] : ports_)
    if (p.get() != from) DeliverTo(p.get(), f, frame);
  if (from != nullptr && nic_ != nullptr) SendToNic(from, frame);
}

void PacketSwitch::SendToNic(Port* from, std::span<const uint8_t> frame) {
  if (nic_ == nullptr) {
    // Broadcasts reach the other containers; unicast has nowhere to go.
    from->counters.Count(Drop::kNoRoute);
    return;
  }
  if (!nic_->Send(frame)) {
    from->counters.Count(Drop::kNicFull);
    return;
  }
  nic_counters_.tx_packets++;
}

bool PacketSwitch::PrepareSleep() {
  for (auto& [id, p] : ports_) {
    for (DaemonQueue& q : p->queues) q.SetWantsKick(true);
    for (Member& m : p->members)
      if (m.q) m.q->SetWantsKick(true);
  }
  bool pending = nic_ != nullptr && nic_->ArmWake();
  // A frame queued before the container saw the flag would wait until the
  // next wake-up: look once more after setting it.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (auto& [id, p] : ports_) {
    for (DaemonQueue& q : p->queues) pending |= q.attached() && q.TxPending() > 0;
    for (Member& m : p->members) pending |= m.q && m.q->attached() && m.q->TxPending() > 0;
  }
  if (pending) Awake();
  return !pending;
}

void PacketSwitch::Awake() {
  for (auto& [id, p] : ports_) {
    for (DaemonQueue& q : p->queues) q.SetWantsKick(false);
    for (Member& m : p->members)
      if (m.q) m.q->SetWantsKick(false);
  }
  if (nic_ != nullptr) nic_->DisarmWake();
}

uint32_t PacketSwitch::RxBacklog(uint64_t id) const {
  auto it = ports_.find(id);
  if (it == ports_.end()) return 0;
  uint32_t total = 0;
  for (const DaemonQueue& q : it->second->queues) total += q.RxBacklog();
  return total;
}

uint64_t PacketSwitch::RxWaitNs(uint64_t id, uint64_t now_ns) const {
  auto it = ports_.find(id);
  if (it == ports_.end()) return 0;
  uint64_t oldest = 0;
  for (uint64_t since : it->second->backlog_since_ns)
    if (since != 0 && now_ns > since && now_ns - since > oldest) oldest = now_ns - since;
  return oldest;
}

const NetCounters* PacketSwitch::counters(uint64_t id) const {
  auto it = ports_.find(id);
  return it == ports_.end() ? nullptr : &it->second->counters;
}

}  // namespace junction::net
