// TCP stalls (issue 7): a sender that never resends a segment the peer's
// window cut short, and zero-window probes that keep the backoff of an
// earlier zero window. Two stacks on a simulated wire that drops exactly
// the frames that matter, on simulated time.
#include <doctest/doctest.h>

#include <random>

#include "net/stack/tcp.h"
#include "net/stack/tcp_conn.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::SimWire;

constexpr Ip4 kA = MakeIp4(10, 99, 0, 2), kB = MakeIp4(10, 99, 0, 3);
constexpr uint64_t kSec = 1'000'000'000;
constexpr size_t kRcvBuf = 10000;  // not a multiple of the MSS: the window ends in a runt

// TCP payload bytes of an IPv4 frame on the wire, or -1 if it is not TCP.
long TcpPayload(std::span<const std::byte> f) {
  if (f.size() < kEthHeaderLen + kIp4HeaderLen + kTcpHeaderLen || Load16(&f[12]) != kEthTypeIp4 ||
      f[kEthHeaderLen + 9] != std::byte{kProtoTcp})
    return -1;
  size_t ihl = (std::to_integer<size_t>(f[kEthHeaderLen]) & 0xf) * 4;
  size_t total = Load16(&f[kEthHeaderLen + 2]);
  size_t doff = (std::to_integer<size_t>(f[kEthHeaderLen + ihl + 12]) >> 4) * 4;
  return static_cast<long>(total - ihl - doff);
}

std::vector<std::byte> Pattern(size_t n) {
  std::vector<std::byte> v(n);
  std::mt19937 r(7);
  for (auto& b : v) b = std::byte(r());
  return v;
}

size_t SendSome(TcpSocket& s, const std::vector<std::byte>& data, size_t off) {
  auto n = s.Send(std::span(data).subspan(off));
  return n.ok() ? *n : 0;
}

struct Conn {
  std::shared_ptr<TcpSocket> listener, client, server;
};

// A connection from a to b whose receiver (b) offers a kRcvBuf window.
Conn Open(SimWire& w, NetStack* a, NetStack* b) {
  Conn c;
  c.listener = b->NewTcpSocket();
  c.listener->set_rcvbuf(kRcvBuf);
  REQUIRE(c.listener->Bind({0, 80}).ok());
  REQUIRE(c.listener->Listen(4).ok());
  c.client = a->NewTcpSocket();
  REQUIRE(c.client->Connect({kB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (c.listener->Events() & kEvIn) != 0; }));
  c.server = *c.listener->Accept(nullptr);
  REQUIRE(w.Run([&] { return c.client->state() == TcpState::kEstablished; }));
  return c;
}

// Reads everything the receiver holds.
void Drain(TcpSocket& s, std::vector<std::byte>* got) {
  std::vector<std::byte> buf(65536);
  for (;;) {
    auto n = s.Recv(buf, 0);
    if (!n.ok() || *n == 0) return;
    got->insert(got->end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
  }
}

TEST_CASE("net tcp stall: a lost runt at the window's edge is retransmitted after the RTO") {
  // The receiver waits for a full buffer (MSG_WAITALL-style) before reading.
  // The sender fills the window with full segments, then sends the last
  // 1312 bytes as a runt once those are acknowledged; the runt is lost.
  // Sender silly-window avoidance held the retransmission back (the runt
  // was still "in flight"), so the window never filled and nobody moved.
  SimWire w;
  NetStack* a = w.Add(kA);
  NetStack* b = w.Add(kB);
  Conn c = Open(w, a, b);
  uint32_t mss = c.client->Info().snd_mss;
  REQUIRE(kRcvBuf % mss != 0);
  bool dropped = false;
  w.drop = [&](int from, std::span<const std::byte> f) {
    long len = TcpPayload(f);
    if (from != 0 || dropped || len <= 0 || static_cast<uint32_t>(len) >= mss) return false;
    dropped = true;
    return true;
  };
  auto data = Pattern(50000);
  size_t off = *c.client->Send(data);
  REQUIRE(w.Run([&] { return dropped; }, 10 * kSec));
  CHECK(c.server->Readable() == kRcvBuf / mss * mss);
  // The retransmission timer resends the runt: the buffer fills.
  REQUIRE(w.Run([&] { return c.server->Readable() == kRcvBuf; }, 10 * kSec));
  std::vector<std::byte> got;
  while (got.size() < data.size()) {
    Drain(*c.server, &got);
    if (off < data.size()) off += SendSome(*c.client, data, off);
    REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 10 * kSec));
    if (got.size() + c.server->Readable() == data.size()) Drain(*c.server, &got);
  }
  CHECK(got == data);
}

TEST_CASE("net tcp stall: zero-window probing starts afresh after the window opened") {
  // A long zero window backs the probes off (up to 120 s apart). Once the
  // window opens, the next zero window must be probed from the RTO again:
  // when the reader's window update is lost, the next probe is what
  // restarts the transfer. The backoff used to survive the open window, so
  // a lost window update stalled the sender for up to 120 s.
  SimWire w;
  NetStack* a = w.Add(kA);
  NetStack* b = w.Add(kB);
  Conn c = Open(w, a, b);
  auto data = Pattern(100000);
  size_t off = *c.client->Send(data);
  std::vector<std::byte> got;
  // First zero window: the reader sleeps for two minutes.
  w.RunFor(120 * kSec);
  REQUIRE(c.server->Readable() == kRcvBuf);
  uint64_t probes = a->counters().tcp_out;
  Drain(*c.server, &got);
  // The window opened; the buffer fills again (second zero window).
  REQUIRE(w.Run([&] { return c.server->Readable() == kRcvBuf; }, 10 * kSec));
  CHECK(a->counters().tcp_out > probes);
  w.RunFor(1 * kSec);  // probes meet the closed window
  // The reader drains it; its window update is lost.
  bool lost_update = false;
  w.drop = [&](int from, std::span<const std::byte> f) {
    if (from != 1 || lost_update || TcpPayload(f) != 0) return false;
    lost_update = true;
    return true;
  };
  Drain(*c.server, &got);
  REQUIRE(lost_update);
  w.drop = nullptr;
  // The next probe (within a few RTOs) learns of the open window.
  REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 5 * kSec));
  while (got.size() < data.size()) {
    Drain(*c.server, &got);
    if (off < data.size()) off += SendSome(*c.client, data, off);
    if (got.size() < data.size()) REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 10 * kSec));
  }
  CHECK(got == data);
}

}  // namespace
}  // namespace junction::net
