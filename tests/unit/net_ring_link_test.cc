// The LibOS's link over the packet rings (net/ring_link.h) with the real
// stack on each end and the daemon's switch in between, in one process:
// two containers talk ARP, UDP and TCP through their rings, switched in
// memory, as they will under `junction daemon`.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "net/daemon_queue.h"
#include "net/packet_switch.h"
#include "net/ring_link.h"
#include "net/stack/stack.h"
#include "net/stack/tcp.h"
#include "net/stack/udp.h"
#include "sched/shm_region.h"

namespace junction::net {
namespace {

constexpr Ip4 kA = 0x0a630002, kB = 0x0a630003;

MacAddr ToMacAddr(const Mac& m) {
  MacAddr a;
  std::memcpy(a.b.data(), m.data(), 6);
  return a;
}

struct Box {
  std::optional<sched::ShmRegion> region;
  std::unique_ptr<RingLink> link;
  std::unique_ptr<NetStack> stack;
  int doorbells = 0;
  Box(Ip4 ip, uint32_t slots, uint64_t* clock) {
    std::string why;
    region = sched::ShmRegion::Create(slots, ip, &why);
    REQUIRE_MESSAGE(region, why);
    link = std::make_unique<RingLink>(region->queues(0), slots, ToMacAddr(ContainerMac(ip)), 1500,
                                      [](void* ctx) { static_cast<Box*>(ctx)->doorbells++; }, this,
                                      nullptr);
    link->AttachAll();
    StackConfig cfg;
    cfg.addr = ip;
    cfg.prefix = 24;
    cfg.clock = [clock] { return *clock; };
    cfg.seed = ip;
    stack = std::make_unique<NetStack>(link.get(), cfg);
  }
};

struct Rig {
  uint64_t now = 1'000'000'000;
  PacketSwitch sw{nullptr};
  Box a{kA, 2, &now}, b{kB, 1, &now};
  Rig() {
    REQUIRE(sw.AddContainer(1, a.region->queues(0), 2, false, kA, ContainerMac(kA)));
    REQUIRE(sw.AddContainer(2, b.region->queues(0), 1, false, kB, ContainerMac(kB)));
  }
  // One round of the daemon and of each container's kthread 0 (stealing
  // from the others), 10 us of simulated time.
  void Step() {
    sw.Poll(now);
    a.link->PollRx(0, a.stack.get(), 64, true);
    b.link->PollRx(0, b.stack.get(), 64, true);
    now += 10'000;
    a.stack->Poll();
    b.stack->Poll();
  }
  template <typename F>
  bool RunUntil(F done, int max_steps = 200'000) {
    for (int i = 0; i < max_steps; i++) {
      if (done()) return true;
      Step();
    }
    return done();
  }
};

std::span<const std::byte> AsBytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST_CASE("net ring link: UDP between two containers through their rings and the switch") {
  Rig rig;
  auto server = rig.b.stack->NewUdpSocket();
  REQUIRE(server->Bind({0, 7}).ok());
  auto client = rig.a.stack->NewUdpSocket();
  Endpoint to{kB, 7};
  REQUIRE(client->SendTo(AsBytes("hello"), &to).ok());  // queued behind ARP
  REQUIRE(rig.RunUntil([&] { return server->NextSize() > 0; }));
  std::byte buf[64];
  Endpoint from;
  auto n = server->RecvFrom(buf, 0, &from, nullptr);
  REQUIRE(n.ok());
  CHECK(*n == 5);
  CHECK(from.ip == kA);
  CHECK(std::memcmp(buf, "hello", 5) == 0);
  // The switch answered A's ARP for B and counted the datagram both ways.
  CHECK(rig.sw.nic_counters().arp_answered >= 1);
  CHECK(rig.sw.counters(1)->tx_packets >= 2);  // ARP request + datagram
  CHECK(rig.sw.counters(2)->rx_packets >= 1);
  CHECK(rig.sw.counters(1)->total_drops() == 0);
  CHECK(rig.sw.counters(2)->total_drops() == 0);
}

TEST_CASE("net ring link: a TCP transfer of 4 MiB arrives intact") {
  Rig rig;
  auto listener = rig.b.stack->NewTcpSocket();
  REQUIRE(listener->Bind({0, 80}).ok());
  REQUIRE(listener->Listen(8).ok());
  auto client = rig.a.stack->NewTcpSocket();
  REQUIRE(client->Connect({kB, 80}).error() == EINPROGRESS);
  REQUIRE(rig.RunUntil([&] { return (listener->Events() & kEvIn) != 0; }));
  Endpoint peer;
  auto acc = listener->Accept(&peer);
  REQUIRE(acc.ok());
  auto server = *acc;
  REQUIRE(rig.RunUntil([&] { return client->state() == TcpState::kEstablished; }));

  std::vector<std::byte> data(4 << 20);
  std::mt19937 r(3);
  for (auto& x : data) x = std::byte(r());
  std::vector<std::byte> got;
  size_t sent = 0;
  std::vector<std::byte> buf(64 << 10);
  REQUIRE(rig.RunUntil([&] {
    if (sent < data.size()) {
      auto n = client->Send(std::span(data).subspan(sent));
      if (n.ok()) sent += *n;
    }
    for (;;) {
      auto n = server->Recv(buf, 0);
      if (!n.ok() || *n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(*n));
    }
    return got.size() == data.size();
  }, 2'000'000));
  CHECK(got == data);
  CHECK(rig.a.link->tx_dropped() == 0);
  CHECK(rig.sw.counters(1)->total_drops() == 0);
  CHECK(rig.sw.counters(2)->total_drops() == 0);
}

TEST_CASE("net ring link: frames steered to a kthread that does not run are drained by another") {
  Rig rig;
  // B polls only with stealing; A's kthread 1 never runs: Step() polls
  // kthread 0, which steals kthread 1's frames.
  auto server = rig.a.stack->NewUdpSocket();
  REQUIRE(server->Bind({0, 9}).ok());
  auto client = rig.b.stack->NewUdpSocket();
  for (uint16_t port = 2000; port < 2032; port++) {
    auto c = rig.b.stack->NewUdpSocket();
    REQUIRE(c->Bind({0, port}).ok());
    Endpoint to{kA, 9};
    REQUIRE(c->SendTo(AsBytes("x"), &to).ok());
    REQUIRE(rig.RunUntil([&] { return server->NextSize() > 0; }));
    std::byte buf[8];
    REQUIRE(server->RecvFrom(buf, 0, nullptr, nullptr).ok());
  }
  CHECK(rig.sw.counters(1)->rx_packets >= 32);
}

TEST_CASE("net ring link: a sleeping daemon gets a doorbell when a frame is queued") {
  Rig rig;
  REQUIRE(rig.sw.PrepareSleep());
  auto c = rig.a.stack->NewUdpSocket();
  Endpoint to{kB, 7};
  REQUIRE(c->SendTo(AsBytes("x"), &to).ok());  // an ARP request goes out first
  CHECK(rig.a.doorbells >= 1);
  rig.sw.Awake();
}

TEST_CASE("net ring link: a burst of segments to a sleeping daemon rings the doorbell at its first frame and its end") {
  Rig rig;
  auto listener = rig.b.stack->NewTcpSocket();
  REQUIRE(listener->Bind({0, 80}).ok());
  REQUIRE(listener->Listen(8).ok());
  auto client = rig.a.stack->NewTcpSocket();
  REQUIRE(client->Connect({kB, 80}).error() == EINPROGRESS);
  REQUIRE(rig.RunUntil([&] { return client->state() == TcpState::kEstablished; }));
  // The daemon goes to sleep once the handshake's last frames are switched.
  REQUIRE(rig.RunUntil([&] {
    if (rig.sw.PrepareSleep()) return true;
    rig.sw.Awake();
    return false;
  }));
  rig.a.doorbells = 0;
  uint64_t frames = rig.a.stack->counters().tx_frames;
  std::vector<std::byte> data(8 * 1448, std::byte{7});
  REQUIRE(client->Send(data).ok());  // one stack entry, several segments
  CHECK(rig.a.stack->counters().tx_frames >= frames + 8);
  CHECK(rig.a.doorbells == 2);  // not per frame
  rig.sw.Awake();
}

TEST_CASE("net ring link: an abandoned link (a forked child's copy) leaves the rings alone") {
  Rig rig;
  auto server = rig.b.stack->NewUdpSocket();
  REQUIRE(server->Bind({0, 7}).ok());
  auto client = rig.a.stack->NewUdpSocket();
  Endpoint to{kB, 7};
  REQUIRE(client->SendTo(AsBytes("one"), &to).ok());
  REQUIRE(rig.RunUntil([&] { return server->NextSize() > 0; }));
  uint64_t taken = rig.sw.counters(1)->tx_packets;
  rig.a.link->Abandon();
  REQUIRE(client->SendTo(AsBytes("two"), &to).ok());  // the stack queues it; the link refuses
  for (int i = 0; i < 100; i++) rig.Step();
  CHECK(rig.sw.counters(1)->tx_packets == taken);
  CHECK(rig.a.link->PollRx(0, rig.a.stack.get(), 64, true) == 0);
  CHECK_FALSE(rig.a.link->RxPending());
  // The rings still look attached to the daemon (the parent polls them).
  CHECK(DaemonQueue(rig.a.region->queues(0), true).attached());
}

TEST_CASE("net ring link: a sleeping daemon is woken by a burst's first frame and again while it fills the ring") {
  uint64_t now = 1'000'000'000;
  Box a{kA, 1, &now};
  a.link->Flush();  // whatever the stack sent when it started
  int base = a.doorbells;
  a.region->queues(0)->daemon_wants_kick.store(1);  // the daemon sleeps
  std::vector<std::byte> frame(64);
  REQUIRE(a.link->Transmit(frame));
  CHECK(a.doorbells == base + 1);  // before the entry ends (Flush)
  for (uint32_t i = 1; i < kRingEntries / 2; i++) REQUIRE(a.link->Transmit(frame));
  CHECK(a.doorbells == base + 1);  // not per frame
  REQUIRE(a.link->Transmit(frame));  // half the ring: asleep still, rung again
  CHECK(a.doorbells == base + 2);
  a.link->Flush();  // no frame since that check
  CHECK(a.doorbells == base + 2);
  REQUIRE(a.link->Transmit(frame));  // a new burst's first
  CHECK(a.doorbells == base + 3);
  REQUIRE(a.link->Transmit(frame));
  a.link->Flush();  // after its second
  CHECK(a.doorbells == base + 4);
  a.link->Flush();  // nothing sent since
  CHECK(a.doorbells == base + 4);
}

}  // namespace
}  // namespace junction::net
