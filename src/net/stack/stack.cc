// NetStack core: the lock and wake-up discipline, Ethernet and ARP input,
// timers, and the ephemeral port allocator. IPv4/ICMP are in ipv4.cc,
// UDP in udp.cc, TCP in tcp_*.cc.
#include "net/stack/stack.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "net/joined_packet.h"
#include "net/stack/stack_entry.h"
#include "net/stack/tcp_conn.h"
#include "net/stack/udp.h"

namespace junction::net {

namespace {
// SplitMix64 (Steele, Lea, Flood 2014): a seed spread over 64 bits.
uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

MacAddr LoadMac(const std::byte* p) {
  MacAddr m;
  std::memcpy(m.b.data(), p, 6);
  return m;
}
void StoreMac(std::byte* p, const MacAddr& m) { std::memcpy(p, m.b.data(), 6); }
}  // namespace

NetStack::NetStack(NetLink* link, StackConfig cfg)
    : link_(link),
      cfg_(std::move(cfg)),
      mac_(link->mac()),
      mtu_(link->mtu()),
      rng_(cfg_.seed * 0x9e3779b97f4a7c15ull + 1),
      arp_(cfg_.arp),
      reasm_(cfg_.reassembly) {
  mask_ = cfg_.prefix == 0 ? 0 : ~uint32_t{0} << (32 - cfg_.prefix);
  bcast_ = (cfg_.addr & mask_) | ~mask_;
  ip_id_ = static_cast<uint16_t>(NextRandom());
  cookie_key_ = cfg_.syncookie_key;
  if (cookie_key_[0] == 0 && cookie_key_[1] == 0)
    cookie_key_ = {SplitMix(cfg_.seed), SplitMix(~cfg_.seed)};
}

NetStack::~NetStack() = default;

uint64_t NetStack::NextRandom() {
  // xorshift64*: ports, ISNs and IP ids need to be unpredictable to an
  // off-path observer only as much as the seed is.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545f4914f6cdd1dull;
}

StackCounters NetStack::counters() const {
  StackEntry e(this);
  return c_;
}

void NetStack::Notify_l(const void* key, const std::function<void()>& fn) {
  if (!fn) return;
  if (std::find(wake_keys_.begin(), wake_keys_.end(), key) != wake_keys_.end()) return;
  wake_keys_.push_back(key);
  wake_fns_.push_back(fn);
}

void NetStack::Input(std::span<const std::byte> frame) {
  StackEntry e(this);
  EthInput_l(frame);
}

void NetStack::InputBatch(std::span<const std::span<const std::byte>> frames) {
  StackEntry e(this);
  holding_acks_ = true;
  for (std::span<const std::byte> f : frames) EthInput_l(f);
  holding_acks_ = false;
  SendHeldAcks_l();
}

void NetStack::Poll() {
  StackEntry e(this);
  RunTimers_l();
}

uint64_t NetStack::NextTimerNs() const {
  StackEntry e(this);
  uint64_t next = std::min(arp_.NextDeadline(), reasm_.NextDeadline());
  return std::min(next, TcpNextDeadline_l());
}

void NetStack::Announce() {
  StackEntry e(this);
  // Gratuitous ARP: a request for our own address, so neighbours update.
  SendArp_l(1, MacAddr{}, cfg_.addr, MacAddr::Broadcast());
}

void NetStack::RunTimers_l() {
  std::vector<ArpRequest> resend;
  size_t dropped = 0;
  arp_.Tick(now_, &resend, &dropped);
  c_.arp_unresolved_drops += dropped;
  for (const ArpRequest& r : resend) {
    if (!r.to.IsBroadcast()) c_.arp_probes_out++;
    SendArp_l(1, MacAddr{}, r.ip, r.to);
  }
  reasm_.Tick(now_);
  TcpTimers_l();
}

void NetStack::EthInput_l(std::span<const std::byte> frame) {
  c_.rx_frames++;
  c_.rx_bytes += frame.size();
  if (frame.size() < kEthHeaderLen) {
    c_.rx_runt++;
    return;
  }
  MacAddr dst = LoadMac(frame.data());
  if (dst != mac_ && !dst.IsBroadcast()) {
    c_.rx_not_for_us++;
    return;
  }
  auto payload = frame.subspan(kEthHeaderLen);
  switch (Load16(&frame[12])) {
    case kEthTypeIp4:
      Ip4Input_l(payload, false);
      break;
    case kEthTypeArp:
      ArpInput_l(payload);
      break;
    default:
      c_.rx_bad_ethertype++;
  }
}

void NetStack::SendFrame_l(MacAddr dst, uint16_t ethertype, std::span<const std::byte> head,
                           std::span<const std::byte> body) {
  // The Ethernet header and `head` (an IPv4 header, with options at most
  // 60 bytes) are joined here; a longer head goes as the body.
  std::byte h[kEthHeaderLen + 60];
  if (head.size() > sizeof h - kEthHeaderLen) {
    SendFrame_l(dst, ethertype, {}, JoinedPacket(head, body));
    return;
  }
  StoreMac(&h[0], dst);
  StoreMac(&h[6], mac_);
  Store16(&h[12], ethertype);
  if (!head.empty()) std::memcpy(&h[kEthHeaderLen], head.data(), head.size());
  size_t hlen = kEthHeaderLen + head.size();
  if (!link_->TransmitParts(std::span<const std::byte>(h, hlen), body)) {
    c_.tx_link_full++;
    return;
  }
  c_.tx_frames++;
  c_.tx_bytes += hlen + body.size();
}

void NetStack::SendArp_l(uint16_t op, MacAddr tha, Ip4 tpa, MacAddr eth_dst) {
  std::byte p[kArpLen];
  Store16(&p[0], 1);       // Ethernet
  Store16(&p[2], kEthTypeIp4);
  p[4] = std::byte{6};
  p[5] = std::byte{4};
  Store16(&p[6], op);
  StoreMac(&p[8], mac_);
  Store32(&p[14], cfg_.addr);
  StoreMac(&p[18], tha);
  Store32(&p[24], tpa);
  if (op == 1) c_.arp_requests_out++; else c_.arp_replies_out++;
  SendFrame_l(eth_dst, kEthTypeArp, p);
}

void NetStack::ArpInput_l(std::span<const std::byte> p) {
  if (p.size() < kArpLen || Load16(&p[0]) != 1 || Load16(&p[2]) != kEthTypeIp4 ||
      p[4] != std::byte{6} || p[5] != std::byte{4}) {
    c_.arp_bad++;
    return;
  }
  uint16_t op = Load16(&p[6]);
  MacAddr sha = LoadMac(&p[8]);
  Ip4 spa = Load32(&p[14]);
  Ip4 tpa = Load32(&p[24]);
  if ((op != 1 && op != 2) || sha.IsMulticast()) {
    c_.arp_bad++;
    return;
  }
  if (op == 1) c_.arp_requests_in++; else c_.arp_replies_in++;
  bool for_us = tpa == cfg_.addr;
  if (spa != 0 && spa != cfg_.addr) {
    // RFC 826: merge the sender; create an entry only if the packet is for us.
    for (auto& pkt : arp_.Update(spa, sha, now_, for_us)) SendFrame_l(sha, kEthTypeIp4, {}, pkt);
  }
  if (op == 1 && for_us) SendArp_l(2, sha, spa, sha);
}

void NetStack::Transmit_l(Ip4 next_hop, std::span<const std::byte> header,
                          std::span<const std::byte> payload) {
  if (IsBroadcast(next_hop)) {
    SendFrame_l(MacAddr::Broadcast(), kEthTypeIp4, header, payload);
    return;
  }
  std::optional<ArpRequest> probe;
  if (auto mac = arp_.Lookup(next_hop, now_, &probe)) {
    SendFrame_l(*mac, kEthTypeIp4, header, payload);
    if (probe) {  // STALE: re-resolve in the background, traffic goes on
      c_.arp_probes_out++;
      SendArp_l(1, MacAddr{}, probe->ip, probe->to);
    }
    return;
  }
  switch (arp_.Enqueue(next_hop, JoinedPacket(header, payload), now_)) {
    case ArpCache::Queued::kSendRequest:
      SendArp_l(1, MacAddr{}, next_hop, MacAddr::Broadcast());
      break;
    case ArpCache::Queued::kWaiting:
      break;
    case ArpCache::Queued::kDropped:
      c_.arp_unresolved_drops++;
      break;
  }
}

void NetStack::ConfirmNeighbour_l(Ip4 dst) {
  if (IsLocal(dst) || IsBroadcast(dst)) return;
  bool on_link = (dst & mask_) == (cfg_.addr & mask_);
  arp_.Confirm(on_link ? dst : cfg_.gateway, now_);
}

void NetStack::DrainLoopback_l() {
  // Bounded so a protocol bug cannot spin here forever.
  for (int budget = 100000; !loopback_.empty() && budget > 0; --budget) {
    std::vector<std::byte> p = std::move(loopback_.front());
    loopback_.pop_front();
    c_.ip_loopback++;
    Ip4Input_l(p, true);
  }
}

uint16_t NetStack::EphemeralPort_l(uint8_t proto, Ip4 local_ip, Endpoint remote) {
  constexpr uint32_t kLo = 32768, kHi = 60999;  // Linux's ip_local_port_range
  uint32_t n = kHi - kLo + 1;
  uint32_t start = static_cast<uint32_t>(NextRandom() % n);
  Ip4 local = local_ip != 0 ? local_ip : (remote.ip != 0 ? SourceFor(remote.ip) : cfg_.addr);
  for (int pass = port_filter_ ? 0 : 1; pass < 2; ++pass) {
    for (uint32_t i = 0; i < n; ++i) {
      uint16_t port = static_cast<uint16_t>(kLo + (start + i) % n);
      bool free = proto == kProtoUdp ? !UdpPortInUse_l(0, port, nullptr)
                                     : TcpEphemeralFree_l(local_ip, port, remote);
      if (!free) continue;
      if (!port_filter_ || port_filter_(proto, local, port, remote, pass == 0)) return port;
    }
  }
  return 0;
}

void NetStack::SetPortFilter(PortFilter f) {
  StackEntry e(this);
  port_filter_ = std::move(f);
}

bool NetStack::ForkLock(uint64_t spins) const {
  for (uint64_t i = 0; i < spins; i++) {
    if (!lock_.test_and_set(std::memory_order_acquire)) return true;
    __builtin_ia32_pause();
  }
  return false;
}

void NetStack::ForkUnlock() const { lock_.clear(std::memory_order_release); }

void NetStack::DelegateIdleListeners() {
  StackEntry e(this);
  for (auto& [port, l] : tcp_listen_)
    if (!l->accepting) l->delegated = true;
}

void NetStack::ReplaceLink(NetLink* link) {
  StackEntry e(this);
  link_ = link;
}

bool NetStack::HasReceivers() const {
  StackEntry e(this);
  return !tcp_listen_.empty() || !udp_ports_.empty();
}

void NetStack::SetFlowShares(FlowShares* f) {
  StackEntry e(this);
  flow_shares_ = f;
}

void NetStack::ShareForFork() {
  shared_in_fork_.clear();
  if (!flow_shares_) return;
  std::vector<std::shared_ptr<TcpConn>> stale;
  for (auto& [key, c] : tcp_conns_) {
    if (c->orphan || c->passive || !c->Synchronized() || IsLocal(c->remote.ip)) continue;
    uint32_t gen = c->share_gen;
    if (flow_shares_->Share(c->local, c->remote, &gen)) {
      shared_in_fork_.emplace_back(c, c->owned);
      c->share_gen = gen;
      c->undecided = true;
      c->owned = false;
    } else if (c->undecided) {
      stale.push_back(c);  // another process claimed it meanwhile
    }
  }
  for (auto& c : stale) ForgetShared_l(c.get());
}

void NetStack::UnshareAfterFailedFork() {
  StackEntry e(this);
  for (auto& [w, was_owned] : shared_in_fork_) {
    std::shared_ptr<TcpConn> c = w.lock();
    if (!c || !c->undecided || !c->registered) continue;
    // Ours again if it was; else one holder fewer (the child never was).
    bool ours = was_owned ? flow_shares_->Claim(c->local, c->remote, c->share_gen)
                          : flow_shares_->Release(c->local, c->remote, c->share_gen);
    if (ours) {
      c->undecided = false;
      c->owned = true;
    }
  }
  shared_in_fork_.clear();
}

void NetStack::NotifyShared() {
  StackEntry e(this);
  for (auto& [key, c] : tcp_conns_)
    if (c->undecided) c->Wake();
}

void NetStack::ReleaseSharedAtExit() {
  StackEntry e(this);
  if (!flow_shares_) return;
  std::vector<std::shared_ptr<TcpConn>> conns;
  for (auto& [key, c] : tcp_conns_)
    if (c->undecided) conns.push_back(c);
  for (auto& c : conns) {
    if (!flow_shares_->Release(c->local, c->remote, c->share_gen)) continue;
    c->undecided = false;
    c->owned = true;
    if (c->fin_queued) continue;
    c->fin_queued = true;
    if (c->state == TcpState::kEstablished) c->state = TcpState::kFinWait1;
    else if (c->state == TcpState::kCloseWait) c->state = TcpState::kLastAck;
    c->Output();
  }
}

void NetStack::ParkOrDrop_l(Endpoint local, Endpoint remote, std::span<const std::byte> seg) {
  if (flow_shares_->Park(local, remote, seg)) c_.tcp_parked++;
  else c_.tcp_undecided_drops++;
}

void NetStack::TakeParked_l(TcpConn* c) {
  Endpoint local = c->local, remote = c->remote;
  // A segment may end the connection (a reset): take the rest anyway, so
  // none waits there; TcpInput_l finds no connection for them then.
  flow_shares_->TakeParked(local, remote, [&](std::span<const std::byte> seg) {
    TcpInput_l(remote.ip, local.ip, seg);
  });
}

bool NetStack::DecideShared_l(TcpConn* c) {
  if (!c->undecided) return true;
  if (flow_shares_ && flow_shares_->Claim(c->local, c->remote, c->share_gen)) {
    // Its timers kept their deadlines: what fell due meanwhile runs now.
    c->undecided = false;
    c->owned = true;
    c->parked_at = now_ + TcpConn::kParkedPollNs;
    c->parked_until = now_ + TcpConn::kParkedWatchNs;
    // TIME-WAIT connections are not scanned: their queue must hold it.
    if (c->state == TcpState::kTimeWait && c->registered)
      tw_queue_.insert({c->parked_at, c->local, c->remote});
    TakeParked_l(c);
    return true;
  }
  ForgetShared_l(c);
  return false;
}

void NetStack::ForgetShared_l(TcpConn* c) {
  // Another process serves it: leave without a packet, and without the
  // bytes both copies hold (they are the owner's to read).
  c->undecided = c->owned = false;
  sock_mem_ -= c->rcvq.size();
  c->rcvq.clear();
  c->error = c->orphan ? 0 : ECONNRESET;
  c->Wake();
  c->CloseDone();
}

void NetStack::BecomeForkedCopy(NetLink* link) {
  StackEntry e(this);
  link_ = link;
  loopback_.clear();
  std::vector<std::shared_ptr<TcpConn>> conns;
  for (auto& [key, c] : tcp_conns_)
    if (!c->undecided) conns.push_back(c);  // the undecided are both processes'
  for (auto& c : conns) {
    c->owned = false;  // a claim of the parent's, not ours to withdraw
    c->error = ECONNRESET;
    c->Wake();
    c->CloseDone();  // no RST: the parent's copy of the connection lives on
  }
  for (auto& [port, l] : tcp_listen_) {
    l->accept_q.clear();
    l->syn_q = 0;
    l->accepting = l->delegated = false;  // this process has not accepted yet
  }
}

}  // namespace junction::net
