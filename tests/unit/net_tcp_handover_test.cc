// Connections that outlive their process (NetStack::HandOverAtExit and
// AdoptHandedOver; docs/network.md "Connections outliving their process").
// Stack `a` plays the exiting process, `b` its peer; at the exit a third
// stack with a's address (the daemon's orphan stack) adopts what a handed
// over, and from then on gets what b sends to a (the switch's steering,
// played by rewriting the destination MAC), while a falls silent.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "net/stack/tcp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::kSimSec;
using test::Pattern;
using test::SimWire;

constexpr Ip4 kA = MakeIp4(10, 99, 0, 2), kB = MakeIp4(10, 99, 0, 3);

struct Exit {
  std::vector<std::byte> records;
  NetStack* orphans = nullptr;  // the daemon's stack for a's address
};

// a's process exits: it hands over, falls silent, and the daemon's stack
// takes over; b's frames for a go to it.
Exit ExitProcess(SimWire& w, NetStack* a) {
  Exit e;
  REQUIRE(a->HandOverAtExit(1000, &e.records));
  a->ForkUnlock();  // (the process would be gone; here its stack just hears nothing it answers)
  MacAddr a_mac = a->mac();
  e.orphans = w.Add(kA);
  MacAddr o_mac = e.orphans->mac();
  w.drop = [](int from, std::span<const std::byte>) { return from == 0; };
  w.edit = [a_mac, o_mac](int from, std::vector<std::byte>& f) {
    if (from == 1 && std::memcmp(f.data(), a_mac.b.data(), 6) == 0)
      std::memcpy(f.data(), o_mac.b.data(), 6);
  };
  if (!e.records.empty()) CHECK(e.orphans->AdoptHandedOver(e.records) >= 0);
  return e;
}

// A client on b connected to a server on a (the process that will exit).
struct Connected {
  explicit Connected(uint64_t seed) : w(seed), a(w.Add(kA)), b(w.Add(kB)) {
    p = test::Connect(w, b, a, 80);
  }
  SimWire w;
  NetStack* a;
  NetStack* b;
  test::TcpPair p;
};

// Reads until end of stream or an error; returns the bytes and the error.
std::pair<std::vector<std::byte>, int> ReadToEnd(SimWire& w, TcpSocket& s, uint64_t limit_ns) {
  std::vector<std::byte> got, buf(65536);
  uint64_t end = w.now + limit_ns;
  while (w.now < end) {
    auto n = s.Recv(buf, 0);
    if (n.ok() && *n == 0) return {got, 0};
    if (n.ok()) {
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
      continue;
    }
    if (n.error() != EAGAIN) return {got, n.error()};
    w.Run([&] { return (s.Events() & (kEvIn | kEvErr | kEvHup)) != 0; }, end - w.now);
  }
  return {got, ETIMEDOUT};
}

// The server on `a` writes `data` and exits without closing; the client on
// `b` must read all of it, then end of stream.
void ServerWritesThenExits(double loss, uint64_t seed, size_t n) {
  Connected t(seed);
  auto& [w, a, b, p] = t;
  w.faults.loss = loss;
  std::vector<std::byte> data = Pattern(n, static_cast<uint32_t>(seed));
  p.server->set_sndbuf(n);
  auto sent = p.server->Send(data);
  REQUIRE(sent.ok());
  REQUIRE(*sent == n);
  Exit e = ExitProcess(w, a);
  CHECK(a->counters().tcp_handed_over == 1);
  CHECK(e.orphans->counters().tcp_adopted == 1);
  auto [got, err] = ReadToEnd(w, *p.client, 600 * kSimSec);
  CHECK(err == 0);
  CHECK(got.size() == n);
  CHECK(got == data);
  // The client closes too: the daemon's copy ends (TIME-WAIT included).
  p.client.reset();
  CHECK(w.Run([&] { return e.orphans->tcp_connections() == 0; }, 200 * kSimSec));
}

TEST_CASE("net tcp handover: TIME-WAIT is forgotten when a new container takes the address") {
  Connected t(14);
  auto& [w, a, b, p] = t;
  REQUIRE(p.server->Send(test::Bytes("done")).ok());
  Exit e = ExitProcess(w, a);
  REQUIRE(ReadToEnd(w, *p.client, 10 * kSimSec).second == 0);
  p.client.reset();
  w.RunFor(kSimSec);  // the FINs crossed: the daemon's copy is in TIME-WAIT (60 s)
  REQUIRE(e.orphans->tcp_connections() == 1);
  e.orphans->ForgetTimeWait();
  CHECK(e.orphans->tcp_connections() == 0);
}

TEST_CASE("net tcp handover: a server writes and exits; the client gets it all and EOF") {
  ServerWritesThenExits(0, 1, 200'000);
}

TEST_CASE("net tcp handover: the same over a lossy wire") {
  for (uint64_t seed : {2, 3, 4, 5}) {
    CAPTURE(seed);
    ServerWritesThenExits(0.03, seed, 300'000);
  }
}

TEST_CASE("net tcp handover: a FIN lost after the exit is sent again") {
  Connected t(7);
  auto& [w, a, b, p] = t;
  REQUIRE(p.server->Send(test::Bytes("response")).ok());
  // The process's last segments (data and FIN) are lost on the way out.
  w.drop = [](int from, std::span<const std::byte>) { return from == 0; };
  Exit e = ExitProcess(w, a);
  auto [got, err] = ReadToEnd(w, *p.client, 60 * kSimSec);
  CHECK(err == 0);
  CHECK(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == "response");
}

TEST_CASE("net tcp handover: a connection closed before the exit (FIN-WAIT-2) is taken with the others") {
  // A lingering close returned once the FIN was acknowledged; then the
  // process exits with that connection and another one still sending.
  Connected t(15);
  auto& [w, a, b, p] = t;
  p.server->Close();
  REQUIRE(w.Run([&] { return p.client->state() == TcpState::kCloseWait; }));
  w.RunFor(kSimSec / 10);  // our FIN is acknowledged: FIN-WAIT-2
  auto other_client = b->NewTcpSocket();
  auto l = test::Listener(a, 81, 4);
  REQUIRE(other_client->Connect({kA, 81}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }));
  auto other = *l->Accept(nullptr);
  REQUIRE(other->Send(test::Bytes("still sending")).ok());
  Exit e = ExitProcess(w, a);
  CHECK(e.orphans->counters().tcp_adopt_refused == 0);
  CHECK(e.orphans->counters().tcp_adopted == 2);
  // The daemon answers the first client's FIN, and finishes the other.
  p.client->Close();
  CHECK(w.Run([&] { return b->tcp_connections() == 1; }, 10 * kSimSec));
  auto [got, err] = ReadToEnd(w, *other_client, 10 * kSimSec);
  CHECK(err == 0);
  CHECK(std::string(reinterpret_cast<const char*>(got.data()), got.size()) == "still sending");
}

TEST_CASE("net tcp handover: unread data at the exit resets the connection, as Linux") {
  Connected t(8);
  auto& [w, a, b, p] = t;
  REQUIRE(p.client->Send(test::Bytes("never read")).ok());
  REQUIRE(w.Run([&] { return p.server->Readable() > 0; }));
  Exit e = ExitProcess(w, a);
  CHECK(e.records.empty());  // nothing left to finish
  auto [got, err] = ReadToEnd(w, *p.client, 10 * kSimSec);
  CHECK(err == ECONNRESET);
}

TEST_CASE("net tcp handover: SO_LINGER with a zero timeout resets at the exit") {
  Connected t(9);
  auto& [w, a, b, p] = t;
  REQUIRE(p.server->Send(test::Bytes("gone")).ok());
  p.server->set_linger(true, 0);
  Exit e = ExitProcess(w, a);
  CHECK(e.records.empty());
  auto [got, err] = ReadToEnd(w, *p.client, 10 * kSimSec);
  CHECK(err == ECONNRESET);
}

TEST_CASE("net tcp handover: data sent to a closed connection after the exit is reset") {
  Connected t(10);
  auto& [w, a, b, p] = t;
  REQUIRE(p.server->Send(test::Bytes("bye")).ok());
  Exit e = ExitProcess(w, a);
  auto [got, err] = ReadToEnd(w, *p.client, 10 * kSimSec);
  REQUIRE(err == 0);
  // The peer is half-closed; it writes anyway (Linux's orphan resets).
  REQUIRE(p.client->Send(test::Bytes("late")).ok());
  CHECK(w.Run([&] { return (p.client->Events() & kEvErr) != 0; }, 10 * kSimSec));
  CHECK(p.client->TakeError() == ECONNRESET);
  CHECK(e.orphans->counters().tcp_abort_on_data == 1);
  CHECK(e.orphans->tcp_connections() == 0);
}

TEST_CASE("net tcp handover: a listener's unaccepted connections are reset") {
  SimWire w(11);
  NetStack* a = w.Add(kA);
  NetStack* b = w.Add(kB);
  auto l = a->NewTcpSocket();
  REQUIRE(l->Bind({0, 80}).ok());
  REQUIRE(l->Listen(4).ok());
  auto c = b->NewTcpSocket();
  REQUIRE(c->Connect({kA, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }));  // in its accept queue
  Exit e = ExitProcess(w, a);
  CHECK(e.records.empty());
  CHECK(w.Run([&] { return (c->Events() & kEvErr) != 0; }, 10 * kSimSec));
  CHECK(c->TakeError() == ECONNRESET);
}

TEST_CASE("net tcp handover: impossible records are refused, never trusted") {
  // Valid records to mutate: a connection with data in flight.
  Connected t(12);
  auto& [w, a, b, p] = t;
  REQUIRE(p.server->Send(Pattern(5000, 1)).ok());
  std::vector<std::byte> good;
  REQUIRE(a->HandOverAtExit(1000, &good));
  a->ForkUnlock();
  REQUIRE(!good.empty());
  SimWire w2(13);
  NetStack* d = w2.Add(kA);
  CHECK(d->AdoptHandedOver(std::span(good).first(good.size() - 1)) == -1);  // truncated
  CHECK(d->AdoptHandedOver({}) == -1);
  std::mt19937 rng(5);
  int refused = 0;
  for (int i = 0; i < 3000; i++) {
    std::vector<std::byte> bad = good;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); k++)
      bad[rng() % bad.size()] = std::byte(rng());
    int r = d->AdoptHandedOver(bad);
    refused += r < 0;
    w2.RunFor(kSimSec / 10);  // whatever it took runs its course
  }
  CHECK(refused > 0);
  // Another address's records are not this stack's.
  NetStack* other = w2.Add(kB);
  CHECK(other->AdoptHandedOver(good) == -1);
}

}  // namespace
}  // namespace junction::net
