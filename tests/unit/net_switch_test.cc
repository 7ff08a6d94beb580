// The daemon's switch (net/packet_switch.h) with containers' rings in a
// real region and an in-memory NIC: ARP answers, steering by address and
// flow, container-to-container switching, broadcast, source checks,
// back-pressure and the counters `junction ps` shows.
#include <doctest/doctest.h>

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "net/container_queue.h"
#include "net/flow_hash.h"
#include "net/packet_switch.h"
#include "sched/shm_region.h"

namespace junction::net {
namespace {

constexpr uint32_t kIpA = 0x0a630002;     // 10.99.0.2
constexpr uint32_t kIpB = 0x0a630003;     // 10.99.0.3
constexpr uint32_t kIpHost = 0x0a630001;  // 10.99.0.1
const Mac kHostMac = {0x52, 0x54, 0, 0, 0, 1};
const Mac kNicMac = {0x52, 0x54, 0, 0, 0, 0xee};

class FakeNic : public NicPort {
 public:
  Mac mac() const override { return kNicMac; }
  int Receive(FrameFn fn, void* ctx, int max) override {
    int n = 0;
    while (!in.empty() && n < max) {
      std::vector<uint8_t> f = std::move(in.front());
      in.pop_front();
      fn(ctx, f);
      n++;
    }
    return n;
  }
  bool Send(std::span<const uint8_t> f) override {
    if (full) return false;
    out.emplace_back(f.begin(), f.end());
    return true;
  }
  void Flush() override {}
  std::deque<std::vector<uint8_t>> in;
  std::vector<std::vector<uint8_t>> out;
  bool full = false;
};

void Put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
  f[at] = static_cast<uint8_t>(v >> 8);
  f[at + 1] = static_cast<uint8_t>(v);
}
void Put32(std::vector<uint8_t>& f, size_t at, uint32_t v) {
  Put16(f, at, static_cast<uint16_t>(v >> 16));
  Put16(f, at + 2, static_cast<uint16_t>(v));
}

std::vector<uint8_t> Ether(const Mac& dst, const Mac& src, uint16_t type, size_t payload) {
  std::vector<uint8_t> f(14 + payload);
  std::memcpy(f.data(), dst.data(), 6);
  std::memcpy(f.data() + 6, src.data(), 6);
  Put16(f, 12, type);
  return f;
}

std::vector<uint8_t> ArpRequest(const Mac& from_mac, uint32_t from_ip, uint32_t target_ip) {
  std::vector<uint8_t> f = Ether(kBroadcastMac, from_mac, kEtherTypeArp, 28);
  Put16(f, 14, 1);
  Put16(f, 16, kEtherTypeIpv4);
  f[18] = 6, f[19] = 4;
  Put16(f, 20, 1);
  std::memcpy(f.data() + 22, from_mac.data(), 6);
  Put32(f, 28, from_ip);
  Put32(f, 38, target_ip);
  return f;
}

std::vector<uint8_t> Udp(const Mac& dst, const Mac& src, uint32_t sip, uint32_t dip, uint16_t sport,
                         uint16_t dport, size_t data = 8) {
  std::vector<uint8_t> f = Ether(dst, src, kEtherTypeIpv4, 28 + data);
  f[14] = 0x45;
  Put16(f, 16, static_cast<uint16_t>(28 + data));
  f[22] = 64;
  f[23] = kIpProtoUdp;
  Put32(f, 26, sip);
  Put32(f, 30, dip);
  Put16(f, 34, sport);
  Put16(f, 36, dport);
  Put16(f, 38, static_cast<uint16_t>(8 + data));
  return f;
}

std::vector<uint8_t> Tcp(const Mac& dst, const Mac& src, uint32_t sip, uint32_t dip, uint16_t sport,
                         uint16_t dport, uint8_t flags) {
  std::vector<uint8_t> f = Ether(dst, src, kEtherTypeIpv4, 40);
  f[14] = 0x45;
  Put16(f, 16, 40);
  f[22] = 64;
  f[23] = kIpProtoTcp;
  Put32(f, 26, sip);
  Put32(f, 30, dip);
  Put16(f, 34, sport);
  Put16(f, 36, dport);
  f[46] = 0x50;
  f[47] = flags;
  return f;
}

struct Container {
  std::optional<sched::ShmRegion> region;
  std::vector<std::unique_ptr<ContainerQueue>> queues;
  uint32_t ip;
  Mac mac;
  PacketQueues* rings() const {
    return reinterpret_cast<PacketQueues*>(reinterpret_cast<uint8_t*>(region->header()) +
                                           sched::RingOffset(region->slots()));
  }
  Container(uint32_t ip_, uint32_t slots, uint32_t attach) : ip(ip_), mac(ContainerMac(ip_)) {
    std::string why;
    region = sched::ShmRegion::Create(slots, ip_, &why);
    REQUIRE_MESSAGE(region, why);
    for (uint32_t i = 0; i < slots; i++) {
      queues.push_back(std::make_unique<ContainerQueue>());
      if (i < attach) queues.back()->Attach(rings() + i);
    }
  }
  // Frames received per kthread.
  std::vector<std::vector<std::vector<uint8_t>>> Drain() {
    std::vector<std::vector<std::vector<uint8_t>>> got(queues.size());
    for (size_t i = 0; i < queues.size(); i++)
      if (queues[i]->attached())
        queues[i]->PollRx([&](std::span<const uint8_t> f) { got[i].emplace_back(f.begin(), f.end()); },
                          1 << 20);
    return got;
  }
  size_t DrainCount() {
    size_t n = 0;
    for (auto& q : Drain()) n += q.size();
    return n;
  }
};

struct Rig {
  FakeNic nic;
  PacketSwitch sw{&nic};
  Container a{kIpA, 2, 2}, b{kIpB, 1, 1};
  Rig() {
    REQUIRE(sw.AddContainer(1, a.rings(), 2, false, a.ip, a.mac));
    REQUIRE(sw.AddContainer(2, b.rings(), 1, false, b.ip, b.mac));
  }
};

TEST_CASE("net switch: the daemon answers ARP for a container's address") {
  Rig rig;
  rig.nic.in.push_back(ArpRequest(kHostMac, kIpHost, kIpA));
  CHECK(rig.sw.Poll(1) == 1);
  REQUIRE(rig.nic.out.size() == 1);
  ParsedFrame f;
  REQUIRE(ParseFrame(rig.nic.out[0], &f));
  CHECK(f.arp);
  CHECK(f.arp_op == 2);
  CHECK(f.dst == kHostMac);
  CHECK(f.src == rig.a.mac);
  CHECK(f.arp_sender_mac == rig.a.mac);
  CHECK(f.arp_sender_ip == kIpA);
  CHECK(f.arp_target_ip == kIpHost);
  CHECK(rig.a.DrainCount() == 0);  // answered, not forwarded
  CHECK(rig.sw.nic_counters().arp_answered == 1);

  SUBCASE("and a container's ARP for another container, in memory") {
    REQUIRE(rig.b.queues[0]->Transmit(ArpRequest(rig.b.mac, kIpB, kIpA)));
    rig.sw.Poll(2);
    auto got = rig.b.Drain();
    REQUIRE(got[0].size() == 1);
    REQUIRE(ParseFrame(got[0][0], &f));
    CHECK((f.arp_op == 2 && f.arp_sender_ip == kIpA && f.arp_sender_mac == rig.a.mac));
    CHECK(rig.nic.out.size() == 1);  // nothing more on the wire
  }
  SUBCASE("an ARP request for another address goes out (and to the other containers)") {
    REQUIRE(rig.b.queues[0]->Transmit(ArpRequest(rig.b.mac, kIpB, kIpHost)));
    rig.sw.Poll(2);
    CHECK(rig.nic.out.size() == 2);
    CHECK(rig.a.DrainCount() == 1);
  }
}

TEST_CASE("net switch: IPv4 is steered by address, then by flow to one kthread") {
  Rig rig;
  // Many flows from the host to A: each lands on FlowQueue(FlowHash(...)).
  uint64_t bits = 3;  // both of A's kthreads attached
  std::vector<size_t> expect(2, 0);
  for (uint16_t port = 1000; port < 1064; port++) {
    rig.nic.in.push_back(Udp(rig.a.mac, kHostMac, kIpHost, kIpA, port, 53));
    expect[static_cast<size_t>(FlowQueue(FlowHash(kIpHost, kIpA, port, 53, kIpProtoUdp), 2, &bits))]++;
  }
  rig.sw.Poll(1);
  rig.sw.Poll(2);
  auto got = rig.a.Drain();
  CHECK(got[0].size() == expect[0]);
  CHECK(got[1].size() == expect[1]);
  CHECK(expect[0] > 0);
  CHECK(expect[1] > 0);
  CHECK(rig.b.DrainCount() == 0);
  const NetCounters* c = rig.sw.counters(1);
  REQUIRE(c);
  CHECK(c->rx_packets == 64);
  CHECK(c->rx_bytes == 64 * 50);

  SUBCASE("the reply direction hashes the same") {
    CHECK(FlowHash(kIpHost, kIpA, 1000, 53, kIpProtoUdp) == FlowHash(kIpA, kIpHost, 53, 1000, kIpProtoUdp));
  }
  SUBCASE("a frame for an unknown address or another MAC is not delivered") {
    rig.nic.in.push_back(Udp(rig.a.mac, kHostMac, kIpHost, 0x0a6300fe, 1, 2));
    rig.nic.in.push_back(Udp(kHostMac, kHostMac, kIpHost, kIpA, 1, 2));
    rig.sw.Poll(3);
    CHECK(rig.a.DrainCount() == 0);
    CHECK(rig.sw.nic_counters().not_for_us == 2);
  }
}

TEST_CASE("net switch: container to container in memory, never on the NIC") {
  Rig rig;
  for (int i = 0; i < 10; i++)
    REQUIRE(rig.a.queues[1]->Transmit(Udp(rig.b.mac, rig.a.mac, kIpA, kIpB, 4000, 5000, 100)));
  rig.sw.Poll(1);
  CHECK(rig.b.DrainCount() == 10);
  CHECK(rig.nic.out.empty());
  CHECK(rig.sw.counters(1)->tx_packets == 10);
  CHECK(rig.sw.counters(1)->tx_bytes == 10 * 142);
  CHECK(rig.sw.counters(2)->rx_packets == 10);
  // Replies the other way, and a frame for the world goes to the NIC.
  REQUIRE(rig.b.queues[0]->Transmit(Udp(rig.a.mac, rig.b.mac, kIpB, kIpA, 5000, 4000)));
  REQUIRE(rig.b.queues[0]->Transmit(Udp(kHostMac, rig.b.mac, kIpB, kIpHost, 5000, 80)));
  rig.sw.Poll(2);
  CHECK(rig.a.DrainCount() == 1);
  CHECK(rig.nic.out.size() == 1);
}

TEST_CASE("net switch: broadcast reaches every container but the sender, and the NIC") {
  Rig rig;
  REQUIRE(rig.a.queues[0]->Transmit(Udp(kBroadcastMac, rig.a.mac, kIpA, 0xffffffff, 68, 67)));
  rig.sw.Poll(1);
  CHECK(rig.b.DrainCount() == 1);
  CHECK(rig.a.DrainCount() == 0);
  CHECK(rig.nic.out.size() == 1);
  rig.nic.in.push_back(Udp(kBroadcastMac, kHostMac, kIpHost, 0x0a6300ff, 9, 9));
  rig.sw.Poll(2);
  CHECK(rig.a.DrainCount() == 1);
  CHECK(rig.b.DrainCount() == 1);
}

TEST_CASE("net switch: bad frames from a container are dropped and counted") {
  Rig rig;
  const Mac other = ContainerMac(0x0a630063);
  REQUIRE(rig.a.queues[0]->Transmit(Udp(rig.b.mac, other, kIpA, kIpB, 1, 2)));          // foreign MAC
  REQUIRE(rig.a.queues[0]->Transmit(Udp(rig.b.mac, rig.a.mac, 0x0a630063, kIpB, 1, 2)));  // foreign IP
  REQUIRE(rig.a.queues[0]->Transmit(ArpRequest(rig.a.mac, kIpB, kIpHost)));              // ARP as B
  std::vector<uint8_t> truncated = Udp(rig.b.mac, rig.a.mac, kIpA, kIpB, 1, 2);
  truncated.resize(30);  // the IPv4 header claims more than there is
  REQUIRE(rig.a.queues[0]->Transmit(truncated));
  rig.sw.Poll(1);
  CHECK(rig.b.DrainCount() == 0);
  CHECK(rig.nic.out.empty());
  const NetCounters* c = rig.sw.counters(1);
  CHECK(c->drops[static_cast<int>(Drop::kSpoofed)] == 3);
  CHECK(c->drops[static_cast<int>(Drop::kMalformed)] == 1);
  CHECK(c->total_drops() == 4);
}

TEST_CASE("net switch: an impossible tx index is one error, counted once, and no activity") {
  Rig rig;
  PacketQueues* q = rig.a.rings();
  uint32_t sane = q->comp_idx.consumer.load();
  q->comp_idx.consumer.store(sane + 5000);  // claims more completions than the ring holds
  REQUIRE(rig.a.queues[0]->Transmit(Udp(rig.b.mac, rig.a.mac, kIpA, kIpB, 1, 2)));
  // Every pass finds the same impossible index: counted once, and no frame
  // moved (an adaptive daemon may sleep: it polled for ever before).
  for (uint64_t t = 1; t <= 5; t++) CHECK(rig.sw.Poll(t) == 0);
  const NetCounters* c = rig.sw.counters(1);
  CHECK(c->drops[static_cast<int>(Drop::kRingCorrupt)] == 1);
  CHECK(rig.b.DrainCount() == 0);
  // A sane index again: the queued frame goes out; a new corruption is a
  // new error.
  q->comp_idx.consumer.store(sane);
  CHECK(rig.sw.Poll(6) == 1);
  CHECK(rig.b.DrainCount() == 1);
  q->tx_idx.producer.store(q->tx_idx.producer.load() + 5000);
  CHECK(rig.sw.Poll(7) == 0);
  CHECK(rig.sw.Poll(8) == 0);
  CHECK(c->drops[static_cast<int>(Drop::kRingCorrupt)] == 2);
}

TEST_CASE("net switch: back-pressure: a kthread that does not drain loses frames, counted") {
  Rig rig;
  for (uint32_t i = 0; i < kRingEntries + 10; i++) rig.nic.in.push_back(Udp(rig.b.mac, kHostMac, kIpHost, kIpB, 7, 7));
  while (rig.sw.Poll(1) > 0) {}
  CHECK(rig.sw.RxBacklog(2) == kRingEntries);
  CHECK(rig.sw.counters(2)->drops[static_cast<int>(Drop::kRxRingFull)] == 10);
  rig.sw.Poll(1000);
  CHECK(rig.sw.RxWaitNs(2, 5000) == 4999);  // unserved since the first poll (at 1) that saw it
  CHECK(rig.b.DrainCount() == kRingEntries);
  rig.sw.Poll(6000);
  CHECK(rig.sw.RxBacklog(2) == 0);
  CHECK(rig.sw.RxWaitNs(2, 7000) == 0);

  SUBCASE("a full NIC queue drops the container's frames") {
    rig.nic.full = true;
    REQUIRE(rig.a.queues[0]->Transmit(Udp(kHostMac, rig.a.mac, kIpA, kIpHost, 1, 2)));
    rig.sw.Poll(7000);
    CHECK(rig.sw.counters(1)->drops[static_cast<int>(Drop::kNicFull)] == 1);
  }
}

TEST_CASE("net switch: a container that exits right after sending still gets its last frames out") {
  // A program that closes its connections and exits at once: the FINs are
  // in its rings when the daemon sees it gone, and nothing will resend them.
  Rig rig;
  rig.sw.Poll(1);  // the kthreads' slots seen attached, as in a running daemon
  REQUIRE(rig.a.queues[1]->Transmit(Udp(kHostMac, rig.a.mac, kIpA, kIpHost, 1, 2)));
  REQUIRE(rig.a.queues[0]->Transmit(Udp(rig.b.mac, rig.a.mac, kIpA, kIpB, 3, 4)));
  size_t out = rig.nic.out.size();
  rig.sw.RemoveContainer(1);
  CHECK(rig.sw.counters(1) == nullptr);
  CHECK(rig.nic.out.size() == out + 1);
  rig.sw.Poll(2);  // publishes what reached the other container's ring
  CHECK(rig.b.DrainCount() == 1);
}

TEST_CASE("net switch: no kthread attached, no NIC, duplicate addresses") {
  FakeNic nic;
  PacketSwitch none(nullptr);
  Container a(kIpA, 1, 1), idle(kIpB, 2, 0);
  REQUIRE(none.AddContainer(1, a.rings(), 1, false, a.ip, a.mac));
  REQUIRE(none.AddContainer(2, idle.rings(), 2, false, idle.ip, idle.mac));
  CHECK_FALSE(none.AddContainer(3, idle.rings(), 2, false, idle.ip, ContainerMac(1)));  // same IP
  CHECK_FALSE(none.AddContainer(3, idle.rings(), 2, false, 1, idle.mac));               // same MAC
  REQUIRE(a.queues[0]->Transmit(Udp(idle.mac, a.mac, kIpA, kIpB, 1, 2)));
  REQUIRE(a.queues[0]->Transmit(Udp(kHostMac, a.mac, kIpA, kIpHost, 1, 2)));
  none.Poll(1);
  CHECK(none.counters(2)->drops[static_cast<int>(Drop::kRxNoQueue)] == 1);
  CHECK(none.counters(1)->drops[static_cast<int>(Drop::kNoRoute)] == 1);
  none.RemoveContainer(2);
  CHECK(none.counters(2) == nullptr);
  CHECK(none.AddContainer(3, idle.rings(), 2, false, idle.ip, idle.mac));  // free again
}

TEST_CASE("net switch: sleeping asks containers to kick, and notices frames queued meanwhile") {
  Rig rig;
  CHECK(rig.sw.PrepareSleep());
  CHECK(rig.a.queues[0]->DaemonWantsKick());
  rig.sw.Awake();
  CHECK_FALSE(rig.a.queues[0]->DaemonWantsKick());
  REQUIRE(rig.a.queues[0]->Transmit(Udp(rig.b.mac, rig.a.mac, kIpA, kIpB, 1, 2)));
  CHECK_FALSE(rig.sw.PrepareSleep());  // a frame is waiting: do not sleep
  CHECK_FALSE(rig.a.queues[0]->DaemonWantsKick());
}

// A forked process's own rings (the daemon maps them from a memfd).
struct MemberRings {
  PacketQueues* q;
  ContainerQueue cq;
  int wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  MemberRings() {
    void* m = mmap(nullptr, sizeof(PacketQueues), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    q = static_cast<PacketQueues*>(m);
    cq.Attach(q);
  }
  ~MemberRings() {
    cq.Detach();
    munmap(q, sizeof(PacketQueues));
    close(wake);
  }
  size_t DrainCount() {
    return static_cast<size_t>(cq.PollRx([](std::span<const uint8_t>) {}, 1 << 20));
  }
  uint64_t Kicks() {
    uint64_t v = 0;
    return read(wake, &v, sizeof v) == sizeof v ? v : 0;
  }
};

TEST_CASE("net switch: ports steer to the container's processes, shared listeners by flow") {
  FakeNic nic;
  PacketSwitch sw(&nic);
  Container a(kIpA, 2, 2);
  NetPortTable* ports = a.region->port_table();
  REQUIRE(sw.AddContainer(1, a.rings(), 2, false, a.ip, a.mac, ports));
  MemberRings m1, m2;
  REQUIRE(sw.AddMember(1, m1.q, m1.wake) == 1);
  REQUIRE(sw.AddMember(1, m2.q, m2.wake) == 2);
  CHECK(sw.AddMember(7, m2.q, m2.wake) == -1);  // no such container
  auto from_host_udp = [&](uint16_t sport, uint16_t dport) {
    nic.in.push_back(Udp(a.mac, kHostMac, kIpHost, kIpA, sport, dport));
    sw.Poll(1);
  };

  SUBCASE("a port nobody marked goes to the first process") {
    from_host_udp(1000, 9000);
    CHECK(a.DrainCount() == 1);
    CHECK(m1.DrainCount() == 0);
  }
  SUBCASE("a port one process marked goes to it, and wakes it if it sleeps") {
    ports->udp[9000].store(1u << 1);
    from_host_udp(1000, 9000);
    CHECK(m1.Kicks() == 0);  // it did not ask for a kick
    m1.q->container_wants_kick.store(1);
    from_host_udp(1001, 9000);
    CHECK(m1.Kicks() == 1);
    CHECK(m1.DrainCount() == 2);
    CHECK(a.DrainCount() == 0);
    ports->tcp[9000].store(1u << 2);  // TCP and UDP ports are separate
    from_host_udp(1002, 9000);
    CHECK(m1.DrainCount() == 1);
  }
  SUBCASE("ARP reaches every process") {
    nic.in.push_back(ArpRequest(kHostMac, kIpHost, 0x0a6300fe));  // someone else's address
    sw.Poll(1);
    CHECK(a.DrainCount() == 1);
    CHECK(m1.DrainCount() == 1);
    CHECK(m2.DrainCount() == 1);
  }
  SUBCASE("a listener two processes accept on: SYNs spread, each flow stays put") {
    ports->tcp[80].store(1u << 1 | 1u << 2);
    std::map<uint16_t, int> owner;
    for (uint16_t sport = 40000; sport < 40064; sport++) {
      nic.in.push_back(Tcp(a.mac, kHostMac, kIpHost, kIpA, sport, 80, 0x02));
      sw.Poll(1);
      size_t n1 = m1.DrainCount(), n2 = m2.DrainCount();
      REQUIRE(n1 + n2 == 1);
      owner[sport] = n1 ? 1 : 2;
    }
    int to1 = 0;
    for (auto& [p, m] : owner) to1 += m == 1;
    CHECK(to1 > 0);
    CHECK(to1 < 64);
    // Process 2 stops accepting: its connections still reach it.
    ports->tcp[80].store(1u << 1);
    for (auto& [sport, m] : owner) {
      nic.in.push_back(Tcp(a.mac, kHostMac, kIpHost, kIpA, sport, 80, 0x10));
      sw.Poll(1);
      CHECK(m1.DrainCount() == (m == 1 ? 1u : 0u));
      CHECK(m2.DrainCount() == (m == 2 ? 1u : 0u));
    }
    // A new SYN goes to the one that still accepts.
    nic.in.push_back(Tcp(a.mac, kHostMac, kIpHost, kIpA, 50000, 80, 0x02));
    sw.Poll(1);
    CHECK(m1.DrainCount() == 1);
    // Process 2 leaves: its flows' packets go by the port table again.
    sw.RemoveMember(1, 2, m2.wake);
    nic.in.push_back(Tcp(a.mac, kHostMac, kIpHost, kIpA, 40000, 80, 0x10));
    sw.Poll(1);
    CHECK(m1.DrainCount() == 1);
  }
  SUBCASE("a process that left gets nothing; its port goes back to the first process") {
    ports->udp[9000].store(1u << 1);
    sw.RemoveMember(1, 1, m2.wake);  // not its descriptor: still there
    from_host_udp(1000, 9000);
    CHECK(m1.DrainCount() == 1);
    ports->tcp[7].store(1u << 1 | 1u << 2);
    sw.RemoveMember(1, 1, m1.wake);
    CHECK(ports->udp[9000].load() == 0);  // its marks are cleared
    CHECK(ports->tcp[7].load() == 1u << 2);
    from_host_udp(1000, 9000);
    CHECK(m1.DrainCount() == 0);
    CHECK(a.DrainCount() == 1);
    CHECK(sw.AddMember(1, m1.q, m1.wake) == 1);  // its number is free again
  }
  SUBCASE("a process's frames go out with the container's checks") {
    REQUIRE(m1.cq.Transmit(Udp(kHostMac, a.mac, kIpA, kIpHost, 5000, 53)));
    REQUIRE(m1.cq.Transmit(Udp(kHostMac, a.mac, kIpB, kIpHost, 5000, 53)));  // not its address
    sw.Poll(1);
    CHECK(nic.out.size() == 1);
    CHECK(sw.counters(1)->drops[static_cast<int>(Drop::kSpoofed)] == 1);
  }
}

TEST_CASE("net switch: a connection a process claimed after a fork goes to it, before the port table") {
  FakeNic nic;
  PacketSwitch sw(&nic);
  Container a(kIpA, 2, 2);
  NetPortTable* ports = a.region->port_table();
  NetFlowTable* flows = a.region->flow_table();
  REQUIRE(sw.AddContainer(1, a.rings(), 2, false, a.ip, a.mac, ports, flows));
  MemberRings m1, m2;
  REQUIRE(sw.AddMember(1, m1.q, m1.wake) == 1);
  REQUIRE(sw.AddMember(1, m2.q, m2.wake) == 2);
  ports->tcp[80].store(1u << 0);  // the parent accepts on port 80
  auto segment = [&](uint16_t sport) {
    nic.in.push_back(Tcp(a.mac, kHostMac, kIpHost, kIpA, sport, 80, 0x10));
    sw.Poll(1);
  };
  uint64_t key = FlowKey(kIpHost, 40000, 80);
  uint32_t gen = 0;
  REQUIRE(ShareFlow(flows, key, 0, &gen));  // the parent forks
  segment(40000);
  CHECK(a.DrainCount() == 1);  // undecided: by the port table
  REQUIRE(ClaimFlow(flows, key, 2, gen) == FlowClaim::kOurs);  // the child reads
  segment(40000);
  CHECK(m2.DrainCount() == 1);
  CHECK(a.DrainCount() == 0);
  segment(40001);  // another connection on the port: the parent's
  CHECK(a.DrainCount() == 1);

  SUBCASE("the owner leaves: its slot goes, the port table rules again") {
    sw.RemoveMember(1, 2, m2.wake);
    CHECK(FindFlow(flows, key) == nullptr);
    segment(40000);
    CHECK(a.DrainCount() == 1);
  }
  SUBCASE("a slot naming a member without rings counts for nothing") {
    FindFlow(flows, key)->state.store(FlowState{gen, 1, 9}.word());
    segment(40000);
    CHECK(a.DrainCount() == 1);
  }
  SUBCASE("a scribbled table misroutes only the container's own frames among its processes") {
    std::mt19937_64 rng(5);
    for (int round = 0; round < 50; round++) {
      for (uint32_t i = 0; i < kFlowSlots; i += 1 + rng() % 7) {
        flows->slots[i].key.store(rng() % 3 ? FlowKey(kIpHost, static_cast<uint16_t>(40000 + rng() % 8), 80) : rng());
        flows->slots[i].state.store(rng());
      }
      for (uint16_t sport = 40000; sport < 40008; sport++) segment(sport);
      CHECK(a.DrainCount() + m1.DrainCount() + m2.DrainCount() == 8);
    }
    CHECK(sw.counters(1)->drops[static_cast<int>(Drop::kRxNoQueue)] == 0);
  }
  SUBCASE("a restarted daemon adopting the region removes forked members' claims") {
    sw.RemoveContainer(1);
    REQUIRE(sw.AddContainer(1, a.rings(), 2, true, a.ip, a.mac, ports, flows));
    CHECK(FindFlow(flows, key) == nullptr);
  }
}

TEST_CASE("net switch: SteerMember picks among the attached members of a port") {
  CHECK(SteerMember(0, ~0u, 5) == 0);
  CHECK(SteerMember(1u << 3, ~0u, 5) == 3);
  CHECK(SteerMember(1u << 3, ~(1u << 3), 5) == 0);  // not attached
  std::set<uint32_t> seen;
  for (uint32_t h = 0; h < 16; h++) seen.insert(SteerMember(1u << 2 | 1u << 5 | 1u << 9, ~0u, h));
  CHECK(seen == std::set<uint32_t>{2, 5, 9});
}

}  // namespace
}  // namespace junction::net
