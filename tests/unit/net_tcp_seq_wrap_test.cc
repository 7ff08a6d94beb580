// TCP across sequence-number wraparound: ISNs just below 2^32, a lossy,
// reordering wire, data both ways. The out-of-order queue and the SACK
// scoreboard must order by stream position, not by raw uint32 (where
// 0x10 sorts before 0xfffffff0). Checks the bytes and every SACK block.
#include <doctest/doctest.h>

#include <cstring>

#include "net/stack/tcp.h"
#include "net/stack/tcp_conn.h"
#include "net/stack/tcp_options.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Pattern;
using test::SimWire;
using test::Transfer;

constexpr Ip4 kA = MakeIp4(10, 98, 0, 2), kB = MakeIp4(10, 98, 0, 3);

struct SackCheck {
  int frames_with_sacks = 0;
  int across_wrap = 0;  // blocks at or past 2^32 while the ACK was below it
  bool bad = false;
};

// Every SACK block a port sent lies above that frame's ACK, is non-empty,
// and the blocks come in stream order, disjoint and not adjacent (merged).
SackCheck CheckSacks(const std::vector<std::vector<std::byte>>& frames) {
  SackCheck c;
  for (const auto& f : frames) {
    const std::byte* tcp = test::TcpHeaderIn(f);
    if (!tcp) continue;
    size_t doff = (std::to_integer<size_t>(tcp[12]) >> 4) * 4;
    if (doff < kTcpHeaderLen || f.size() < static_cast<size_t>(tcp - f.data()) + doff) continue;
    TcpOptions o;
    if (!ParseTcpOptions(std::span(tcp + kTcpHeaderLen, doff - kTcpHeaderLen), &o) || o.sacks.empty())
      continue;
    uint32_t ack = Load32(tcp + 8);
    c.frames_with_sacks++;
    for (size_t i = 0; i < o.sacks.size(); i++) {
      auto [l, r] = o.sacks[i];
      if (!SeqGt(l, ack) || !SeqLt(l, r)) c.bad = true;
      if (i > 0 && !SeqLt(o.sacks[i - 1].second, l)) c.bad = true;
      if (ack > 0x80000000u && (l < ack || r < l)) c.across_wrap++;
    }
  }
  return c;
}

TEST_CASE("net tcp: ISNs just below 2^32 with loss and reordering: data intact, SACK blocks right") {
  for (uint64_t seed : {21u, 22u}) {
    CAPTURE(seed);
    SimWire w(seed);
    StackConfig ca, cb;
    ca.tcp_isn = [] { return 0xffffffffu - 150'000; };
    cb.tcp_isn = [] { return 0xffffffffu - 40'000; };
    NetStack* a = w.Add(kA, 24, 0, 1500, ca);
    NetStack* b = w.Add(kB, 24, 0, 1500, cb);
    auto [client, server, listener] = test::Connect(w, a, b, 80, 4);

    // Besides random faults, lose each side's first data segment in the
    // last 3000 bytes below 2^32: the receiver then SACKs data past the wrap.
    bool dropped[2] = {false, false};
    w.drop = [&](int from, std::span<const std::byte> f) {
      const std::byte* tcp = test::TcpHeaderIn(f);
      if (dropped[from] || !tcp || test::TcpPayloadLen(f) <= 0) return false;
      if (Load32(tcp + 4) < 0xffffffffu - 3000) return false;
      return dropped[from] = true;
    };
    w.faults = {0.03, 0.01, 0.08, 0};
    auto up = Pattern(1 << 20, 7);
    auto got = Transfer(w, *client, *server, up);
    REQUIRE(got.size() == up.size());
    CHECK(got == up);
    auto down = Pattern(512 << 10, 8);
    got = Transfer(w, *server, *client, down);
    REQUIRE(got.size() == down.size());
    CHECK(got == down);
    CHECK(a->counters().tcp_retransmits > 0);
    CHECK(dropped[0]);
    CHECK(dropped[1]);

    // b received the upload (its ISN-relative sequence space crossed 2^32
    // 150 kB in); a received the download.
    for (int port : {0, 1}) {
      CAPTURE(port);
      SackCheck c = CheckSacks(w.link(port)->sent);
      CHECK_FALSE(c.bad);
      CHECK(c.frames_with_sacks > 0);
      CHECK(c.across_wrap > 0);
    }
  }
}

}  // namespace
}  // namespace junction::net
