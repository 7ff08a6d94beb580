// UDP sockets of the LibOS network stack: binding rules, ephemeral ports,
// connected sockets, MSG_PEEK/MSG_TRUNC, broadcast, SO_REUSEADDR and
// SO_REUSEPORT, receive-buffer limits and loopback inside one stack.
#include <doctest/doctest.h>

#include <set>

#include "net/stack/udp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::kIpA;
using test::kIpB;
using test::SimWire;
using test::TwoStacks;

std::string Str(std::span<std::byte> b, size_t n) { return {reinterpret_cast<char*>(b.data()), n}; }

TEST_CASE("net udp: bind conflicts, SO_REUSEADDR, ephemeral ports, bad addresses") {
  SimWire w;
  NetStack* a = w.Add(kIpA);
  auto s1 = a->NewUdpSocket(), s2 = a->NewUdpSocket(), s3 = a->NewUdpSocket();
  REQUIRE(s1->Bind({0, 4000}).ok());
  CHECK(s2->Bind({0, 4000}).error() == EADDRINUSE);
  CHECK(s2->Bind({kIpA, 4000}).error() == EADDRINUSE);
  CHECK(s1->Bind({0, 4001}).error() == EINVAL);  // already bound
  CHECK(s3->Bind({MakeIp4(10, 99, 0, 50), 1}).error() == EADDRNOTAVAIL);
  auto r1 = a->NewUdpSocket(), r2 = a->NewUdpSocket();
  r1->set_reuse_addr(true);
  r2->set_reuse_addr(true);
  REQUIRE(r1->Bind({0, 4100}).ok());
  CHECK(r2->Bind({0, 4100}).ok());
  std::set<uint16_t> ports;
  std::vector<std::shared_ptr<UdpSocket>> many;
  for (int i = 0; i < 50; ++i) {
    many.push_back(a->NewUdpSocket());
    REQUIRE(many.back()->Bind({0, 0}).ok());
    uint16_t p = many.back()->local().port;
    CHECK(p >= 32768);
    CHECK(p <= 60999);
    ports.insert(p);
  }
  CHECK(ports.size() == 50);
  // Closing a socket frees its port.
  s1.reset();
  CHECK(s2->Bind({0, 4000}).ok());
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net udp: connected sockets, peek, truncation, FIONREAD and sendto errors") {
  auto sa = a->NewUdpSocket(), sb = b->NewUdpSocket(), stranger = a->NewUdpSocket();
  REQUIRE(sb->Bind({kIpB, 6000}).ok());
  CHECK(sa->SendTo(Bytes("x"), nullptr).error() == EDESTADDRREQ);
  CHECK(sa->peer().error() == ENOTCONN);
  REQUIRE(sa->Connect({kIpB, 6000}).ok());
  CHECK(sa->peer()->port == 6000);
  REQUIRE(sb->Connect({kIpA, sa->local().port}).ok());
  REQUIRE(sa->SendTo(Bytes("0123456789"), nullptr).ok());
  // A datagram from another port is not delivered to a connected socket.
  Endpoint to{kIpB, 6000};
  REQUIRE(stranger->SendTo(Bytes("intruder"), &to).ok());
  w.RunFor(10'000'000);
  CHECK(sb->NextSize() == 10);
  std::byte buf[4];
  bool trunc = false;
  auto n = sb->RecvFrom(buf, kMsgPeek, nullptr, &trunc);
  CHECK(*n == 4);
  CHECK(trunc);
  CHECK(Str(buf, 4) == "0123");
  n = sb->RecvFrom(buf, kMsgTrunc, nullptr, &trunc);
  CHECK(*n == 10);  // MSG_TRUNC: the real length
  CHECK(sb->NextSize() == 0);
  CHECK(sb->RecvFrom(buf, 0, nullptr, nullptr).error() == EAGAIN);
  CHECK((sb->Events() & kEvIn) == 0);
  CHECK(b->counters().udp_no_port == 1);  // the intruder
  // Disconnect (AF_UNSPEC) accepts anyone again.
  REQUIRE(sb->Connect({0, 0}).ok());
  REQUIRE(stranger->SendTo(Bytes("hi"), &to).ok());
  w.RunFor(10'000'000);
  CHECK(sb->NextSize() == 2);
  // Empty datagrams are datagrams.
  REQUIRE(sa->SendTo({}, nullptr).ok());
  w.RunFor(10'000'000);
  CHECK(sb->RecvFrom(buf, 0, nullptr, nullptr).ok());
  CHECK(sb->NextSize() == 0);
  CHECK((sb->Events() & kEvIn) != 0);  // the empty one is still queued
  CHECK(*sb->RecvFrom(buf, 0, nullptr, nullptr) == 0);
  std::vector<std::byte> huge(70000);
  CHECK(sa->SendTo(huge, nullptr).error() == EMSGSIZE);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net udp: broadcast needs SO_BROADCAST and reaches every bound socket") {
  NetStack* c = w.Add(MakeIp4(10, 99, 0, 4));
  auto sa = a->NewUdpSocket(), sb = b->NewUdpSocket(), sc = c->NewUdpSocket();
  REQUIRE(sb->Bind({0, 67}).ok());
  REQUIRE(sc->Bind({0, 67}).ok());
  Endpoint all{MakeIp4(255, 255, 255, 255), 67}, subnet{MakeIp4(10, 99, 0, 255), 67};
  CHECK(sa->SendTo(Bytes("who"), &all).error() == EACCES);
  sa->set_broadcast(true);
  REQUIRE(sa->SendTo(Bytes("who"), &all).ok());
  REQUIRE(sa->SendTo(Bytes("who2"), &subnet).ok());
  w.RunFor(10'000'000);
  CHECK(b->counters().udp_in == 2);
  CHECK(c->counters().udp_in == 2);
  CHECK(a->counters().arp_requests_out == 0);  // broadcast needs no resolution
  CHECK(b->counters().icmp_errors_out + c->counters().icmp_errors_out == 0);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net udp: SO_REUSEPORT group shares datagrams by source; rcvbuf overflow counted") {
  auto g1 = b->NewUdpSocket(), g2 = b->NewUdpSocket();
  g1->set_reuse_port(true);
  g2->set_reuse_port(true);
  REQUIRE(g1->Bind({0, 53}).ok());
  REQUIRE(g2->Bind({0, 53}).ok());
  auto plain = b->NewUdpSocket();
  CHECK(plain->Bind({0, 53}).error() == EADDRINUSE);
  std::vector<std::shared_ptr<UdpSocket>> senders;
  Endpoint to{kIpB, 53};
  for (int i = 0; i < 20; ++i) {
    senders.push_back(a->NewUdpSocket());
    REQUIRE(senders.back()->SendTo(Bytes("q"), &to).ok());
    if (i == 0) w.RunFor(10'000'000);  // resolve first: ARP queues 16 packets at most
  }
  w.RunFor(100'000'000);
  size_t n1 = 0, n2 = 0;
  std::byte buf[4];
  while (g1->RecvFrom(buf, 0, nullptr, nullptr).ok()) n1++;
  while (g2->RecvFrom(buf, 0, nullptr, nullptr).ok()) n2++;
  CHECK(n1 + n2 == 20);
  CHECK(n1 > 0);
  CHECK(n2 > 0);
  g1->set_rcvbuf(1000);
  std::vector<std::byte> kb(600);
  for (int i = 0; i < 2; ++i) REQUIRE(senders[0]->SendTo(kb, &to).ok());
  for (int i = 0; i < 20; ++i) REQUIRE(senders[0]->SendTo(kb, &to).ok());
  w.RunFor(100'000'000);
  CHECK(b->counters().udp_rcvbuf_drops > 0);
}

TEST_CASE("net udp: loopback to 127.0.0.1 and to our own address stays inside the stack") {
  SimWire w;
  NetStack* a = w.Add(kIpA);
  auto srv = a->NewUdpSocket(), cli = a->NewUdpSocket();
  REQUIRE(srv->Bind({0, 9000}).ok());
  Endpoint lo{MakeIp4(127, 0, 0, 1), 9000}, self{kIpA, 9000};
  REQUIRE(cli->SendTo(Bytes("lo"), &lo).ok());
  REQUIRE(cli->SendTo(Bytes("self"), &self).ok());
  std::byte buf[8];
  Endpoint from;
  CHECK(*srv->RecvFrom(buf, 0, &from, nullptr) == 2);
  CHECK(from.ip == MakeIp4(127, 0, 0, 1));
  CHECK(*srv->RecvFrom(buf, 0, &from, nullptr) == 4);
  CHECK(from.ip == kIpA);
  CHECK(w.link(0)->sent.empty());
  std::vector<std::byte> big(60000, std::byte{9});
  REQUIRE(cli->SendTo(big, &lo).ok());  // no fragmentation on loopback
  std::vector<std::byte> got(65536);
  CHECK(*srv->RecvFrom(got, 0, nullptr, nullptr) == 60000);
  CHECK(a->counters().ip_fragments_out == 0);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net udp: the notify callback fires outside the lock and may call back in") {
  auto sb = b->NewUdpSocket();
  REQUIRE(sb->Bind({0, 1234}).ok());
  int calls = 0;
  uint32_t seen = 0;
  sb->set_notify([&] { calls++; seen = sb->Events(); });
  auto sa = a->NewUdpSocket();
  Endpoint to{kIpB, 1234};
  REQUIRE(sa->SendTo(Bytes("ping"), &to).ok());
  w.RunFor(10'000'000);
  CHECK(calls == 1);
  CHECK((seen & kEvIn) != 0);
}

}  // namespace
}  // namespace junction::net
