// TCP stalls (issue 7), each found by a randomized simulation: a sender
// that never resends a segment the peer's window cut short, zero-window
// probes that keep the backoff of an earlier zero window, full segments
// that grew over the MTU with SACK blocks, and two rewound senders trading
// unacceptable ACKs. Two stacks on a simulated wire that drops exactly the
// frames that matter, on simulated time.
#include <doctest/doctest.h>

#include "net/stack/tcp.h"
#include "net/stack/tcp_conn.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::kSimSec;
using test::Pattern;
using test::SimWire;
using test::TcpPair;
using test::TwoStacks;

constexpr size_t kRcvBuf = 10000;  // not a multiple of the MSS: the window ends in a runt

size_t SendSome(TcpSocket& s, const std::vector<std::byte>& data, size_t off) {
  auto n = s.Send(std::span(data).subspan(off));
  return n.ok() ? *n : 0;
}

// A connection from a to b whose receiver (b) offers a kRcvBuf window.
TcpPair Open(SimWire& w, NetStack* a, NetStack* b) {
  return test::Connect(w, a, b, 80, 4, kRcvBuf);
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

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp stall: a lost runt at the window's edge is retransmitted after the RTO") {
  // The receiver waits for a full buffer (MSG_WAITALL-style) before reading.
  // The sender fills the window with full segments, then sends the last
  // 1312 bytes as a runt once those are acknowledged; the runt is lost.
  // Sender silly-window avoidance held the retransmission back (the runt
  // was still "in flight"), so the window never filled and nobody moved.
  TcpPair c = Open(w, a, b);
  uint32_t mss = c.client->Info().snd_mss;
  REQUIRE(kRcvBuf % mss != 0);
  bool dropped = false;
  w.drop = [&](int from, std::span<const std::byte> f) {
    long len = test::TcpPayloadLen(f);
    if (from != 0 || dropped || len <= 0 || static_cast<uint32_t>(len) >= mss) return false;
    dropped = true;
    return true;
  };
  auto data = Pattern(50000, 7);
  size_t off = *c.client->Send(data);
  REQUIRE(w.Run([&] { return dropped; }, 10 * kSimSec));
  CHECK(c.server->Readable() == kRcvBuf / mss * mss);
  // The retransmission timer resends the runt: the buffer fills.
  REQUIRE(w.Run([&] { return c.server->Readable() == kRcvBuf; }, 10 * kSimSec));
  std::vector<std::byte> got;
  while (got.size() < data.size()) {
    Drain(*c.server, &got);
    if (off < data.size()) off += SendSome(*c.client, data, off);
    REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 10 * kSimSec));
    if (got.size() + c.server->Readable() == data.size()) Drain(*c.server, &got);
  }
  CHECK(got == data);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp stall: zero-window probing starts afresh after the window opened") {
  // A long zero window backs the probes off (up to 120 s apart). Once the
  // window opens, the next zero window must be probed from the RTO again:
  // when the reader's window update is lost, the next probe is what
  // restarts the transfer. The backoff used to survive the open window, so
  // a lost window update stalled the sender for up to 120 s.
  TcpPair c = Open(w, a, b);
  auto data = Pattern(100000, 7);
  size_t off = *c.client->Send(data);
  std::vector<std::byte> got;
  // First zero window: the reader sleeps for two minutes.
  w.RunFor(120 * kSimSec);
  REQUIRE(c.server->Readable() == kRcvBuf);
  uint64_t probes = a->counters().tcp_out;
  Drain(*c.server, &got);
  // The window opened; the buffer fills again (second zero window).
  REQUIRE(w.Run([&] { return c.server->Readable() == kRcvBuf; }, 10 * kSimSec));
  CHECK(a->counters().tcp_out > probes);
  w.RunFor(1 * kSimSec);  // probes meet the closed window
  // The reader drains it; its window update is lost.
  bool lost_update = false;
  w.drop = [&](int from, std::span<const std::byte> f) {
    if (from != 1 || lost_update || test::TcpPayloadLen(f) != 0) return false;
    lost_update = true;
    return true;
  };
  Drain(*c.server, &got);
  REQUIRE(lost_update);
  w.drop = nullptr;
  // The next probe (within a few RTOs) learns of the open window.
  REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 5 * kSimSec));
  while (got.size() < data.size()) {
    Drain(*c.server, &got);
    if (off < data.size()) off += SendSome(*c.client, data, off);
    if (got.size() < data.size()) REQUIRE(w.Run([&] { return c.server->Readable() > 0; }, 10 * kSimSec));
  }
  CHECK(got == data);
}

// Both ends send three full segments at once. `lose_data`: the first of
// each is lost. `lose_acks`: every pure ACK is lost until both ends have
// retransmitted.
struct CrossedLoss : TwoStacks {
  TcpPair c = Open(w, a, b);
  std::vector<std::byte> data = Pattern(3 * c.client->Info().snd_mss, 7);
  bool lost[2] = {false, false}, resent[2] = {false, false};
  uint32_t sent_end[2] = {0, 0};
  int acks_lost = 0;  // so that a test can check its loss happened

  CrossedLoss(bool lose_data, bool lose_acks) {
    w.drop = [this, lose_data, lose_acks](int from, std::span<const std::byte> f) {
      long len = test::TcpPayloadLen(f);
      if (len > 0) {
        uint32_t seq = Load32(test::TcpHeaderIn(f) + 4);
        if (sent_end[from] != 0 && SeqLt(seq, sent_end[from])) resent[from] = true;
        else sent_end[from] = seq + static_cast<uint32_t>(len);
        if (lose_data && !lost[from]) return lost[from] = true;
      }
      bool drop_ack = lose_acks && len == 0 && !(resent[0] && resent[1]);
      acks_lost += drop_ack;
      return drop_ack;
    };
    REQUIRE(*c.client->Send(data) == data.size());
    REQUIRE(*c.server->Send(data) == data.size());
  }
  // Both ends got all of it and know it arrived; false if that takes a
  // minute or 10,000 segments.
  bool Done() {
    auto storm = [&] { return a->counters().tcp_out + b->counters().tcp_out >= 10000; };
    bool done = w.Run([&] {
      return storm() || (c.client->Readable() == data.size() && c.server->Readable() == data.size() &&
                         c.client->Info().unacked == 0 && c.server->Info().unacked == 0);
    }, 60 * kSimSec);
    return done && !storm();
  }
};

TEST_CASE("net tcp stall: a full segment carrying SACK blocks still fits the MTU") {
  // Each end holds the other's later segments out of order, so everything
  // it sends reports SACK blocks. A full-size retransmission with them was
  // 12 bytes over the MTU, refused by IPv4 (DF) on every try: both ends
  // waited for each other until their retries ran out.
  CrossedLoss x(true, false);
  REQUIRE(x.Done());
  // The loss happened, and both ends recovered by retransmitting.
  CHECK(x.lost[0]);
  CHECK(x.lost[1]);
  CHECK(x.resent[0]);
  CHECK(x.resent[1]);
  for (int i = 0; i < 2; ++i)
    for (auto& f : x.w.link(i)->sent) CHECK(f.size() <= kEthHeaderLen + 1500);
  std::vector<std::byte> got;
  Drain(*x.c.server, &got);
  CHECK(got == x.data);
  got.clear();
  Drain(*x.c.client, &got);
  CHECK(got == x.data);
}

TEST_CASE("net tcp stall: ACKs after a timeout carry the highest sequence number sent") {
  // Both ends' data arrived but every ACK was lost: both time out and
  // rewind snd_nxt. An ACK sent with the rewound snd_nxt lies below the
  // peer's rcv_nxt, which the peer refuses and answers with its own such
  // ACK: the two traded ACKs as fast as the wire allowed and never moved.
  CrossedLoss x(false, true);
  REQUIRE(x.Done());
  // ACKs were lost until both ends had timed out and retransmitted.
  CHECK(x.acks_lost > 0);
  CHECK(x.resent[0]);
  CHECK(x.resent[1]);
  std::vector<std::byte> got;
  Drain(*x.c.client, &got);
  CHECK(got == x.data);
}

}  // namespace
}  // namespace junction::net
