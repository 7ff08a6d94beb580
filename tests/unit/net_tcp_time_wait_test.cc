// TIME-WAIT at a server that closes first (HTTP/1.0, `Connection: close`):
// it must neither use up the connection limit nor turn away a client that
// reuses its port. Both stalled a python server under `ab -c 16` in a
// bypass container (every SYN dropped once 4096 connections had closed
// within 60 s; a reused port cost the client a reset and a 1 s SYN timeout).
#include <doctest/doctest.h>

#include "net/stack/tcp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::kIpA;
using test::kIpB;
using test::kSimSec;
using test::SimWire;
using test::TwoStacks;

// One request's connection from `a` to listener `l` on `b`, closed by the
// server first; `port` 0: an ephemeral port. Returns the client's end (the
// server's connection is {kIpB:80, that}: in TIME-WAIT unless its cap
// ended it).
Endpoint ServerClosesFirst(SimWire& w, NetStack* a, TcpSocket& l, uint16_t port) {
  auto c = a->NewTcpSocket();
  if (port) REQUIRE(c->Bind({0, port}).ok());
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l.Events() & kEvIn) != 0; }));
  auto s = l.Accept(nullptr);
  REQUIRE(s.ok());
  REQUIRE(w.Run([&] { return c->state() == TcpState::kEstablished; }));
  Endpoint client = c->local();
  REQUIRE(*(*s)->Send(test::Bytes("200 OK")) == 6);
  (*s)->Close();
  REQUIRE(w.Run([&] { return c->state() == TcpState::kCloseWait; }));
  std::byte buf[8];
  CHECK(*c->Recv(buf, 0) == 6);
  c->Close();
  REQUIRE(w.Run([&] { return !a->HasTcpConnection(client, {kIpB, 80}); }));
  return client;
}

TEST_CASE("net tcp: TIME-WAIT does not count against the connection limit, and has a cap of its own") {
  SimWire w;
  StackConfig cfg;
  cfg.max_tcp_conns = 2;
  cfg.max_time_wait = 3;
  NetStack* a = w.Add(kIpA);
  NetStack* b = w.Add(kIpB, 24, 0, 1500, cfg);
  auto l = test::Listener(b, 80, 4);
  for (int i = 0; i < 8; i++) {
    CAPTURE(i);
    ServerClosesFirst(w, a, *l, 0);
  }
  // Every SYN answered at once: none dropped at the limit and retried.
  CHECK(b->counters().tcp_conn_limit_drops == 0);
  CHECK(a->counters().tcp_retransmits == 0);
  // The cap's worth stays in TIME-WAIT; the rest skipped it.
  CHECK(b->tcp_connections() == 3);
  CHECK(b->counters().tcp_time_wait_overflow == 5);
  // And they still expire.
  w.RunFor(61 * kSimSec);
  CHECK(b->tcp_connections() == 0);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: a client reusing its port ends the server's TIME-WAIT with its SYN") {
  auto l = test::Listener(b, 80, 4);
  Endpoint client = ServerClosesFirst(w, a, *l, 40000);
  CHECK(b->HasTcpConnection({kIpB, 80}, client));  // in TIME-WAIT
  w.RunFor(kSimSec / 10);  // a later SYN: a newer timestamp
  CHECK(ServerClosesFirst(w, a, *l, 40000).port == 40000);
  // No challenge ACK, reset and SYN retransmission on the way.
  CHECK(a->counters().tcp_retransmits == 0);
  CHECK(a->counters().tcp_rst_out == 0);
  CHECK(b->counters().tcp_out_of_window == 0);
  CHECK(b->tcp_connections() == 1);  // the second in TIME-WAIT
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: an old duplicate SYN does not end TIME-WAIT") {
  auto l = test::Listener(b, 80, 4);
  Endpoint client = ServerClosesFirst(w, a, *l, 40000);
  REQUIRE(b->HasTcpConnection({kIpB, 80}, client));
  // The first connection's SYN again (a's first TCP frame with SYN alone):
  // its timestamp is not newer.
  std::vector<std::byte> syn;
  for (auto& f : w.link(0)->sent) {
    constexpr size_t kFlags = 14 + 20 + 13;  // Ethernet, IPv4 without options, TCP flags
    if (f.size() > kFlags && std::to_integer<uint8_t>(f[kFlags]) == tcpf::kSyn) {
      syn = f;
      break;
    }
  }
  REQUIRE(!syn.empty());
  w.Inject(1, syn);
  w.RunFor(kSimSec / 10);
  // Answered by TIME-WAIT with a challenge ACK (whose reset from `a` then
  // ends it, as on Linux), not taken by the listener.
  CHECK(b->counters().tcp_out_of_window == 1);
  CHECK((l->Events() & kEvIn) == 0);
  CHECK(b->counters().tcp_syncookies_sent == 0);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: a retransmitted FIN restarts TIME-WAIT, which then ends 60 s after it") {
  auto l = test::Listener(b, 80, 4);
  Endpoint client = ServerClosesFirst(w, a, *l, 40000);
  REQUIRE(b->HasTcpConnection({kIpB, 80}, client));
  // The client's FIN again, as if the server's last ACK had been lost.
  std::vector<std::byte> fin;
  for (auto& f : w.link(0)->sent) {
    constexpr size_t kFlags = 14 + 20 + 13;
    if (f.size() > kFlags && (std::to_integer<uint8_t>(f[kFlags]) & tcpf::kFin)) fin = f;
  }
  REQUIRE(!fin.empty());
  w.RunFor(30 * kSimSec);
  // The server's ACK to it is lost (else the closed client's reset to
  // that ACK would end TIME-WAIT, as on Linux).
  w.faults.loss = 1;
  w.Inject(1, fin);
  CHECK(b->counters().tcp_out_of_window == 1);
  w.RunFor(35 * kSimSec);  // 65 s after it began: kept for the restart
  CHECK(b->HasTcpConnection({kIpB, 80}, client));
  w.RunFor(30 * kSimSec);  // 65 s after the restart: gone
  CHECK(!b->HasTcpConnection({kIpB, 80}, client));
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: a restarted TIME-WAIT ends at its new deadline, not behind later ones") {
  auto l = test::Listener(b, 80, 4);
  Endpoint first = ServerClosesFirst(w, a, *l, 40000);
  REQUIRE(b->HasTcpConnection({kIpB, 80}, first));
  std::vector<std::byte> fin;
  for (auto& f : w.link(0)->sent) {
    constexpr size_t kFlags = 14 + 20 + 13;
    if (f.size() > kFlags && (std::to_integer<uint8_t>(f[kFlags]) & tcpf::kFin)) fin = f;
  }
  REQUIRE(!fin.empty());
  // 1 s in, the FIN again (the server's ACK to it lost): ends at 61 s.
  w.RunFor(kSimSec);
  w.faults.loss = 1;
  w.Inject(1, fin);
  w.RunFor(kSimSec / 10);
  w.faults.loss = 0;
  // 30 s in, a second connection enters TIME-WAIT: ends at 90 s.
  w.RunFor(29 * kSimSec);
  Endpoint second = ServerClosesFirst(w, a, *l, 40001);
  REQUIRE(b->HasTcpConnection({kIpB, 80}, second));
  w.RunFor(34 * kSimSec);  // 64 s in
  CHECK(!b->HasTcpConnection({kIpB, 80}, first));
  CHECK(b->HasTcpConnection({kIpB, 80}, second));
  w.RunFor(30 * kSimSec);  // 94 s in
  CHECK(!b->HasTcpConnection({kIpB, 80}, second));
}

}  // namespace
}  // namespace junction::net
