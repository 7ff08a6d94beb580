// A listener's accept queue overflowing, as Linux with
// tcp_abort_on_overflow = 0: the queue holds backlog + 1, a handshake's
// last ACK (or data) that meets it full is dropped and the request kept,
// and the listener's own SYN-ACK retransmissions (1 s, doubling, 5 of
// them) let the waiting clients in once there is room. A server that
// began accepting 4 s late left clients of a bypass container waiting
// past 40 s while Linux served them all (docs/network.md).
#include <doctest/doctest.h>

#include "net/stack/tcp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::kIpB;
using test::kSimSec;
using test::TwoStacks;

constexpr int kBacklog = 4;

std::vector<std::shared_ptr<TcpSocket>> ConnectAll(TwoStacks& t, int n) {
  std::vector<std::shared_ptr<TcpSocket>> cs;
  for (int i = 0; i < n; ++i) {
    cs.push_back(t.a->NewTcpSocket());
    REQUIRE(cs.back()->Connect({kIpB, 80}).error() == EINPROGRESS);
  }
  t.w.RunFor(kSimSec / 2);
  for (auto& c : cs) REQUIRE(c->state() == TcpState::kEstablished);
  return cs;
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: clients whose handshake met a full accept queue all get in as the server "
                  "accepts one at a time") {
  auto l = test::Listener(b, 80, kBacklog);
  // 15 handshakes complete at once (fewer than the SYN queue's 16: no
  // cookies): backlog + 1 are queued, the other ten ACKs dropped.
  auto cs = ConnectAll(*this, 15);
  CHECK(b->counters().tcp_accept_queue_drops == 10);
  // The server starts late; meanwhile the listener resends its SYN-ACKs
  // to the ten at 1, 3 and 7 s (their answers dropped again).
  w.RunFor(10 * kSimSec - kSimSec / 2);
  CHECK(b->counters().tcp_retransmits == 30);
  CHECK(b->tcp_connections() == 15);
  // One accept whenever the listener is readable: the SYN-ACKs of 15 s and
  // 31 s bring five each.
  std::vector<std::shared_ptr<TcpSocket>> accepted;
  while (accepted.size() < cs.size()) {
    CAPTURE(accepted.size());
    REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }, 30 * kSimSec));
    auto s = l->Accept(nullptr);
    REQUIRE(s.ok());
    accepted.push_back(*s);
  }
  for (auto& s : accepted) CHECK(s->state() == TcpState::kEstablished);
  for (auto& c : cs) {
    CHECK(c->state() == TcpState::kEstablished);
    CHECK(c->TakeError() == 0);
  }
  CHECK(b->counters().tcp_rst_out == 0);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: data meeting a full accept queue is dropped and arrives once accepted") {
  auto l = test::Listener(b, 80, kBacklog);
  auto cs = ConnectAll(*this, kBacklog + 2);
  auto& last = cs.back();  // its ACK was dropped
  uint64_t drops = b->counters().tcp_accept_queue_drops;
  REQUIRE(*last->Send(test::Bytes("GET")) == 3);
  w.RunFor(kSimSec / 10);
  CHECK(b->counters().tcp_accept_queue_drops > drops);  // the data too
  CHECK(last->state() == TcpState::kEstablished);
  CHECK(last->TakeError() == 0);
  std::shared_ptr<TcpSocket> server;
  REQUIRE(w.Run([&] {
    Endpoint peer;
    for (auto s = l->Accept(&peer); s.ok(); s = l->Accept(&peer))
      if (peer == last->local()) server = *s;
    return server && (server->Events() & kEvIn) != 0;
  }, 10 * kSimSec));
  std::byte buf[8];
  CHECK(*server->Recv(buf, 0) == 3);
  CHECK(last->TakeError() == 0);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: a request whose ACK met a full accept queue ends when its 5 SYN-ACK "
                  "retries run out (63 s)") {
  auto l = test::Listener(b, 80, kBacklog);
  ConnectAll(*this, kBacklog + 3);
  w.RunFor(62 * kSimSec);  // past the 30 s of a half-open entry never answered
  CHECK(b->tcp_connections() == kBacklog + 3);
  CHECK(b->counters().tcp_retransmits == 2 * 5);
  w.RunFor(2 * kSimSec);
  CHECK(b->tcp_connections() == kBacklog + 1);  // the queued ones
  CHECK(b->counters().tcp_retransmits == 2 * 5);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: closing the listener ends its waiting requests at their next SYN-ACK") {
  auto l = test::Listener(b, 80, kBacklog);
  ConnectAll(*this, kBacklog + 3);
  l->Close();  // the queued ones reset at once
  CHECK(b->tcp_connections() == 2);
  w.RunFor(kSimSec);
  CHECK(b->tcp_connections() == 0);
  CHECK(b->counters().tcp_retransmits == 0);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: listen backlog 0 queues one connection, a negative one somaxconn (as Linux)") {
  auto l0 = test::Listener(b, 80, 0);
  ConnectAll(*this, 3);
  CHECK(b->counters().tcp_accept_queue_drops == 2);
  l0->Close();  // (its SYN-ACK retries would count more drops)
  auto neg = b->NewTcpSocket();
  REQUIRE(neg->Bind({0, 81}).ok());
  REQUIRE(neg->Listen(-1).ok());
  uint64_t drops = b->counters().tcp_accept_queue_drops;
  std::vector<std::shared_ptr<TcpSocket>> cs;
  for (int i = 0; i < 20; ++i) {
    cs.push_back(a->NewTcpSocket());
    REQUIRE(cs.back()->Connect({kIpB, 81}).error() == EINPROGRESS);
  }
  w.RunFor(kSimSec / 2);
  CHECK(b->counters().tcp_accept_queue_drops == drops);
  int queued = 0;
  for (auto s = neg->Accept(nullptr); s.ok(); s = neg->Accept(nullptr)) queued++;
  CHECK(queued == 20);
}

}  // namespace
}  // namespace junction::net
