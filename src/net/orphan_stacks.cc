#include "net/orphan_stacks.h"

#include "net/packet_queues.h"

#include <sys/random.h>

#include <cstring>
#include <limits>

namespace junction::net {

namespace {

// Per address, as a container's own stack: its connections and the bytes
// they hold (beyond either, a handed-over connection is reset instead).
constexpr size_t kMaxConnsPerAddress = 4096;
constexpr size_t kMaxBytesPerAddress = 64u << 20;

}  // namespace

// The stacks' link: every frame goes straight to the switch.
class OrphanStacks::Link : public NetLink {
 public:
  Link(const Mac& mac, uint16_t mtu, OrphanStacks* owner) : mtu_(mtu), owner_(owner) {
    std::memcpy(mac_.b.data(), mac.data(), 6);
  }
  MacAddr mac() const override { return mac_; }
  uint16_t mtu() const override { return mtu_; }
  bool Transmit(std::span<const std::byte> frame) override {
    auto* p = reinterpret_cast<const uint8_t*>(frame.data());
    owner_->pending_.emplace_back(p, p + frame.size());
    return true;
  }

 private:
  MacAddr mac_;
  uint16_t mtu_;
  OrphanStacks* owner_;
};

OrphanStacks::OrphanStacks(RouteFn route, std::function<uint64_t()> clock)
    : route_(std::move(route)), clock_(std::move(clock)) {}

OrphanStacks::~OrphanStacks() = default;

int OrphanStacks::Adopt(uint32_t ip, const Mac& mac, std::span<const std::byte> records) {
  auto it = stacks_.find(ip);
  if (it == stacks_.end()) {
    StackConfig cfg;
    uint16_t mtu = 0;
    if (!NetStack::HandOverOrigin(records, &cfg, &mtu) || cfg.addr != ip) return -1;
    cfg.clock = clock_;
    cfg.max_tcp_conns = kMaxConnsPerAddress;
    cfg.max_socket_mem = kMaxBytesPerAddress;
    uint64_t key[3] = {};
    if (getrandom(key, sizeof key, 0) != sizeof key) key[0] = clock_();
    cfg.seed = key[0];
    cfg.syncookie_key = {key[1], key[2]};
    Entry e;
    e.link = std::make_unique<Link>(mac, std::min<uint16_t>(mtu, kBufferBytes - 14), this);
    e.stack = std::make_unique<NetStack>(e.link.get(), std::move(cfg));
    it = stacks_.emplace(ip, std::move(e)).first;
  }
  int n = it->second.stack->AdoptHandedOver(records);
  Drain();
  return n;
}

void OrphanStacks::Drain() {
  if (draining_) return;  // the outer Drain takes what this call added
  draining_ = true;
  for (size_t i = 0; i < pending_.size(); i++) {
    std::vector<uint8_t> f = std::move(pending_[i]);
    route_(f);
  }
  pending_.clear();
  draining_ = false;
}

void OrphanStacks::AddressTaken(uint32_t ip) {
  auto it = stacks_.find(ip);
  if (it != stacks_.end()) it->second.stack->ForgetTimeWait();
}

bool OrphanStacks::Take(const ParsedFrame& f, std::span<const uint8_t> frame, bool owner_gone) {
  if (stacks_.empty()) return false;
  uint32_t ip = f.arp ? f.arp_target_ip : f.ip_dst;
  auto it = stacks_.find(ip);
  if (it == stacks_.end()) return false;
  NetStack* s = it->second.stack.get();
  // Only ARP and TCP: the address is gone but for its TCP connections (it
  // answers no ping, and UDP finds no port).
  if (!f.arp && !(f.ipv4 && f.ip_proto == kIpProtoTcp)) return false;
  if (!owner_gone) {
    // Only the segments of its connections (a fragment has no ports: the
    // container's).
    if (!f.ipv4 || f.ip_proto != kIpProtoTcp || f.port_dst == 0) return false;
    if (!s->HasTcpConnection(Endpoint{f.ip_dst, f.port_dst}, Endpoint{f.ip_src, f.port_src}))
      return false;
  }
  s->Input(std::span<const std::byte>(reinterpret_cast<const std::byte*>(frame.data()), frame.size()));
  Drain();
  return true;
}

int OrphanStacks::Poll(uint64_t now_ns) {
  int n = 0;
  for (auto& [ip, e] : stacks_) {
    if (now_ns < e.stack->NextTimerNs()) continue;
    e.stack->Poll();
    n++;
  }
  Drain();
  std::erase_if(stacks_, [](const auto& kv) { return kv.second.stack->tcp_connections() == 0; });
  return n;
}

uint64_t OrphanStacks::NextTimerNs() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  for (const auto& [ip, e] : stacks_) next = std::min(next, e.stack->NextTimerNs());
  return next;
}

size_t OrphanStacks::connections() const {
  size_t n = 0;
  for (const auto& [ip, e] : stacks_) n += e.stack->tcp_connections();
  return n;
}

}  // namespace junction::net
