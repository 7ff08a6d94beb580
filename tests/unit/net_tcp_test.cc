// TCP in the LibOS network stack: two stacks over a simulated wire that can
// lose, duplicate, reorder and corrupt frames, on simulated time. Covers the
// handshake and close variants of RFC 9293 (simultaneous open and close,
// TIME-WAIT), resets, retransmission, congestion recovery, zero windows,
// keepalive, Nagle, backlog and connection limits, options, and loopback.
#include <doctest/doctest.h>

#include <random>

#include "net/stack/tcp.h"
#include "net/stack/tcp_conn.h"
#include "net_fake_peer.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::Connect;
using test::kFakePeer;
using test::kIpA;
using test::kIpB;
using test::kSimSec;
using test::Pattern;
using test::SimWire;
using test::Transfer;
using test::TwoStacks;
using test::TwoStacksSeeded;
using Pair = test::TcpPair;

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: handshake, options, data both ways, graceful close through TIME-WAIT") {
  Pair p = Connect(w, a, b);
  TcpInfo ci = p.client->Info();
  CHECK(ci.ts);
  CHECK(ci.sack);
  CHECK(ci.wscale);
  CHECK(ci.snd_mss == 1460 - 12);
  CHECK(p.client->peer()->port == 80);
  CHECK(p.server->peer()->ip == kIpA);
  CHECK(p.server->local().ip == kIpB);
  REQUIRE(*p.client->Send(Bytes("GET /")) == 5);
  REQUIRE(w.Run([&] { return p.server->Readable() == 5; }));
  std::byte buf[16];
  CHECK(*p.server->Recv(buf, kMsgPeek) == 5);
  CHECK(p.server->Readable() == 5);
  CHECK(*p.server->Recv(buf, 0) == 5);
  CHECK(p.server->Recv(buf, 0).error() == EAGAIN);
  REQUIRE(*p.server->Send(Bytes("200 OK")) == 6);
  REQUIRE(w.Run([&] { return p.client->Readable() == 6; }));
  CHECK(*p.client->Recv(buf, 0) == 6);
  // The client closes first: FIN_WAIT_1 -> FIN_WAIT_2, server CLOSE_WAIT.
  REQUIRE(p.client->Shutdown(false, true).ok());
  REQUIRE(w.Run([&] { return p.client->state() == TcpState::kFinWait2; }));
  CHECK(p.server->state() == TcpState::kCloseWait);
  CHECK(*p.server->Recv(buf, 0) == 0);  // end of stream
  CHECK((p.server->Events() & kEvRdHup) != 0);
  CHECK(p.client->Send(Bytes("x")).error() == EPIPE);
  // The server can still send after the client's FIN.
  REQUIRE(*p.server->Send(Bytes("bye")) == 3);
  REQUIRE(w.Run([&] { return p.client->Readable() == 3; }));
  p.server->Close();
  REQUIRE(w.Run([&] { return p.client->state() == TcpState::kTimeWait; }));
  CHECK(b->counters().tcp_rst_out == 0);
  CHECK(*p.client->Recv(buf, 0) == 3);
  CHECK(*p.client->Recv(buf, 0) == 0);
  // TIME-WAIT lasts 2 MSL (60 s) and then the connection is gone.
  w.RunFor(59 * kSimSec);
  CHECK(p.client->state() == TcpState::kTimeWait);
  w.RunFor(2 * kSimSec);
  CHECK(p.client->state() == TcpState::kClosed);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: connecting to a port nobody listens on is refused with a reset") {
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 81}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (c->Events() & kEvErr) != 0; }));
  CHECK(c->TakeError() == ECONNREFUSED);
  CHECK(c->state() == TcpState::kClosed);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: a lost SYN is retransmitted after the initial RTO") {
  // Resolve ARP first, then lose everything for a while.
  auto l = test::Listener(b, 80, 4);
  test::ResolveArp(w, a, kIpB);
  w.faults.loss = 1;
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  w.RunFor(kSimSec + kSimSec / 2);  // first retransmission lost too (at 1 s)
  w.faults.loss = 0;
  REQUIRE(w.Run([&] { return c->state() == TcpState::kEstablished; }, 10 * kSimSec));
  CHECK(a->counters().tcp_retransmits == 2);  // at 1 s and 3 s
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: an unanswered connect times out with ETIMEDOUT") {
  w.faults.loss = 1;
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (c->Events() & kEvErr) != 0; }, 400 * kSimSec));
  CHECK(c->TakeError() == ETIMEDOUT);
}

TEST_CASE("net tcp: bulk transfer over a lossy, duplicating, reordering wire arrives intact") {
  for (uint64_t seed : {11u, 12u}) {
    CAPTURE(seed);
    TwoStacks net(seed);
    Pair p = Connect(net.w, net.a, net.b);
    net.w.faults = {0.02, 0.01, 0.05, 0.005};
    auto up = Pattern(2 << 20, 1);
    auto got = Transfer(net.w, *p.client, *p.server, up);
    REQUIRE(got.size() == up.size());
    CHECK(got == up);
    auto down = Pattern(1 << 20, 2);
    got = Transfer(net.w, *p.server, *p.client, down);
    REQUIRE(got.size() == down.size());
    CHECK(got == down);
    auto ca = net.a->counters(), cb = net.b->counters();
    CHECK(ca.tcp_retransmits > 0);
    CHECK(cb.tcp_retransmits > 0);
    // Corruption caught.
    CHECK(ca.tcp_bad + cb.tcp_bad + ca.ip_bad_checksum + cb.ip_bad_checksum > 0);
    net.w.faults = {};
    p.client->Close();
    p.server->Close();
    REQUIRE(net.w.Run([&] {
      return net.a->counters().tcp_rst_out + net.b->counters().tcp_rst_out > 0 ||
             p.listener->Events() == 0;
    }));
  }
}

TEST_CASE_FIXTURE(TwoStacksSeeded<5>,
                  "net tcp: fast retransmit recovers a single loss without waiting for the RTO") {
  Pair p = Connect(w, a, b);
  p.client->set_nodelay(true);
  auto data = Pattern(200000, 3);
  uint64_t t0 = w.now;
  auto got = Transfer(w, *p.client, *p.server, data);
  CHECK(got.size() == data.size());
  CHECK(got == data);
  CHECK(w.now - t0 < 100 * kSimSec);
  // Now with one loss injected into a steady stream.
  TwoStacks lossy(6);
  Pair q = Connect(lossy.w, lossy.a, lossy.b);
  lossy.w.faults.loss = 0.01;
  auto more = Pattern(1 << 20, 4);
  got = Transfer(lossy.w, *q.client, *q.server, more);
  CHECK(got == more);
  TcpInfo info = q.client->Info();
  CHECK(info.total_retrans > 0);
  CHECK(info.rtt_us > 0);
  CHECK(info.rto_us >= 200000);
}

TEST_CASE("net tcp: TCP_CONGESTION selects CUBIC (default) or NewReno; both recover from loss") {
  for (const char* algo : {"cubic", "reno"}) {
    CAPTURE(algo);
    TwoStacks net(11);
    auto l = net.b->NewTcpSocket();
    CHECK(l->congestion() == "cubic");
    CHECK_FALSE(l->set_congestion("bbr"));
    REQUIRE(l->set_congestion(algo));
    REQUIRE(l->Bind({0, 80}).ok());
    REQUIRE(l->Listen(4).ok());
    auto c = net.a->NewTcpSocket();
    REQUIRE(c->set_congestion(algo));
    REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
    REQUIRE(net.w.Run([&] { return (l->Events() & kEvIn) != 0; }));
    Endpoint peer;
    auto srv = l->Accept(&peer);
    REQUIRE(srv.ok());
    CHECK((*srv)->congestion() == algo);  // inherited from the listener, as on Linux
    net.w.faults.loss = 0.01;
    auto data = Pattern(1 << 20, 9);
    auto got = Transfer(net.w, *c, **srv, data);
    CHECK(got == data);
    TcpInfo info = c->Info();
    CHECK(info.total_retrans > 0);
    CHECK(info.snd_ssthresh < 0x7fffffff);  // a congestion event set it
  }
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: simultaneous open reaches ESTABLISHED on both sides") {
  auto x = a->NewTcpSocket(), y = b->NewTcpSocket();
  REQUIRE(x->Bind({0, 5001}).ok());
  REQUIRE(y->Bind({0, 5002}).ok());
  // Pre-resolve ARP so the SYNs cross on the wire.
  test::ResolveArp(w, a, kIpB);
  REQUIRE(x->Connect({kIpB, 5002}).error() == EINPROGRESS);
  REQUIRE(y->Connect({kIpA, 5001}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return x->state() == TcpState::kEstablished &&
                            y->state() == TcpState::kEstablished; }));
  REQUIRE(*x->Send(Bytes("hi")) == 2);
  REQUIRE(w.Run([&] { return y->Readable() == 2; }));
  // Simultaneous close: both FINs cross, CLOSING, then TIME-WAIT on both.
  REQUIRE(x->Shutdown(false, true).ok());
  REQUIRE(y->Shutdown(false, true).ok());
  REQUIRE(w.Run([&] { return x->state() == TcpState::kTimeWait &&
                            y->state() == TcpState::kTimeWait; }));
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: abortive close and close with unread data reset the peer") {
  Pair p = Connect(w, a, b);
  p.client->set_linger(true, 0);
  p.client->Close();
  REQUIRE(w.Run([&] { return (p.server->Events() & kEvErr) != 0; }));
  std::byte buf[8];
  CHECK(p.server->Recv(buf, 0).error() == ECONNRESET);
  CHECK(p.server->Send(Bytes("x")).error() == EPIPE);
  CHECK((p.server->Events() & kEvHup) != 0);
  // Unread data at close: RST instead of FIN.
  Pair q = Connect(w, a, b, 81);
  REQUIRE(q.client->Send(Bytes("unread")).ok());
  REQUIRE(w.Run([&] { return q.server->Readable() == 6; }));
  uint64_t rst = b->counters().tcp_rst_out;
  q.server->Close();
  REQUIRE(w.Run([&] { return q.client->state() == TcpState::kClosed; }));
  CHECK(b->counters().tcp_rst_out == rst + 1);
  CHECK(q.client->TakeError() == ECONNRESET);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: a zero window is probed until the reader makes room") {
  Pair p = Connect(w, a, b, 80, 4, 16384);
  auto c = p.client, s = p.server;
  auto data = Pattern(100000, 9);
  size_t off = *c->Send(data);
  w.RunFor(30 * kSimSec);  // the reader sleeps: window closes, probes go out
  CHECK(s->Readable() <= 16384);
  CHECK(s->Readable() > 8000);
  uint64_t tx_before = a->counters().tcp_out;
  w.RunFor(30 * kSimSec);
  CHECK(a->counters().tcp_out > tx_before);  // persist probes keep going
  CHECK(c->state() == TcpState::kEstablished);
  std::vector<std::byte> got;
  std::vector<std::byte> buf(4096);
  while (got.size() < data.size()) {
    if (off < data.size()) {
      auto n = c->Send(std::span(data).subspan(off));
      if (n.ok()) off += *n;
    }
    auto n = s->Recv(buf, 0);
    if (n.ok()) got.insert(got.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(*n));
    else w.Run([&] { return s->Readable() > 0; }, 10 * kSimSec);
  }
  CHECK(got == data);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: a probe carrying data at a zero window is answered with an ACK, its byte not taken") {
  // Stacks that probe a zero window with a byte of new data (BSD, Windows)
  // learn that the window opened only from the ACK: RFC 9293 3.10.7.4 and
  // Linux answer an unacceptable segment with one. Dropping it silently
  // left such a sender backing off its probes while the window stayed shut.
  auto l = test::Listener(b, 80, 4, 8192);
  test::IntroduceFakePeer(w, 1, *b);
  auto in = [&](const test::Seg& s) { test::InjectFromFakePeer(w, 1, *b, s); };
  in({5555, 80, 1000, 0, tcpf::kSyn, 65535, {2, 4, 1460 >> 8, 1460 & 0xff}});  // MSS only
  auto segs = test::SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == 1);
  uint32_t iss = segs[0].seq;
  uint16_t wnd = segs[0].wnd;
  in({5555, 80, 1001, iss + 1, tcpf::kAck});
  auto s = l->Accept(nullptr);
  REQUIRE(s.ok());
  // Fill the window the receiver offers; the application does not read.
  uint32_t seq = 1001;
  size_t sent = 0;
  for (int i = 0; i < 100 && wnd > 0; i++) {
    size_t n = std::min<size_t>(wnd, 1000);
    in({5555, 80, seq, iss + 1, tcpf::kAck | tcpf::kPsh, 65535, {}, std::string(n, 'x')});
    seq += static_cast<uint32_t>(n);
    sent += n;
    w.RunFor(kSimSec);  // past any delayed ACK
    segs = test::SentTo(w, 1, kFakePeer);
    REQUIRE(segs.back().ack == seq);
    wnd = segs.back().wnd;
  }
  REQUIRE(wnd == 0);
  REQUIRE((*s)->Readable() == sent);
  size_t before = test::SentTo(w, 1, kFakePeer).size();
  in({5555, 80, seq, iss + 1, tcpf::kAck, 65535, {}, "p"});  // the probe
  segs = test::SentTo(w, 1, kFakePeer);
  REQUIRE(segs.size() == before + 1);
  CHECK(segs.back().ack == seq);  // the probe's byte was not taken
  CHECK(segs.back().wnd == 0);
  CHECK(segs.back().len == 0);
  CHECK((*s)->Readable() == sent);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: keepalive detects a peer that vanished") {
  Pair p = Connect(w, a, b);
  p.client->set_keepalive(true, 10, 2, 3);
  w.RunFor(30 * kSimSec);
  CHECK(p.client->state() == TcpState::kEstablished);  // the peer answers probes
  w.faults.loss = 1;
  REQUIRE(w.Run([&] { return (p.client->Events() & kEvErr) != 0; }, 60 * kSimSec));
  CHECK(p.client->TakeError() == ETIMEDOUT);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: Nagle holds a small segment while data is unacknowledged; TCP_NODELAY does not") {
  Pair p = Connect(w, a, b);
  uint64_t out = a->counters().tcp_out;
  REQUIRE(p.client->Send(Bytes("a")).ok());
  REQUIRE(p.client->Send(Bytes("b")).ok());
  CHECK(a->counters().tcp_out == out + 1);  // "b" waits for the ACK of "a"
  REQUIRE(w.Run([&] { return p.server->Readable() == 2; }));
  // The server's delayed ACK: the ACK for "a" came only after 40 ms.
  p.client->set_nodelay(true);
  out = a->counters().tcp_out;
  REQUIRE(p.client->Send(Bytes("c")).ok());
  REQUIRE(p.client->Send(Bytes("d")).ok());
  CHECK(a->counters().tcp_out == out + 2);
}

TEST_CASE_FIXTURE(TwoStacks, "net tcp: delayed ACK waits 40 ms for a single segment, not for two") {
  Pair p = Connect(w, a, b);
  p.client->set_nodelay(true);
  uint64_t acks = b->counters().tcp_out;
  REQUIRE(p.client->Send(Bytes("one")).ok());
  w.RunFor(20'000'000);
  CHECK(b->counters().tcp_out == acks);
  w.RunFor(30'000'000);
  CHECK(b->counters().tcp_out == acks + 1);
  auto two = Pattern(2 * 1448, 1);
  REQUIRE(p.client->Send(two).ok());
  w.RunFor(1'000'000);
  CHECK(b->counters().tcp_out == acks + 2);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: a batch of in-order segments draws one ACK, which opens cwnd by all it covers") {
  Pair p = Connect(w, a, b);
  // The client's data frames, held off the wire and handed to the server
  // by hand: ten full segments (the initial window).
  std::vector<std::vector<std::byte>> held;
  w.drop = [&](int from, std::span<const std::byte> f) {
    if (from != 0 || f.size() < 1000) return false;
    held.emplace_back(f.begin(), f.end());
    return true;
  };
  auto send_window = [&] {
    held.clear();
    REQUIRE(p.client->Send(Pattern(10 * 1448, 4)).ok());
    REQUIRE(held.size() == 10);
  };
  send_window();
  uint32_t cwnd = p.client->Info().snd_cwnd;
  uint64_t acks = b->counters().tcp_out;
  std::vector<std::span<const std::byte>> batch(held.begin(), held.end());
  b->InputBatch(batch);
  CHECK(b->counters().tcp_out == acks + 1);
  CHECK(p.server->Readable() == 10 * 1448);
  w.RunFor(1'000'000);  // the ACK reaches the client: slow start by ten segments
  CHECK(p.client->Info().snd_cwnd == cwnd + 10);
  CHECK(p.client->Unsent() == 0);
  // One frame at a time: every second segment is acknowledged.
  std::vector<std::byte> sink(20 * 1448);
  REQUIRE(p.server->Recv(sink, 0).ok());
  w.RunFor(1'000'000);
  send_window();
  acks = b->counters().tcp_out;
  for (auto& f : held) b->Input(f);
  CHECK(b->counters().tcp_out == acks + 5);
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: the accept queue is bounded by the backlog; waiting clients get in later") {
  auto l = test::Listener(b, 80, 2);
  std::vector<std::shared_ptr<TcpSocket>> cs;
  for (int i = 0; i < 5; ++i) {
    cs.push_back(a->NewTcpSocket());
    REQUIRE(cs.back()->Connect({kIpB, 80}).error() == EINPROGRESS);
  }
  w.RunFor(kSimSec / 2);
  CHECK(b->counters().tcp_accept_queue_drops > 0);
  std::vector<std::shared_ptr<TcpSocket>> accepted;
  REQUIRE(w.Run([&] {
    for (auto s = l->Accept(nullptr); s.ok(); s = l->Accept(nullptr)) accepted.push_back(*s);
    return accepted.size() == 5;
  }, 60 * kSimSec));
  for (auto& c : cs) CHECK(c->state() == TcpState::kEstablished);
}

TEST_CASE("net tcp: without SYN cookies a SYN flood fills only the SYN queue; real clients connect later") {
  SimWire w;
  NetStack* a = w.Add(kIpA);
  StackConfig no_cookies;
  no_cookies.tcp_syncookies = false;
  NetStack* b = w.Add(kIpB, 24, 0, 1500, no_cookies);
  auto l = test::Listener(b, 80, 16);
  // 1000 SYNs from spoofed sources nobody answers for.
  for (int i = 0; i < 1000; ++i) {
    Ip4 src = MakeIp4(10, 99, 0, static_cast<uint8_t>(100 + i % 100));
    auto sport = static_cast<uint16_t>(1000 + i);
    test::Seg syn{sport, 80, static_cast<uint32_t>(i), 0, tcpf::kSyn, 1000};
    w.Inject(1, test::TcpFrame(src, kIpB, MacAddr{{2, 0, 0, 0, 0, 0}}, b->mac(), syn));
  }
  CHECK(b->counters().tcp_syn_queue_drops == 1000 - 16);
  // Half-open entries expire (30 s) and the listener serves real clients.
  w.RunFor(40 * kSimSec);
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }, 10 * kSimSec));
  CHECK(l->Accept(nullptr).ok());
  CHECK(c->state() == TcpState::kEstablished);
}

TEST_CASE("net tcp: connection limit per container, bind conflicts, ACK to a listener") {
  SimWire w;
  StackConfig cfg;
  cfg.max_tcp_conns = 2;
  NetStack* a = w.Add(kIpA, 24, 0, 1500, cfg);
  NetStack* b = w.Add(kIpB);
  auto l = b->NewTcpSocket();
  REQUIRE(l->Bind({0, 80}).ok());
  auto l2 = b->NewTcpSocket();
  CHECK(l2->Bind({kIpB, 80}).error() == EADDRINUSE);
  REQUIRE(l->Listen(8).ok());
  auto c1 = a->NewTcpSocket(), c2 = a->NewTcpSocket(), c3 = a->NewTcpSocket();
  CHECK(c1->Connect({kIpB, 80}).error() == EINPROGRESS);
  CHECK(c2->Connect({kIpB, 80}).error() == EINPROGRESS);
  CHECK(c3->Connect({kIpB, 80}).error() == EAGAIN);
  CHECK(c1->Connect({kIpB, 80}).error() == EALREADY);
  REQUIRE(w.Run([&] { return c2->state() == TcpState::kEstablished; }));
  CHECK(c1->Connect({kIpB, 80}).error() == EISCONN);
  CHECK(c1->local().port != c2->local().port);
}

TEST_CASE("net tcp: loopback connections inside one stack (127.0.0.1 and own address)") {
  SimWire w;
  NetStack* a = w.Add(kIpA);
  auto l = test::Listener(a, 8080, 4);
  for (Ip4 dst : {MakeIp4(127, 0, 0, 1), kIpA, Ip4{0}}) {
    auto c = a->NewTcpSocket();
    REQUIRE(c->Connect({dst, 8080}).error() == EINPROGRESS);
    CHECK(c->state() == TcpState::kEstablished);  // no wire, no waiting
    Endpoint peer;
    auto s = l->Accept(&peer);
    REQUIRE(s.ok());
    CHECK(peer.ip == (dst ? dst : MakeIp4(127, 0, 0, 1)));  // 0.0.0.0: this host
    auto data = Pattern(300000, 5);
    auto got = Transfer(w, *c, **s, data);
    CHECK(got == data);
    c->Close();
    (*s)->Close();
  }
  CHECK(w.link(0)->sent.empty());
}

TEST_CASE_FIXTURE(TwoStacksSeeded<9>,
                  "net tcp: segments with bad checksums, garbage options or stray flags are dropped safely") {
  Pair p = Connect(w, a, b);
  w.faults.corrupt = 0.05;
  auto data = Pattern(200000, 6);
  auto got = Transfer(w, *p.client, *p.server, data);
  CHECK(got.size() == data.size());
  CHECK(got == data);
  // Random TCP segments aimed at the open connection's ports.
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::vector<std::byte> seg(20 + rng() % 60);
    for (auto& x : seg) x = std::byte(rng());
    Store16(&seg[0], p.client->local().port);
    Store16(&seg[2], 80);
    seg[12] = std::byte(static_cast<uint8_t>((5 + rng() % 11) << 4));
    Store16(&seg[16], 0);
    Store16(&seg[16], ChecksumFinish(ChecksumPartial(
                          seg, PseudoHeaderSum(kIpA, kIpB, kProtoTcp, static_cast<uint16_t>(seg.size())))));
    w.Inject(1, test::Ip4Frame(kIpA, kIpB, MacAddr{}, b->mac(), kProtoTcp, seg));
  }
  // RFC 5961: blind resets and SYNs at random sequence numbers do not kill it.
  w.faults.corrupt = 0;
  w.RunFor(kSimSec);
  if (p.server->state() == TcpState::kEstablished) {
    auto more = Pattern(10000, 7);
    got = Transfer(w, *p.client, *p.server, more);
    CHECK(got == more);
  }
}

// A sender that fills the receiver's whole buffer and then closes: the FIN
// arrives at a zero window and must still be taken (Linux does), or the
// close waits for a retransmission timer that, on loopback in the LibOS,
// nobody may run. Driven without any timer on purpose.
TEST_CASE("net tcp: a FIN at a zero window is accepted; a loopback echo needs no timer") {
  for (size_t chunk : {512u, 65536u}) {
    CAPTURE(chunk);
    SimWire w;
    NetStack* a = w.Add(kIpA);
    auto l = test::Listener(a, 8080, 4);
    auto c = a->NewTcpSocket();
    c->set_nodelay(true);
    REQUIRE(c->Connect({MakeIp4(127, 0, 0, 1), 8080}).error() == EINPROGRESS);
    auto d = Pattern(TcpParams::kDefaultBuf, 8);  // exactly one send buffer
    REQUIRE(*c->Send(d) == d.size());
    REQUIRE(c->Shutdown(false, true).ok());
    auto s = *l->Accept(nullptr);
    std::vector<std::byte> b(65536), cb(chunk), pend, got;
    bool eof = false;
    for (int it = 0; it < 100000 && !(eof && got.size() == d.size()); ++it) {
      bool progress = false;
      if (!pend.empty()) {
        auto n = s->Send(pend);
        if (n.ok() && *n) {
          pend.erase(pend.begin(), pend.begin() + static_cast<ptrdiff_t>(*n));
          progress = true;
        }
      }
      if (pend.empty() && !eof) {
        auto n = s->Recv(b, 0);
        if (n.ok()) {
          if (*n == 0) eof = true;
          else pend.assign(b.begin(), b.begin() + static_cast<ptrdiff_t>(*n));
          progress = true;
        }
      }
      auto n = c->Recv(cb, 0);
      if (n.ok() && *n) {
        got.insert(got.end(), cb.begin(), cb.begin() + static_cast<ptrdiff_t>(*n));
        progress = true;
      }
      if (!progress) break;
    }
    CHECK(eof);
    CHECK(got == d);
  }
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: the port filter chooses ephemeral ports (strict first, then any)") {
  std::vector<bool> strict_seen;
  // Strict: only ports whose flow hash is odd (a kthread's rings, say).
  a->SetPortFilter([&](uint8_t proto, Ip4 local, uint16_t port, Endpoint remote, bool strict) {
    CHECK(proto == 6);
    CHECK(local == kIpA);
    CHECK(remote.ip == kIpB);
    return !strict || (port ^ remote.port) % 2 == 1;
  });
  Pair p = Connect(w, a, b, 81);
  CHECK((p.client->local().port ^ 81) % 2 == 1);
  // No port passes strictly: any free one.
  a->SetPortFilter([&](uint8_t, Ip4, uint16_t, Endpoint, bool strict) {
    strict_seen.push_back(strict);
    return !strict;
  });
  Pair q = Connect(w, a, b, 82);
  CHECK(q.client->local().port >= 32768);
  CHECK(strict_seen.front());
  CHECK_FALSE(strict_seen.back());
  // Nothing passes: connect has no port.
  a->SetPortFilter([](uint8_t, Ip4, uint16_t, Endpoint, bool) { return false; });
  auto c = a->NewTcpSocket();
  CHECK_FALSE(c->Connect({kIpB, 83}).ok());
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: a forked copy forgets its connections silently and keeps its listeners") {
  Pair p = Connect(w, a, b, 80);
  // A second connection waits in the listener's accept queue.
  auto waiting = a->NewTcpSocket();
  REQUIRE(waiting->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return waiting->state() == TcpState::kEstablished; }));
  struct CountingLink : NetLink {
    explicit CountingLink(MacAddr m) : m_(m) {}
    MacAddr mac() const override { return m_; }
    uint16_t mtu() const override { return 1500; }
    bool Transmit(std::span<const std::byte>) override {
      sent++;
      return true;
    }
    MacAddr m_;
    int sent = 0;
  } other(b->mac());
  size_t frames_before = w.link(1)->sent.size();
  b->BecomeForkedCopy(&other);
  // Not a packet about them, on either link: the parent owns them.
  CHECK(w.link(1)->sent.size() == frames_before);
  CHECK(other.sent == 0);
  std::byte buf[16];
  CHECK(p.server->Recv(buf, 0).error() == ECONNRESET);
  CHECK(p.listener->listening());
  Endpoint peer;
  CHECK(p.listener->Accept(&peer).error() == EAGAIN);  // the queued one was the parent's
  CHECK(b->HasReceivers());
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net tcp: a listener delegated at fork drops SYNs until someone here accepts") {
  auto l = test::Listener(b, 80, 16);
  b->DelegateIdleListeners();
  auto c = a->NewTcpSocket();
  REQUIRE(c->Connect({kIpB, 80}).error() == EINPROGRESS);
  w.RunFor(500'000'000);  // the first SYN: dropped, no answer
  CHECK(c->state() == TcpState::kSynSent);
  CHECK(b->counters().tcp_delegated_syn_drops == 1);
  l->NoteAccepting();  // the program accepts here after all
  REQUIRE(w.Run([&] { return (l->Events() & kEvIn) != 0; }));  // the retransmitted SYN
  Endpoint peer;
  CHECK(l->Accept(&peer).ok());
  // Once accepted on, a later fork leaves it alone.
  b->DelegateIdleListeners();
  auto c2 = a->NewTcpSocket();
  REQUIRE(c2->Connect({kIpB, 80}).error() == EINPROGRESS);
  REQUIRE(w.Run([&] { return c2->state() == TcpState::kEstablished; }, 500'000'000));
}

}  // namespace
}  // namespace junction::net
