// SYN cookies (src/net/stack/syncookie.h, tcp_syncookie.cc): SipHash-2-4
// against its paper's test vector, the cookie and timestamp encodings, and
// two stacks on a simulated wire whose listener's SYN queue is full: cookie
// SYN-ACKs, connections made from valid ACKs (with and without timestamps,
// also from a first data segment), resets for wrong and stale cookies, and
// the counters.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "net/stack/siphash.h"
#include "net/stack/syncookie.h"
#include "net/stack/tcp.h"
#include "net/stack/tcp_options.h"
#include "net_fake_peer.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::InjectFromFakePeer;
using test::IntroduceFakePeer;
using test::kFakePeer;
using test::kIpA;
using test::kIpB;
using test::kSimSec;
using test::ParsedSeg;
using test::SentTo;
using test::SimWire;
using test::TcpFrame;
using test::TwoStacks;

TEST_CASE("net syncookie: SipHash-2-4 matches the paper's test vectors") {
  SipKey key;
  uint8_t k[16];
  for (int i = 0; i < 16; ++i) k[i] = static_cast<uint8_t>(i);
  std::memcpy(key.data(), k, 16);  // little-endian k0, k1
  std::byte msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = std::byte(i);
  CHECK(SipHash24(key, msg) == 0xa129ca6149be45e5ull);
  CHECK(SipHash24(key, std::span(msg, 0)) == 0x726fdb47dd0e0e31ull);
  CHECK(SipHash24(key, std::span(msg, 8)) == 0x93f5f5799a932462ull);
}

TEST_CASE("net syncookie: a cookie carries the MSS for one to two minutes and only for its tuple") {
  SipKey key{0x0123456789abcdefull, 0xfedcba9876543210ull};
  Endpoint l{kIpB, 80}, r{kIpA, 40000};
  uint64_t t = 1000 * kSimSec;
  uint32_t c = SynCookieMake(key, l, r, 777, 1460, t);
  CHECK(SynCookieCheck(key, l, r, 777, c, t) == 1460);
  CHECK(SynCookieCheck(key, l, r, 777, c, t + kSynCookiePeriodNs) == 1460);
  CHECK(SynCookieCheck(key, l, r, 777, c, t + 2 * kSynCookiePeriodNs) == 0);  // stale
  CHECK(SynCookieCheck(key, l, r, 778, c, t) == 0);                           // another ISN
  CHECK(SynCookieCheck(key, l, Endpoint{kIpA, 40001}, 777, c, t) == 0);         // another port
  CHECK(SynCookieCheck(key, l, r, 777, c + 4, t) == 0);
  CHECK(SynCookieCheck(SipKey{1, 2}, l, r, 777, c, t) == 0);                  // another secret
  // The largest table MSS not above the peer's.
  CHECK(SynCookieCheck(key, l, r, 1, SynCookieMake(key, l, r, 1, 1400, t), t) == 1300);
  CHECK(SynCookieCheck(key, l, r, 1, SynCookieMake(key, l, r, 1, 1440, t), t) == 1440);
  CHECK(SynCookieCheck(key, l, r, 1, SynCookieMake(key, l, r, 1, 100, t), t) == 536);
  // Forged cookies pass about 4 in 2^24 times.
  std::mt19937 rnd(3);
  int passed = 0;
  for (int i = 0; i < 100000; ++i) passed += SynCookieCheck(key, l, r, 777, rnd(), t) != 0;
  CHECK(passed < 5);
}

TEST_CASE("net syncookie: the options ride in the timestamp, never ahead of our clock") {
  for (uint32_t now : {0u, 5u, 31u, 32u, 1000u, 0xffffffffu}) {
    for (int ws = -1; ws <= 14; ++ws) {
      for (bool sack : {false, true}) {
        SynCookieOpts o;
        if (ws >= 0) o.wscale = static_cast<uint8_t>(ws);
        o.sack = sack;
        uint32_t ts = SynCookieTsval(now, o);
        CHECK(static_cast<int32_t>(now - ts) >= 0);
        CHECK(now - ts < 32);
        SynCookieOpts back = SynCookieTsDecode(ts);
        CHECK(back.wscale == o.wscale);
        CHECK(back.sack == sack);
      }
    }
  }
}

// --- a listener with a full SYN queue on a simulated wire ---

// 16 SYNs from made-up sources nobody answers for: the listener's SYN
// queue (backlog 1: 16 entries) is full.
void FillSynQueue(SimWire& w, NetStack* b, uint32_t round) {
  for (uint16_t i = 0; i < 16; ++i) {
    Ip4 src = MakeIp4(10, 99, 0, static_cast<uint8_t>(100 + i));
    auto sport = static_cast<uint16_t>(1000 + round * 16 + i);
    w.Inject(1, TcpFrame(src, kIpB, MacAddr{{2, 0, 0, 0, 1, 1}}, b->mac(),
                         {sport, 80, round * 100 + i, 0, tcpf::kSyn}));
  }
}

std::shared_ptr<TcpSocket> FullListener(SimWire& w, NetStack* b) {
  auto l = test::Listener(b, 80, 1);
  FillSynQueue(w, b, 0);
  CHECK(b->counters().tcp_syncookies_sent == 0);
  return l;
}

std::string RecvAll(SimWire& w, TcpSocket& s, size_t n) {
  std::string got;
  char buf[4096];
  while (got.size() < n) {
    if (!w.Run([&] { return s.Readable() > 0; }, 10 * kSimSec)) break;
    auto r = s.Recv(std::as_writable_bytes(std::span(buf)), 0);
    if (!r.ok() || *r == 0) break;
    got.append(buf, *r);
  }
  return got;
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net syncookie: a full SYN queue answers with a cookie; the connection carries data both ways") {
  auto l = FullListener(w, b);
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }, 2 * kSimSec));
  auto st = b->counters();
  CHECK(st.tcp_syncookies_sent == 1);
  CHECK(st.tcp_syncookies_ok == 1);
  CHECK(st.tcp_syncookies_failed == 0);
  CHECK(st.tcp_syn_queue_drops == 0);
  auto s = l->Accept(nullptr);
  REQUIRE(s.ok());
  CHECK(c->state() == TcpState::kEstablished);
  // Timestamps on both ends: window scaling and SACK came back in the echo.
  TcpInfo si = (*s)->Info(), ci = c->Info();
  CHECK(si.ts);
  CHECK(si.sack);
  CHECK(si.wscale);
  CHECK(si.snd_wscale == ci.rcv_wscale);
  CHECK(si.rcv_wscale == ci.snd_wscale);
  CHECK(si.snd_mss == 1460 - 12);
  // A megabyte each way (the scaled windows must agree to move it).
  auto up = test::Pattern(1 << 20, 1), down = test::Pattern(1 << 20, 2);
  CHECK(test::Transfer(w, *c, **s, up) == up);
  CHECK(test::Transfer(w, **s, *c, down) == down);
}

TEST_CASE_FIXTURE(TwoStacks, "net syncookie: without timestamps the cookie keeps the MSS only") {
  auto l = FullListener(w, b);
  IntroduceFakePeer(w, 1, *b);
  // MSS 1400, window scale 7, SACK permitted, no timestamps.
  std::vector<uint8_t> opts = {2, 4, 1400 >> 8, 1400 & 0xff, 1, 3, 3, 7, 4, 2, 1, 1};
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1000, 0, tcpf::kSyn, 65535, opts});
  auto segs = SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == 1);
  ParsedSeg sa = segs[0];
  CHECK(sa.flags == (tcpf::kSyn | tcpf::kAck));
  CHECK(sa.ack == 1001);
  CHECK(!sa.o.wscale);  // nowhere to remember them: not offered
  CHECK(!sa.o.sack_permitted);
  CHECK(!sa.o.has_ts);
  CHECK(b->counters().tcp_syncookies_sent == 1);
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1001, sa.seq + 1, tcpf::kAck, 1000});
  CHECK(b->counters().tcp_syncookies_ok == 1);
  auto s = l->Accept(nullptr);
  REQUIRE(s.ok());
  TcpInfo si = (*s)->Info();
  CHECK(si.state == TcpState::kEstablished);
  CHECK(!si.ts);
  CHECK(!si.sack);
  CHECK(!si.wscale);
  CHECK(si.snd_mss == 1300);
  CHECK(si.snd_wnd == 1000);  // unscaled
  // Data from the server goes out with the cookie's sequence numbers.
  REQUIRE((*s)->Send(Bytes("hi")).ok());
  segs = SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == 2);
  CHECK(segs[1].seq == sa.seq + 1);
  CHECK(segs[1].ack == 1001);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net syncookie: wrong and stale cookies are reset and counted; without recent overflow, plain resets") {
  auto l = test::Listener(b, 80, 1);
  IntroduceFakePeer(w, 1, *b);
  // No cookies sent yet: an unknown ACK is reset without looking for one.
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1001, 4242, tcpf::kAck});
  CHECK(b->counters().tcp_rst_out == 1);
  CHECK(b->counters().tcp_syncookies_failed == 0);
  FillSynQueue(w, b, 0);
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1000, 0, tcpf::kSyn});
  auto segs = SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == 2);
  uint32_t cookie = segs[1].seq;
  // Wrong: another acknowledgement number (not one of the 3 above it,
  // which are the same hash with another MSS), or another ISN.
  uint32_t wrong = cookie + 0x10000;
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1001, wrong, tcpf::kAck});
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1002, cookie + 1, tcpf::kAck});
  auto st = b->counters();
  CHECK(st.tcp_syncookies_failed == 2);
  CHECK(st.tcp_syncookies_ok == 0);
  CHECK(st.tcp_rst_out == 3);
  segs = SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == 4);
  CHECK(segs[2].flags == tcpf::kRst);
  CHECK(segs[2].seq == wrong);  // the reset carries the ACK's acknowledgement number
  // Stale: the right cookie two minutes later (the queue overflowed again
  // meanwhile, so cookies are still checked).
  w.RunFor(kSynCookieValidNs - 10 * kSimSec);
  FillSynQueue(w, b, 1);
  FillSynQueue(w, b, 2);
  w.RunFor(20 * kSimSec);
  InjectFromFakePeer(w, 1, *b, {5555, 80, 1001, cookie + 1, tcpf::kAck});
  CHECK(b->counters().tcp_syncookies_failed == 3);
  CHECK(!l->Accept(nullptr).ok());
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net syncookie: the first data segment completes the handshake when the last ACK was lost") {
  auto l = FullListener(w, b);
  bool dropped = false;
  w.drop = [&](int from, std::span<const std::byte> f) {
    // The client's first pure ACK (the handshake's last segment).
    const std::byte* t = test::TcpHeaderIn(f);
    if (dropped || from != 0 || !t || t[13] != std::byte{tcpf::kAck} || test::TcpPayloadLen(f) != 0)
      return false;
    return dropped = true;
  };
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return c->state() == TcpState::kEstablished; }, 2 * kSimSec));
  w.RunFor(kSimSec / 10);
  CHECK(dropped);
  CHECK(!l->Accept(nullptr).ok());
  REQUIRE(c->Send(Bytes("first words")).ok());
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }, 2 * kSimSec));
  auto s = l->Accept(nullptr);
  REQUIRE(s.ok());
  CHECK(RecvAll(w, **s, 11) == "first words");
  REQUIRE((*s)->Send(Bytes("reply")).ok());
  CHECK(RecvAll(w, *c, 5) == "reply");
  CHECK(b->counters().tcp_syncookies_ok == 1);
  CHECK(b->counters().tcp_syncookies_failed == 0);
}

TEST_CASE_FIXTURE(TwoStacks, "net syncookie: a flood of 1000 SYNs delays no real client") {
  auto l = test::Listener(b, 80, 16);
  for (uint32_t round = 0; round < 63; ++round) FillSynQueue(w, b, round);
  CHECK(b->counters().tcp_syncookies_sent == 63 * 16 - 16);
  CHECK(b->counters().tcp_syn_queue_drops == 0);
  // At once, not after the half-open entries expire (30 s).
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }, kSimSec));
  auto s = l->Accept(nullptr);
  REQUIRE(s.ok());
  REQUIRE(c->Send(Bytes("ping")).ok());
  CHECK(RecvAll(w, **s, 4) == "ping");
}

}  // namespace
}  // namespace junction::net
