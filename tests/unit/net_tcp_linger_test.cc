// close() with SO_LINGER {1, N > 0} (TcpSocket::CloseWatching and
// FinUnacked; the socket layer's wait is src/libos/net/inet_socket.cc):
// the closed connection stays watched, FinUnacked holds while our data or
// FIN is unacknowledged (FIN-WAIT-1, CLOSING, LAST-ACK, as Linux's
// sk_stream_closing), and every change that ends it calls the watcher.
// Stack `a` closes, `b` is the peer, on a simulated wire and clock.
#include <doctest/doctest.h>

#include <vector>

#include "net/stack/tcp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::kSimSec;
using test::Pattern;
using test::TwoStacks;

// How often the closer's watcher was called.
struct Watch {
  int calls = 0;
};

std::shared_ptr<Watch> CloseWatched(TcpSocket& s) {
  auto w = std::make_shared<Watch>();
  s.CloseWatching([w] { w->calls++; });
  return w;
}

// Queues as much of `data` as the closer's buffer takes; returns how much.
size_t Fill(TcpSocket& s, const std::vector<std::byte>& data) {
  size_t off = 0;
  while (off < data.size()) {
    auto n = s.Send(std::span(data).subspan(off));
    if (!n.ok()) break;
    off += *n;
  }
  return off;
}

// Reads what `s` holds into `got`; true at end of stream.
bool Drain(TcpSocket& s, std::vector<std::byte>* got) {
  std::vector<std::byte> buf(65536);
  for (;;) {
    auto n = s.Recv(buf, 0);
    if (!n.ok()) return false;
    if (*n == 0) return true;
    got->insert(got->end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
  }
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: the wait ends when the peer acknowledged the data and FIN") {
  // The peer's small buffer holds back what it has not read.
  test::TcpPair p = test::Connect(w, a, b, 80, 4, 16384);
  std::vector<std::byte> data = Pattern(200'000, 5);
  p.client->set_sndbuf(1 << 20);
  size_t queued = Fill(*p.client, data);
  REQUIRE(queued == data.size());
  auto watch = CloseWatched(*p.client);
  CHECK(p.client->FinUnacked());
  // The peer does not read: the wait goes on however long (zero-window
  // probes keep the connection alive).
  w.RunFor(120 * kSimSec);
  CHECK(p.client->FinUnacked());
  CHECK(p.server->state() == TcpState::kEstablished);
  // It reads: the wait ends exactly when all the data and the FIN arrived.
  std::vector<std::byte> got;
  bool eof = false;
  REQUIRE(w.Run([&] {
    if (!eof) eof = Drain(*p.server, &got);
    return !p.client->FinUnacked();
  }));
  // When it ended, the peer held everything: what it had read plus its
  // buffer, then the end of stream.
  CHECK(got.size() + p.server->Readable() == data.size());
  CHECK(p.server->state() == TcpState::kCloseWait);
  CHECK(watch->calls > 0);
  CHECK(p.client->state() == TcpState::kFinWait2);
  REQUIRE(w.Run([&] { return Drain(*p.server, &got); }));
  CHECK(got == data);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: a peer that does not read acknowledges a small write and the FIN at once") {
  test::TcpPair p = test::Connect(w, a, b);
  REQUIRE(p.client->Send(Bytes("hello")).ok());
  auto watch = CloseWatched(*p.client);
  CHECK(p.client->FinUnacked());
  REQUIRE(w.Run([&] { return !p.client->FinUnacked(); }, kSimSec));
  CHECK(watch->calls > 0);
  CHECK(p.server->Readable() == 5);
  // One FIN: once it is acknowledged nothing more goes out but ACKs.
  w.RunFor(kSimSec);
  int fins = 0;
  for (auto& f : w.link(0)->sent) {
    const std::byte* t = test::TcpHeaderIn(f);
    if (t && (std::to_integer<uint8_t>(t[13]) & tcpf::kFin)) fins++;
  }
  CHECK(fins == 1);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: a lost FIN is waited for until its retransmission is acknowledged") {
  test::TcpPair p = test::Connect(w, a, b);
  int fins_dropped = 0;
  w.drop = [&](int from, std::span<const std::byte> f) {
    const std::byte* t = test::TcpHeaderIn(f);
    if (from != 0 || !t || !(std::to_integer<uint8_t>(t[13]) & tcpf::kFin) || fins_dropped >= 2)
      return false;
    fins_dropped++;
    return true;
  };
  auto watch = CloseWatched(*p.client);
  w.RunFor(kSimSec / 10);
  CHECK(p.client->FinUnacked());
  REQUIRE(w.Run([&] { return !p.client->FinUnacked(); }, 30 * kSimSec));
  CHECK(fins_dropped == 2);
  CHECK(watch->calls > 0);
  CHECK(p.server->state() == TcpState::kCloseWait);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: from CLOSE-WAIT, the wait ends when LAST-ACK's FIN is acknowledged") {
  test::TcpPair p = test::Connect(w, a, b);
  p.server->Close();  // the peer closes first
  REQUIRE(w.Run([&] { return p.client->state() == TcpState::kCloseWait; }));
  std::vector<std::byte> got;
  REQUIRE(Drain(*p.client, &got));
  auto watch = CloseWatched(*p.client);
  CHECK(p.client->FinUnacked());  // LAST-ACK
  REQUIRE(w.Run([&] { return watch->calls > 0 && !p.client->FinUnacked(); }, kSimSec));
  CHECK(p.client->state() == TcpState::kClosed);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: a reset or data after the close ends the wait") {
  // The peer resets (it closes with our unread data, as Linux).
  {
    test::TcpPair p = test::Connect(w, a, b, 80, 4, 16384);
    std::vector<std::byte> data = Pattern(100'000, 6);
    Fill(*p.client, data);
    auto watch = CloseWatched(*p.client);
    REQUIRE(w.Run([&] { return p.server->Readable() > 0; }));
    p.server->Close();
    REQUIRE(w.Run([&] { return !p.client->FinUnacked(); }, kSimSec));
    CHECK(watch->calls > 0);
    CHECK(p.client->state() == TcpState::kClosed);
  }
  // The peer sends data after our close: nobody will read it, a reset
  // (Linux's TCPAbortOnData).
  {
    test::TcpPair p = test::Connect(w, a, b, 81, 4, 16384);
    std::vector<std::byte> data = Pattern(100'000, 7);
    Fill(*p.client, data);
    auto watch = CloseWatched(*p.client);
    w.RunFor(kSimSec / 10);
    REQUIRE(p.client->FinUnacked());
    int before = watch->calls;
    REQUIRE(p.server->Send(Bytes("late")).ok());
    REQUIRE(w.Run([&] { return !p.client->FinUnacked(); }, kSimSec));
    CHECK(watch->calls > before);
    CHECK(a->counters().tcp_abort_on_data >= 1);
  }
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: Close after the wait stops watching, and the close finishes in the background") {
  test::TcpPair p = test::Connect(w, a, b, 80, 4, 16384);
  std::vector<std::byte> data = Pattern(150'000, 8);
  p.client->set_sndbuf(1 << 20);
  REQUIRE(Fill(*p.client, data) == data.size());
  auto watch = CloseWatched(*p.client);
  w.RunFor(5 * kSimSec);  // the linger time passes
  REQUIRE(p.client->FinUnacked());
  p.client->Close();
  CHECK(!p.client->FinUnacked());
  int calls = watch->calls;
  // The peer reads later: everything and the end of stream still come.
  std::vector<std::byte> got;
  REQUIRE(w.Run([&] { return Drain(*p.server, &got); }));
  CHECK(got == data);
  CHECK(watch->calls == calls);
  // A second close, and closing a watched socket twice, are harmless.
  p.client->Close();
  p.client->CloseWatching([] {});
  CHECK(!p.client->FinUnacked());
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp linger: nothing to wait for on a listener or an unconnected socket") {
  auto l = test::Listener(b, 90, 4);
  l->CloseWatching([] {});
  CHECK(!l->FinUnacked());
  auto s = a->NewTcpSocket();
  s->CloseWatching([] {});
  CHECK(!s->FinUnacked());
}

}  // namespace
}  // namespace junction::net
