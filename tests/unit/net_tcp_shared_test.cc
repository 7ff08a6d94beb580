// Connections a fork shares between processes (NetStack::ShareForFork,
// docs/network.md "Processes"): an undecided copy is silent until this
// process claims it, forgets it when another did, and its last holder
// closes it properly. One stack plays the process under test; the other
// processes act directly on the flow table they share.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "net/flow_table.h"
#include "net/parked_segments.h"
#include "net/stack/tcp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::SimWire;

constexpr Ip4 kClient = MakeIp4(10, 99, 0, 2), kServer = MakeIp4(10, 99, 0, 3);

// The stack's FlowShares over a table in memory, as member `member`.
class TableShares : public NetStack::FlowShares {
 public:
  explicit TableShares(uint32_t member) : member_(member) {}
  bool Share(Endpoint l, Endpoint r, uint32_t* gen) override {
    return ShareFlow(&table, Key(l, r), member_, gen);
  }
  bool Claim(Endpoint l, Endpoint r, uint32_t gen) override {
    return ClaimFlow(&table, Key(l, r), member_, gen) == FlowClaim::kOurs;
  }
  bool Release(Endpoint l, Endpoint r, uint32_t gen) override {
    return ReleaseFlow(&table, Key(l, r), member_, gen) == FlowClaim::kOurs;
  }
  void Remove(Endpoint l, Endpoint r, uint32_t gen) override {
    RemoveFlow(&table, Key(l, r), member_, gen);
  }
  bool Held(Endpoint l, Endpoint r) override { return FindFlow(&table, Key(l, r)) != nullptr; }
  bool Park(Endpoint l, Endpoint r, std::span<const std::byte> seg) override {
    return parking && ParkSegment(&parked, Key(l, r), r.ip, l.ip, seg);
  }
  void TakeParked(Endpoint l, Endpoint r,
                  const std::function<void(std::span<const std::byte>)>& fn) override {
    TakeParkedSegments(&parked, Key(l, r), [&](uint32_t, uint32_t, std::span<const std::byte> s) { fn(s); });
  }
  static uint64_t Key(Endpoint l, Endpoint r) { return FlowKey(r.ip, r.port, l.port); }
  NetFlowTable table{};
  ParkedArea parked{};
  bool parking = true;

 private:
  uint32_t member_;
};

// A server process (stack `srv`, member 0) with one accepted connection
// from a client on `cli`, shared by a fork.
struct Forked {
  SimWire w;
  NetStack* cli = w.Add(kClient);
  NetStack* srv = w.Add(kServer);
  std::unique_ptr<TableShares> shares = std::make_unique<TableShares>(0);
  std::shared_ptr<TcpSocket> client, conn, listener;
  uint64_t key = 0;
  uint32_t gen = 0;

  Forked() {
    srv->SetFlowShares(shares.get());
    listener = srv->NewTcpSocket();
    REQUIRE(listener->Bind({0, 80}).ok());
    REQUIRE(listener->Listen(8).ok());
    client = cli->NewTcpSocket();
    REQUIRE(client->Connect({kServer, 80}).error() == EINPROGRESS);
    REQUIRE(w.Run([&] { return (listener->Events() & kEvIn) != 0; }));
    Endpoint peer;
    conn = *listener->Accept(&peer);
    REQUIRE(w.Run([&] { return client->state() == TcpState::kEstablished; }));
    key = FlowKey(kClient, client->local().port, 80);
    Fork();
    gen = StateOf().gen;
  }
  // What the LibOS does around a host fork.
  void Fork() {
    REQUIRE(srv->ForkLock(1));
    srv->ShareForFork();
    srv->ForkUnlock();
  }
  FlowState StateOf() { return FlowState::Of(FindFlow(&shares->table, key)->state.load()); }
  size_t ServerFrames() { return w.link(1)->sent.size(); }
  std::string Read(TcpSocket& s) {
    std::string out(4096, '\0');
    auto r = s.Recv({reinterpret_cast<std::byte*>(out.data()), out.size()}, 0);
    out.resize(r.ok() ? *r : 0);
    return out;
  }
};

TEST_CASE("net tcp shared: an undecided copy parks what comes; the claim processes it") {
  Forked f;
  size_t before = f.ServerFrames();
  REQUIRE(f.client->Send(Bytes("request")).ok());
  f.w.RunFor(100'000'000);
  CHECK(f.srv->counters().tcp_parked == 1);
  CHECK(f.ServerFrames() == before);
  CHECK(f.Read(*f.conn) == "request");  // claimed, with what was parked
  REQUIRE(f.conn->Send(Bytes("answer")).ok());
  REQUIRE(f.w.Run([&] { return (f.client->Events() & kEvIn) != 0; }));
  CHECK(f.Read(*f.client) == "answer");
  CHECK(f.client->Info().total_retrans == 0);  // nothing was lost
}

TEST_CASE("net tcp shared: a segment parked just after the claim is taken all the same") {
  Forked f;
  // The client's segment reaches another process, which parks it only
  // after this one claimed the connection and looked.
  std::vector<std::byte> late;
  f.w.drop = [&](int from, std::span<const std::byte> frame) {
    if (from != 0 || frame.size() <= 54 || !late.empty()) return false;
    late.assign(frame.begin() + 34, frame.end());  // the TCP segment
    return true;
  };
  REQUIRE(f.client->Send(Bytes("late")).ok());
  f.w.RunFor(1'000'000);
  REQUIRE_FALSE(late.empty());
  CHECK(f.Read(*f.conn).empty());  // claimed: nothing parked yet
  REQUIRE(ParkSegment(&f.shares->parked, f.key, kClient, kServer, late));
  uint64_t parked_at = f.w.now;
  REQUIRE(f.w.Run([&] { return (f.conn->Events() & kEvIn) != 0; }));
  CHECK(f.w.now - parked_at < 10'000'000);  // its next look, long before the client's RTO
  CHECK(f.Read(*f.conn) == "late");
}

TEST_CASE("net tcp shared: an undecided copy is silent until this process claims it") {
  Forked f;
  f.shares->parking = false;  // no room: dropped, the peer retransmits
  CHECK(f.conn->undecided());
  CHECK(f.StateOf().holders == 2);
  CHECK_FALSE(f.listener->undecided());  // listeners are not shared
  size_t before = f.ServerFrames();
  REQUIRE(f.client->Send(Bytes("ping")).ok());
  f.w.RunFor(100'000'000);
  CHECK(f.srv->counters().tcp_undecided_drops >= 1);
  CHECK(f.ServerFrames() == before);  // no ACK, no timer
  // This process reads: it owns the connection, and the client's
  // retransmission arrives.
  CHECK(f.Read(*f.conn).empty());  // claimed; nothing came yet
  CHECK_FALSE(f.conn->undecided());
  CHECK(ClaimedBy(&f.shares->table, f.key) == 0);
  REQUIRE(f.w.Run([&] { return (f.conn->Events() & kEvIn) != 0; }));
  CHECK(f.Read(*f.conn) == "ping");
  REQUIRE(f.conn->Send(Bytes("pong")).ok());
  REQUIRE(f.w.Run([&] { return (f.client->Events() & kEvIn) != 0; }));
  CHECK(f.Read(*f.client) == "pong");
  // Closed here: FIN, and the slot is withdrawn once the connection is gone.
  f.conn->Close();
  f.client->Close();
  REQUIRE(f.w.Run([&] { return FindFlow(&f.shares->table, f.key) == nullptr; }, 200'000'000'000));
}

TEST_CASE("net tcp shared: a copy another process claimed is forgotten without a packet") {
  Forked f;
  REQUIRE(ClaimFlow(&f.shares->table, f.key, 3, f.gen) == FlowClaim::kOurs);  // the child read
  size_t before = f.ServerFrames();
  std::byte buf[8];
  CHECK(f.conn->Recv(buf, 0).error() == ECONNRESET);
  CHECK(f.conn->Recv(buf, 0).value() == 0);
  CHECK(f.conn->Send(Bytes("x")).error() == EPIPE);
  f.conn->Close();
  f.w.RunFor(1'000'000'000);
  CHECK(f.ServerFrames() == before);
  CHECK(ClaimedBy(&f.shares->table, f.key) == 3);  // still the child's
  CHECK(f.client->state() == TcpState::kEstablished);
}

TEST_CASE("net tcp shared: closing a copy others hold forgets it; the last holder sends the FIN") {
  Forked f;
  size_t before = f.ServerFrames();
  SUBCASE("others still hold it") {
    f.conn->Close();
    // The client's segments still come here (nobody claimed it yet): not
    // reset, though the listener is on their port.
    REQUIRE(f.client->Send(Bytes("kept")).ok());
    f.w.RunFor(1'000'000'000);
    CHECK(f.ServerFrames() == before);
    CHECK(f.srv->counters().tcp_rst_out == 0);
    // Kept for whoever claims it (the client retransmitted it meanwhile).
    CHECK(f.srv->counters().tcp_parked >= 1);
    int kept = TakeParkedSegments(&f.shares->parked, f.key, [](uint32_t, uint32_t, auto) {});
    CHECK(kept == static_cast<int>(f.srv->counters().tcp_parked));
    CHECK(f.StateOf().holders == 1);
    CHECK(f.StateOf().owner == kFlowUndecided);
    CHECK(f.client->state() == TcpState::kEstablished);
  }
  SUBCASE("the child closed its copy first: this close is the last") {
    REQUIRE(ReleaseFlow(&f.shares->table, f.key, 3, f.gen) == FlowClaim::kTheirs);
    f.conn->Close();
    REQUIRE(f.w.Run([&] { return f.client->state() == TcpState::kCloseWait; }));
    CHECK(f.ServerFrames() > before);
  }
  SUBCASE("the parent keeps using it after the child closed its copy") {
    REQUIRE(ReleaseFlow(&f.shares->table, f.key, 3, f.gen) == FlowClaim::kTheirs);
    REQUIRE(f.conn->Send(Bytes("still here")).ok());
    REQUIRE(f.w.Run([&] { return (f.client->Events() & kEvIn) != 0; }));
    CHECK(f.Read(*f.client) == "still here");
    CHECK(ClaimedBy(&f.shares->table, f.key) == 0);
  }
}

TEST_CASE("net tcp shared: polling with nothing to read claims; buffered bytes wait for the reader") {
  Forked f;
  CHECK((f.conn->Events() & kEvIn) != 0);  // a waiter must look
  f.conn->NotePolled();  // nothing buffered: it waits for the peer
  CHECK_FALSE(f.conn->undecided());
  CHECK((f.conn->Events() & kEvIn) == 0);
  CHECK(ClaimedBy(&f.shares->table, f.key) == 0);

  Forked g;
  (void)g.conn->Recv({}, 0);  // claims: this process reads
  REQUIRE(g.client->Send(Bytes("early")).ok());
  REQUIRE(g.w.Run([&] { return (g.conn->Events() & kEvIn) != 0; }, 5'000'000'000));
  // A second fork with the bytes buffered: they are in both copies, so
  // polling shows them without claiming (the reader claims).
  g.Fork();
  CHECK(g.conn->undecided());
  g.conn->NotePolled();
  CHECK(g.conn->undecided());
  CHECK((g.conn->Events() & kEvIn) != 0);
  CHECK(g.Read(*g.conn) == "early");
  CHECK_FALSE(g.conn->undecided());
}

TEST_CASE("net tcp shared: a failed fork gives the connection back") {
  Forked f;
  f.srv->UnshareAfterFailedFork();
  CHECK(f.StateOf().holders == 1);  // the child never was
  REQUIRE(ClaimFlow(&f.shares->table, f.key, 0, f.gen) == FlowClaim::kOurs);
  // Owned, then shared by a fork that fails: ours again at once.
  REQUIRE(f.conn->Send(Bytes("a")).ok());
  f.Fork();
  CHECK(f.conn->undecided());
  f.srv->UnshareAfterFailedFork();
  CHECK_FALSE(f.conn->undecided());
  CHECK(ClaimedBy(&f.shares->table, f.key) == 0);
}

TEST_CASE("net tcp shared: a forked copy keeps the shared connections and forgets the rest") {
  Forked f;
  // A loopback connection is never shared: the parent's.
  auto ll = f.srv->NewTcpSocket();
  REQUIRE(ll->Bind({0, 81}).ok());
  REQUIRE(ll->Listen(1).ok());
  auto lc = f.srv->NewTcpSocket();
  (void)lc->Connect({MakeIp4(127, 0, 0, 1), 81});  // completes inside the call
  REQUIRE(lc->state() == TcpState::kEstablished);
  f.Fork();
  CHECK_FALSE(lc->undecided());
  struct NullLink : NetLink {
    MacAddr mac() const override { return MacAddr{{2, 0, 0, 0, 0, 9}}; }
    uint16_t mtu() const override { return 1500; }
    bool Transmit(std::span<const std::byte>) override { return true; }
  } other;
  f.srv->BecomeForkedCopy(&other);
  CHECK(f.conn->undecided());
  std::byte buf[4];
  CHECK(lc->Recv(buf, 0).error() == ECONNRESET);
}

}  // namespace
}  // namespace junction::net
