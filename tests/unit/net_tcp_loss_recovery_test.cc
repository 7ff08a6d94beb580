// Loss recovery without the retransmission timer (RFC 6675, 3042, 5827,
// 8985): one lost segment is resent after duplicate ACKs even when they
// carry a changing window (Linux's receiver grows it while it queues
// out-of-order data) and when the flight is too small to earn three of
// them; a lost tail is found by a probe. Each of these losses used to
// wait for the timer (200 ms or more): on a link with 1% loss that was a
// third of net.apps_lossy's container -> host time.
// Two stacks on a simulated wire that drops one chosen segment, on
// simulated time.
#include <doctest/doctest.h>

#include "net/stack/tcp.h"
#include "net/stack/tcp_conn.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Connect;
using test::kSimSec;
using test::Pattern;
using test::SimWire;
using test::TcpHeaderIn;
using test::TcpPair;
using test::TcpPayloadLen;
using test::Transfer;
using test::TwoStacks;
using test::TwoStacksSeeded;

// Watches the sender's (port 0) data segments: drops the first one that
// starts at or after byte `at` of the stream, and notes when it is sent
// again.
struct OneLoss {
  uint32_t at;
  bool started = false, dropped = false;
  uint32_t isn = 0, seq = 0;  // isn: the first data byte's sequence number
  uint64_t dropped_ns = 0, resent_ns = 0;
  bool Drop(SimWire& w, int from, std::span<const std::byte> f) {
    const std::byte* t = TcpHeaderIn(f);
    if (from != 0 || !t || TcpPayloadLen(f) == 0) return false;
    uint32_t s = Load32(t + 4);
    if (!started) {
      started = true;
      isn = s;
    }
    if (dropped) {
      if (s == seq && !resent_ns) resent_ns = w.now;
      return false;
    }
    if (s - isn < at) return false;
    dropped = true;
    seq = s;
    dropped_ns = w.now;
    return true;
  }
};

// Moves `data` from p.client to p.server while `loss` takes one segment:
// all of it arrives, the lost segment resent before the RTO could.
void TransferResentBeforeRto(SimWire& w, const TcpPair& p, OneLoss& loss,
                             const std::vector<std::byte>& data) {
  w.drop = [&](int from, std::span<const std::byte> f) { return loss.Drop(w, from, f); };
  CHECK(Transfer(w, *p.client, *p.server, data) == data);
  REQUIRE(loss.dropped);
  REQUIRE(loss.resent_ns);
  CHECK(loss.resent_ns - loss.dropped_ns < TcpParams::kMinRto);
}

TEST_CASE_FIXTURE(TwoStacksSeeded<3>,
                  "net tcp loss recovery: duplicate ACKs with SACK and a changing window start a fast retransmit") {
  auto p = Connect(w, a, b);
  p.client->set_nodelay(true);
  // The receiver's pure ACKs alternate their window's lowest bit, as a
  // growing window changes it from one ACK to the next.
  int n = 0;
  w.edit = [&](int from, std::vector<std::byte>& f) {
    std::byte* t = TcpHeaderIn(f);
    if (from != 1 || !t || TcpPayloadLen(f) != 0) return;
    Store16(t + 14, static_cast<uint16_t>(Load16(t + 14) ^ (n++ & 1)));
    size_t len = f.size() - static_cast<size_t>(t - f.data());
    Store16(t + 16, 0);
    std::span<const std::byte> seg(t, len);
    Store16(t + 16, ChecksumFinish(ChecksumPartial(
                        seg, PseudoHeaderSum(Load32(&f[kEthHeaderLen + 12]), Load32(&f[kEthHeaderLen + 16]),
                                             kProtoTcp, static_cast<uint16_t>(len)))));
  };
  OneLoss loss{200000};
  TransferResentBeforeRto(w, p, loss, Pattern(600000, 5));
}

TEST_CASE("net tcp loss recovery: a flight of two or three segments recovers its loss without the timer") {
  for (int segs : {2, 3}) {
    CAPTURE(segs);
    TwoStacks net(7);
    auto p = Connect(net.w, net.a, net.b);
    p.client->set_nodelay(true);
    uint32_t mss = p.client->Info().snd_mss;
    // All the data there is (nothing new may follow): the first segment
    // is lost, the others each bring one duplicate ACK.
    OneLoss loss{0};
    TransferResentBeforeRto(net.w, p, loss, Pattern(static_cast<size_t>(segs) * mss, 9));
  }
}

TEST_CASE_FIXTURE(TwoStacksSeeded<9>,
                  "net tcp loss recovery: a lost tail is probed and resent before the retransmission timer") {
  auto p = Connect(w, a, b);
  p.client->set_nodelay(true);
  // An RTT sample first (the probe needs one).
  auto first = Pattern(1000, 1);
  REQUIRE(Transfer(w, *p.client, *p.server, first) == first);
  uint32_t mss = p.client->Info().snd_mss;
  // Ten segments, the last two lost: no duplicate ACK comes for them.
  bool started = false;
  uint32_t isn = 0;
  int dropped = 0;
  uint64_t dropped_ns = 0;
  w.drop = [&](int from, std::span<const std::byte> f) {
    const std::byte* t = TcpHeaderIn(f);
    if (from != 0 || !t || TcpPayloadLen(f) == 0 || dropped == 2) return false;
    uint32_t s = Load32(t + 4);
    if (!started) {
      started = true;
      isn = s;
    }
    if (s - isn < 8 * mss) return false;
    if (!dropped_ns) dropped_ns = w.now;
    dropped++;
    return true;
  };
  auto data = Pattern(10 * mss, 2);
  REQUIRE(*p.client->Send(data) == data.size());
  REQUIRE(w.Run([&] { return p.server->Readable() == data.size(); }, 10 * kSimSec));
  CHECK(dropped == 2);
  CHECK(w.now - dropped_ns < TcpParams::kMinRto);
  CHECK(a->counters().tcp_loss_probes == 1);
}

}  // namespace
}  // namespace junction::net
