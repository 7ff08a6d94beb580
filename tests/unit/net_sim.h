// A simulated Ethernet segment for the network stack's unit tests: stacks
// attach through SimLink, frames reach every other port after a delay, and
// the wire can lose, duplicate, reorder or corrupt them, driven by a seeded
// generator so every run is the same. Time is simulated: Run() jumps the
// clock to the next frame or stack timer, so no test depends on real time.
// Also the tests' shared steps: two stacks on one wire (TwoStacks), the
// TCP header of a frame (for a test's targeted loss), a listener, a
// connected pair, a pattern to send, and a transfer driven like a
// program's loop.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "net/link.h"
#include "net/stack/stack.h"
#include "net/stack/tcp.h"

namespace junction::net::test {

struct WireFaults {
  double loss = 0, dup = 0, reorder = 0, corrupt = 0;
};

class SimWire;

class SimLink : public NetLink {
 public:
  SimLink(SimWire* w, int port, MacAddr mac, uint16_t mtu) : w_(w), port_(port), mac_(mac), mtu_(mtu) {}
  MacAddr mac() const override { return mac_; }
  uint16_t mtu() const override { return mtu_; }
  bool Transmit(std::span<const std::byte> frame) override;
  std::vector<std::vector<std::byte>> sent;  // every frame this port sent (for inspection)
  bool full = false;                         // simulate a full ring

 private:
  SimWire* w_;
  int port_;
  MacAddr mac_;
  uint16_t mtu_;
};

class SimWire {
 public:
  explicit SimWire(uint64_t seed = 1) : rng_(seed) {}
  uint64_t now = 1'000'000'000;
  uint64_t delay = 50'000;  // one-way, ns
  WireFaults faults;
  // Drops the frames it returns true for (a test's targeted loss).
  std::function<bool(int from, std::span<const std::byte> frame)> drop;
  // Rewrites a frame before it travels (a test playing a peer's quirks).
  std::function<void(int from, std::vector<std::byte>& frame)> edit;

  // Adds a stack at `ip`/`prefix`.
  NetStack* Add(Ip4 ip, int prefix = 24, Ip4 gateway = 0, uint16_t mtu = 1500,
                StackConfig base = {}) {
    int port = static_cast<int>(links_.size());
    MacAddr mac{{0x02, 0, 0, 0, 0, static_cast<uint8_t>(port + 1)}};
    links_.push_back(std::make_unique<SimLink>(this, port, mac, mtu));
    base.addr = ip;
    base.prefix = prefix;
    base.gateway = gateway;
    base.clock = [this] { return now; };
    base.seed = static_cast<uint64_t>(port) + 7;
    stacks_.push_back(std::make_unique<NetStack>(links_.back().get(), base));
    return stacks_.back().get();
  }
  SimLink* link(int i) { return links_[static_cast<size_t>(i)].get(); }
  // Frames a test injects as if from the wire.
  void Inject(int port, std::vector<std::byte> f) { stacks_[static_cast<size_t>(port)]->Input(f); }

  void Send(int from, std::span<const std::byte> frame) {
    std::uniform_real_distribution<double> u(0, 1);
    if (drop && drop(from, frame)) { lost++; return; }
    if (u(rng_) < faults.loss) { lost++; return; }
    int copies = u(rng_) < faults.dup ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      std::vector<std::byte> f(frame.begin(), frame.end());
      if (edit) edit(from, f);
      if (u(rng_) < faults.corrupt && f.size() > 14) {
        f[14 + rng_() % (f.size() - 14)] ^= std::byte{0x5a};
      }
      uint64_t t = now + delay + (u(rng_) < faults.reorder ? delay * (1 + rng_() % 4) : 0);
      for (size_t p = 0; p < stacks_.size(); ++p)
        if (static_cast<int>(p) != from) q_.emplace(std::make_pair(t, seq_++), Pending{static_cast<int>(p), f});
    }
  }

  // Delivers frames and runs timers until `done` holds or `limit_ns` of
  // simulated time passes. Returns whether `done` held.
  bool Run(const std::function<bool()>& done, uint64_t limit_ns = 60'000'000'000) {
    uint64_t end = now + limit_ns;
    while (!done()) {
      uint64_t next = end;
      if (!q_.empty()) next = std::min(next, q_.begin()->first.first);
      for (auto& s : stacks_) next = std::min(next, s->NextTimerNs());
      if (next >= end) { now = end; return done(); }
      if (next > now) now = next;
      while (!q_.empty() && q_.begin()->first.first <= now) {
        Pending p = std::move(q_.begin()->second);
        q_.erase(q_.begin());
        stacks_[static_cast<size_t>(p.port)]->Input(p.frame);
      }
      for (auto& s : stacks_) s->Poll();
    }
    return true;
  }
  void RunFor(uint64_t ns) { Run([] { return false; }, ns); }

  uint64_t lost = 0;

 private:
  struct Pending {
    int port;
    std::vector<std::byte> frame;
  };
  std::mt19937_64 rng_;
  uint64_t seq_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, Pending> q_;
  std::vector<std::unique_ptr<SimLink>> links_;
  std::vector<std::unique_ptr<NetStack>> stacks_;
};

inline bool SimLink::Transmit(std::span<const std::byte> frame) {
  if (full) return false;
  sent.emplace_back(frame.begin(), frame.end());
  w_->Send(port_, frame);
  return true;
}

// An Ethernet+IPv4 frame (no IP options) carrying `l4`, as a test injects it.
inline std::vector<std::byte> Ip4Frame(Ip4 src, Ip4 dst, MacAddr src_mac, MacAddr dst_mac,
                                       uint8_t proto, std::span<const std::byte> l4) {
  std::vector<std::byte> f(kEthHeaderLen + kIp4HeaderLen + l4.size());
  std::memcpy(&f[0], dst_mac.b.data(), 6);
  std::memcpy(&f[6], src_mac.b.data(), 6);
  Store16(&f[12], kEthTypeIp4);
  std::byte* ip = &f[kEthHeaderLen];
  ip[0] = std::byte{0x45};
  Store16(ip + 2, static_cast<uint16_t>(kIp4HeaderLen + l4.size()));
  ip[8] = std::byte{64};
  ip[9] = std::byte{proto};
  Store32(ip + 12, src);
  Store32(ip + 16, dst);
  Store16(ip + 10, Checksum(std::span<const std::byte>(ip, kIp4HeaderLen)));
  if (!l4.empty()) std::memcpy(ip + kIp4HeaderLen, l4.data(), l4.size());
  return f;
}

// The TCP header of an Ethernet+IPv4 frame, or null if it carries no
// (complete) TCP header.
inline const std::byte* TcpHeaderIn(std::span<const std::byte> f) {
  if (f.size() < kEthHeaderLen + kIp4HeaderLen + kTcpHeaderLen || Load16(&f[12]) != kEthTypeIp4 ||
      f[kEthHeaderLen + 9] != std::byte{kProtoTcp})
    return nullptr;
  size_t ihl = (std::to_integer<size_t>(f[kEthHeaderLen]) & 0xf) * 4;
  if (f.size() < kEthHeaderLen + ihl + kTcpHeaderLen) return nullptr;
  return &f[kEthHeaderLen + ihl];
}
// The same, writable (for a wire's `edit`).
inline std::byte* TcpHeaderIn(std::vector<std::byte>& f) {
  return const_cast<std::byte*>(TcpHeaderIn(std::span<const std::byte>(f)));
}

// TCP payload bytes of an Ethernet+IPv4 frame, or -1 if it is not TCP.
inline long TcpPayloadLen(std::span<const std::byte> f) {
  const std::byte* t = TcpHeaderIn(f);
  if (!t) return -1;
  size_t ihl = static_cast<size_t>(t - &f[kEthHeaderLen]);
  size_t doff = (std::to_integer<size_t>(t[12]) >> 4) * 4;
  return static_cast<long>(Load16(&f[kEthHeaderLen + 2])) - static_cast<long>(ihl + doff);
}

inline std::span<const std::byte> Bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline constexpr uint64_t kSimSec = 1'000'000'000;

// `n` pseudo-random bytes from `seed` (what a transfer must deliver).
inline std::vector<std::byte> Pattern(size_t n, uint32_t seed) {
  std::vector<std::byte> v(n);
  std::mt19937 r(seed);
  for (auto& b : v) b = std::byte(r());
  return v;
}

// The addresses TwoStacks gives its stacks; a /24 between them.
inline constexpr Ip4 kIpA = MakeIp4(10, 99, 0, 2), kIpB = MakeIp4(10, 99, 0, 3);

// Two stacks on one wire: `a` at kIpA (port 0), `b` at kIpB (port 1). A
// test's fixture, or built in a loop with the wire's seed.
struct TwoStacks {
  explicit TwoStacks(uint64_t seed = 1) : w(seed) {}
  SimWire w;
  NetStack* a = w.Add(kIpA);
  NetStack* b = w.Add(kIpB);
};
// The same with wire seed `kSeed` (for TEST_CASE_FIXTURE).
template <uint64_t kSeed>
struct TwoStacksSeeded : TwoStacks {
  TwoStacksSeeded() : TwoStacks(kSeed) {}
};

// Makes `from` resolve `to`'s MAC (a datagram to its discard port), so
// that what follows is not held back by ARP.
inline void ResolveArp(SimWire& w, NetStack* from, Ip4 to) {
  auto u = from->NewUdpSocket();
  Endpoint discard{to, 9};
  REQUIRE(u->SendTo(Bytes("x"), &discard).ok());
  w.RunFor(kSimSec / 10);
}

// A TCP socket on `s` listening on `port`; `rcvbuf` (if not 0) set first,
// so that the connections it accepts inherit it.
inline std::shared_ptr<TcpSocket> Listener(NetStack* s, uint16_t port, int backlog,
                                           size_t rcvbuf = 0) {
  auto l = s->NewTcpSocket();
  if (rcvbuf) l->set_rcvbuf(rcvbuf);
  REQUIRE(l->Bind({0, port}).ok());
  REQUIRE(l->Listen(backlog).ok());
  return l;
}

struct TcpPair {
  std::shared_ptr<TcpSocket> client, server, listener;
};

// Connects a client on `a` to a listener on `b` at `port` (whose
// connections get receive buffer `rcvbuf`, if not 0).
inline TcpPair Connect(SimWire& w, NetStack* a, NetStack* b, uint16_t port = 80,
                       int backlog = 16, size_t rcvbuf = 0) {
  TcpPair p;
  p.listener = Listener(b, port, backlog, rcvbuf);
  p.client = a->NewTcpSocket();
  REQUIRE(p.client->Connect({b->addr(), port}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (p.listener->Events() & kEvIn) != 0; }));
  Endpoint peer;
  auto acc = p.listener->Accept(&peer);
  REQUIRE(acc.ok());
  p.server = *acc;
  CHECK(peer.ip == a->addr());
  REQUIRE(w.Run([&] { return p.client->state() == TcpState::kEstablished; }));
  CHECK(p.client->TakeError() == 0);
  return p;
}

// Moves `data` from `tx` to `rx` the way a program's loop does (send what
// fits, read what came) until all arrived or 600 s of simulated time ran out;
// returns what arrived.
inline std::vector<std::byte> Transfer(SimWire& w, TcpSocket& tx, TcpSocket& rx,
                                       const std::vector<std::byte>& data) {
  std::vector<std::byte> got, buf(65536);
  size_t off = 0;
  uint64_t end = w.now + 600 * kSimSec;
  while (got.size() < data.size() && w.now < end) {
    if (off < data.size()) {
      auto n = tx.Send(std::span(data).subspan(off));
      if (n.ok()) off += *n;
      else REQUIRE(n.error() == EAGAIN);
    }
    for (;;) {
      auto n = rx.Recv(buf, 0);
      if (!n.ok() || *n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
    }
    w.Run([&] { return rx.Readable() > 0 || (off < data.size() && (tx.Events() & kEvOut)); },
          std::min<uint64_t>(end - w.now, 5 * kSimSec));
  }
  return got;
}

}  // namespace junction::net::test
