// Ethernet/ARP/IPv4/ICMP layer of the LibOS network stack, on a simulated
// wire (tests/unit/net_sim.h): resolution and its retries, answering ARP,
// gateway routing, fragmentation and reassembly with their limits, echo
// replies, port unreachable, and garbage counted and dropped.
#include <doctest/doctest.h>

#include <random>

#include "net/stack/arp.h"
#include "net/stack/reassembly.h"
#include "net/stack/udp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::kIpA;
using test::kIpB;
using test::SimWire;
using test::TwoStacks;
using test::TwoStacksSeeded;

TEST_CASE("net: Internet checksum (RFC 1071 example) and pseudo-header") {
  const uint8_t raw[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  auto s = std::as_bytes(std::span(raw));
  CHECK(ChecksumPartial(s) % 0xffff == 0x2ddf0 % 0xffff);
  CHECK(ChecksumFinish(ChecksumPartial(s)) == static_cast<uint16_t>(~0xddf2));
  const uint8_t odd[] = {0x01};
  CHECK(Checksum(std::as_bytes(std::span(odd))) == static_cast<uint16_t>(~0x0100));
}

// RFC 1071 as written: 16-bit big-endian words, an odd last byte padded.
uint16_t ChecksumByWords(std::span<const std::byte> data, uint32_t seed) {
  uint64_t sum = seed;
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += Load16(&data[i]);
  if (i < data.size()) sum += std::to_integer<uint32_t>(data[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

TEST_CASE("net: the word-wise checksum agrees with RFC 1071's for every length, offset and seed") {
  std::mt19937 rng(7);
  std::vector<std::byte> buf(2100);
  for (size_t len = 0; len < 2048; len++) {
    size_t off = rng() % 8;
    int fill = rng() % 4;  // all ones and all zeros: the folds' end cases
    for (auto& b : buf) b = std::byte(fill == 0 ? 0xff : fill == 1 ? 0 : rng());
    uint32_t seed = len % 3 == 0 ? 0 : len % 3 == 1 ? 0xffffffffu : static_cast<uint32_t>(rng());
    auto s = std::span<const std::byte>(buf).subspan(off, len);
    CAPTURE(len);
    CAPTURE(off);
    CHECK(ChecksumFinish(ChecksumPartial(s, seed)) == ChecksumByWords(s, seed));
  }
}

TEST_CASE("net: ARP cache resolves, retries, goes stale and bounds its queue") {
  ArpParams p;
  p.max_queued = 2;
  ArpCache arp(p);
  uint64_t t = 1000;
  Ip4 ip = kIpB;
  std::optional<ArpRequest> probe;
  CHECK(!arp.Lookup(ip, t, &probe));
  CHECK(arp.Enqueue(ip, {std::byte{1}}, t) == ArpCache::Queued::kSendRequest);
  CHECK(arp.Enqueue(ip, {std::byte{2}}, t) == ArpCache::Queued::kWaiting);
  CHECK(arp.Enqueue(ip, {std::byte{3}}, t) == ArpCache::Queued::kDropped);
  std::vector<ArpRequest> resend;
  size_t dropped = 0;
  arp.Tick(t + p.retry_ns, &resend, &dropped);
  CHECK(resend == std::vector<ArpRequest>{{ip, MacAddr::Broadcast()}});
  MacAddr m{{2, 0, 0, 0, 0, 9}};
  auto waiting = arp.Update(ip, m, t + 1, true);
  CHECK(waiting.size() == 2);
  CHECK(arp.Lookup(ip, t + 2, &probe) == m);
  CHECK(!probe);
  // Past its lifetime the entry is STALE: still used, and probed.
  CHECK(arp.Lookup(ip, t + 1 + p.reachable_ns, &probe) == m);
  CHECK(probe == ArpRequest{ip, m});
  // A resolution that is never answered gives up after max_requests.
  Ip4 other = kIpA;
  CHECK(arp.Enqueue(other, {std::byte{1}}, t) == ArpCache::Queued::kSendRequest);
  resend.clear();
  for (int i = 1; i <= p.max_requests; ++i) arp.Tick(t + i * p.retry_ns, &resend, &dropped);
  CHECK(resend.size() == static_cast<size_t>(p.max_requests - 1));
  CHECK(dropped == 1);
  // Update without `create` only refreshes.
  CHECK(arp.Update(MakeIp4(1, 2, 3, 4), m, t, false).empty());
  CHECK(!arp.Lookup(MakeIp4(1, 2, 3, 4), t, &probe));
}

TEST_CASE_FIXTURE(TwoStacks, "net: UDP between two stacks resolves ARP once and delivers") {
  auto sa = a->NewUdpSocket(), sb = b->NewUdpSocket();
  REQUIRE(sb->Bind({0, 5000}).ok());
  Endpoint to{kIpB, 5000};
  REQUIRE(sa->SendTo(Bytes("hello"), &to).ok());
  REQUIRE(sa->SendTo(Bytes("again"), &to).ok());
  w.Run([&] { return sb->NextSize() > 0; });
  std::byte buf[64];
  Endpoint from;
  bool trunc = false;
  auto n = sb->RecvFrom(buf, 0, &from, &trunc);
  REQUIRE(n.ok());
  CHECK(std::string(reinterpret_cast<char*>(buf), *n) == "hello");
  CHECK(from.ip == kIpA);
  CHECK(from.port == sa->local().port);
  w.Run([&] { return sb->NextSize() > 0; });
  CHECK(sb->RecvFrom(buf, 0, &from, &trunc).ok());
  CHECK(a->counters().arp_requests_out == 1);
  CHECK(b->counters().arp_replies_out == 1);
  // B learned A from A's request: it needs no request of its own to reply.
  Endpoint back{kIpA, from.port};
  REQUIRE(sb->SendTo(Bytes("reply"), &back).ok());
  w.Run([&] { return sa->NextSize() > 0; });
  CHECK(b->counters().arp_requests_out == 0);
}

TEST_CASE("net: an unanswered ARP is retried, then its packets are dropped and counted") {
  SimWire w;
  NetStack* a = w.Add(kIpA);
  auto s = a->NewUdpSocket();
  Endpoint nobody{MakeIp4(10, 99, 0, 77), 9};
  REQUIRE(s->SendTo(Bytes("x"), &nobody).ok());
  w.RunFor(10'000'000'000);
  auto c = a->counters();
  CHECK(c.arp_requests_out == 3);
  CHECK(c.arp_unresolved_drops == 1);
}

TEST_CASE("net: a destination outside the subnet goes to the gateway's MAC; no gateway: ENETUNREACH") {
  SimWire w;
  Ip4 gw = MakeIp4(10, 99, 0, 1);
  NetStack* a = w.Add(kIpA, 24, gw);
  NetStack* g = w.Add(gw);
  auto s = a->NewUdpSocket();
  Endpoint far{MakeIp4(192, 0, 2, 1), 53};
  REQUIRE(s->SendTo(Bytes("q"), &far).ok());
  w.Run([&] { return g->counters().udp_in + g->counters().udp_no_port > 0 ||
                     g->counters().rx_not_for_us > 0; });
  // The gateway stack is not a router: the packet reached its MAC but not its IP.
  CHECK(g->counters().rx_not_for_us == 1);
  CHECK(a->counters().arp_requests_out == 1);
  NetStack* lone = w.Add(MakeIp4(10, 99, 0, 9));
  auto s2 = lone->NewUdpSocket();
  CHECK(s2->SendTo(Bytes("q"), &far).error() == ENETUNREACH);
}

TEST_CASE_FIXTURE(TwoStacksSeeded<3>,
                  "net: large UDP datagrams are fragmented, reassembled in any order, and DF refuses") {
  auto sa = a->NewUdpSocket(), sb = b->NewUdpSocket();
  REQUIRE(sb->Bind({0, 7}).ok());
  std::vector<std::byte> big(20000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = std::byte(i * 7 + 3);
  Endpoint to{kIpB, 7};
  w.faults.reorder = 0.5;
  REQUIRE(sa->SendTo(big, &to).ok());
  REQUIRE(w.Run([&] { return sb->NextSize() > 0; }));
  std::vector<std::byte> got(30000);
  auto n = sb->RecvFrom(got, 0, nullptr, nullptr);
  REQUIRE(n.ok());
  CHECK(*n == big.size());
  CHECK(std::equal(big.begin(), big.end(), got.begin()));
  CHECK(a->counters().ip_fragments_out == 14);
  CHECK(b->counters().ip_reassembled == 1);
  sa->set_dont_fragment(true);
  CHECK(sa->SendTo(big, &to).error() == EMSGSIZE);
  CHECK(sa->SendTo(std::span(big).first(1472), &to).ok());
}

TEST_CASE("net: reassembly limits, timeouts and inconsistent fragments") {
  ReassemblyParams p;
  p.max_datagrams = 2;
  p.max_bytes = 4000;
  p.timeout_ns = 1000;
  Reassembler r(p);
  std::vector<std::byte> eight(8, std::byte{1}), odd(5, std::byte{2});
  CHECK(!r.Add(1, 2, 1, 17, 0, true, eight, 0));
  CHECK(!r.Add(1, 2, 2, 17, 0, true, eight, 0));
  CHECK(!r.Add(1, 2, 3, 17, 0, true, eight, 0));  // a third datagram: over the limit
  CHECK(r.counters().dropped_limits == 1);
  CHECK(!r.Add(1, 2, 1, 17, 0, true, odd, 0));    // middle fragment not a multiple of 8
  CHECK(r.counters().dropped_bad == 1);
  r.Tick(1000);
  CHECK(r.pending() == 0);
  CHECK(r.counters().timed_out == 2);
  CHECK(!r.Add(1, 2, 4, 17, 8000, false, eight, 0));  // too many bytes held
  CHECK(r.counters().dropped_limits == 2);
  // Last fragment first, overlapping duplicate, then the rest.
  CHECK(!r.Add(1, 2, 5, 17, 16, false, odd, 0));
  CHECK(!r.Add(1, 2, 5, 17, 8, true, eight, 0));
  CHECK(!r.Add(1, 2, 5, 17, 8, true, eight, 0));
  auto whole = r.Add(1, 2, 5, 17, 0, true, eight, 0);
  REQUIRE(whole);
  CHECK(whole->size() == 21);
  CHECK(r.bytes_held() == 0);
  // Two different ends for one datagram: dropped.
  CHECK(!r.Add(1, 2, 6, 17, 16, false, odd, 0));
  CHECK(!r.Add(1, 2, 6, 17, 24, false, odd, 0));
  CHECK(r.counters().dropped_bad == 2);
  CHECK(r.pending() == 0);
}

// Builds an Ethernet+IPv4 frame from `src` to `dst` carrying `l4`.
std::vector<std::byte> Frame(const NetStack& to, Ip4 src, Ip4 dst, uint8_t proto,
                             std::span<const std::byte> l4) {
  return test::Ip4Frame(src, dst, MacAddr{{2, 0, 0, 0, 0, 0x42}}, to.mac(), proto, l4);
}

TEST_CASE("net: echo requests are answered; bad checksums and garbage are counted and dropped") {
  SimWire w;
  NetStack* b = w.Add(kIpB);
  w.link(0)->sent.clear();
  std::vector<std::byte> echo(kIcmpHeaderLen + 32);
  echo[0] = std::byte{8};
  Store16(&echo[4], 0x1234);
  Store16(&echo[6], 7);
  for (size_t i = 8; i < echo.size(); ++i) echo[i] = std::byte(i);
  Store16(&echo[2], Checksum(echo));
  // The peer's MAC is unknown: the stack resolves it first (a real
  // neighbour would have ARPed us and been learned).
  auto f = Frame(*b, kIpA, kIpB, kProtoIcmp, echo);
  w.Inject(0, f);
  CHECK(b->counters().icmp_echo_in == 1);
  CHECK(b->counters().arp_requests_out == 1);
  // Answer the ARP request as kIpA would.
  std::vector<std::byte> arp(kEthHeaderLen + kArpLen);
  std::memcpy(&arp[0], b->mac().b.data(), 6);
  arp[6] = std::byte{2}; arp[11] = std::byte{0x42};
  Store16(&arp[12], kEthTypeArp);
  std::byte* p = &arp[14];
  Store16(p, 1); Store16(p + 2, kEthTypeIp4); p[4] = std::byte{6}; p[5] = std::byte{4};
  Store16(p + 6, 2);
  p[8] = std::byte{2}; p[13] = std::byte{0x42};
  Store32(p + 14, kIpA);
  std::memcpy(p + 18, b->mac().b.data(), 6);
  Store32(p + 24, kIpB);
  w.Inject(0, arp);
  auto& sent = w.link(0)->sent;
  REQUIRE(sent.size() == 2);  // ARP request, then the echo reply
  auto& reply = sent[1];
  CHECK(reply[0] == std::byte{2});
  CHECK(reply[5] == std::byte{0x42});
  std::span<const std::byte> rip(reply.data() + 14, reply.size() - 14);
  CHECK(Checksum(rip.first(20)) == 0);
  auto icmp = rip.subspan(20);
  CHECK(icmp[0] == std::byte{0});
  CHECK(Load16(&icmp[4]) == 0x1234);
  CHECK(Checksum(icmp) == 0);
  CHECK(std::equal(echo.begin() + 8, echo.end(), icmp.begin() + 8));
  // A bad IP header checksum, a bad ICMP checksum, truncation, a runt.
  auto bad = f;
  bad[14 + 10] ^= std::byte{1};
  w.Inject(0, bad);
  CHECK(b->counters().ip_bad_checksum == 1);
  auto bad_icmp = f;
  bad_icmp[40] ^= std::byte{1};
  w.Inject(0, bad_icmp);
  CHECK(b->counters().icmp_bad == 1);
  w.Inject(0, std::vector<std::byte>(f.begin(), f.begin() + 30));
  CHECK(b->counters().ip_bad_header == 1);
  w.Inject(0, std::vector<std::byte>(5));
  CHECK(b->counters().rx_runt == 1);
  CHECK(b->counters().icmp_echo_in == 1);
  // Random garbage of every length: nothing is answered, nothing crashes.
  std::mt19937 rng(5);
  uint64_t before = w.link(0)->sent.size();
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::byte> g(rng() % 200);
    for (auto& x : g) x = std::byte(rng());
    if (g.size() >= 14 && (i & 1)) {
      std::memcpy(&g[0], b->mac().b.data(), 6);
      Store16(&g[12], (i & 2) ? kEthTypeIp4 : kEthTypeArp);
      if (g.size() > 14 && (i & 2)) g[14] = std::byte{0x45};
    }
    w.Inject(0, g);
  }
  CHECK(w.link(0)->sent.size() == before);
  auto c = b->counters();
  CHECK(c.rx_frames == 20006);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net: UDP to a closed port draws ICMP port unreachable; a connected sender sees ECONNREFUSED") {
  auto s = a->NewUdpSocket();
  REQUIRE(s->Connect({kIpB, 9999}).ok());
  REQUIRE(s->SendTo(Bytes("anyone?"), nullptr).ok());
  w.Run([&] { return (s->Events() & kEvErr) != 0; });
  CHECK(b->counters().udp_no_port == 1);
  CHECK(b->counters().icmp_errors_out == 1);
  CHECK(a->counters().icmp_errors_in == 1);
  std::byte buf[8];
  CHECK(s->RecvFrom(buf, 0, nullptr, nullptr).error() == ECONNREFUSED);
  CHECK(s->RecvFrom(buf, 0, nullptr, nullptr).error() == EAGAIN);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net: gratuitous ARP updates a neighbour that knows us; a full link is counted") {
  a->Announce();
  w.RunFor(1'000'000);
  CHECK(b->counters().arp_requests_in == 1);
  CHECK(b->counters().arp_replies_out == 0);  // not for b's address
  w.link(0)->full = true;
  auto s = a->NewUdpSocket();
  Endpoint to{kIpB, 1};
  CHECK(s->SendTo(Bytes("x"), &to).ok());
  CHECK(a->counters().tx_link_full == 1);
}

}  // namespace
}  // namespace junction::net
