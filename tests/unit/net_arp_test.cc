// ARP entries in use do not expire under traffic (as Linux's neighbour
// states): a STALE entry keeps carrying packets while it is re-resolved in
// the background (PROBE), TCP's acknowledgements keep an entry REACHABLE,
// an unanswered probe forgets the entry, an unused one is forgotten. The
// cache on its own and two stacks on a simulated wire, on simulated time.
#include <doctest/doctest.h>

#include <optional>

#include "net/stack/arp.h"
#include "net/stack/tcp.h"
#include "net/stack/udp.h"
#include "net_sim.h"

namespace junction::net {
namespace {

using test::Bytes;
using test::kIpB;
using test::kSimSec;
using test::TwoStacks;

TEST_CASE("net arp: STALE -> PROBE keeps the old MAC in use; an unanswered probe forgets it") {
  ArpParams p;
  ArpCache arp(p);
  MacAddr m{{2, 0, 0, 0, 0, 9}};
  uint64_t t = 1000;
  arp.Update(kIpB, m, t, true);
  std::optional<ArpRequest> probe;
  uint64_t stale = t + p.reachable_ns;
  CHECK(arp.NextDeadline() == stale + p.stale_ns);  // no timer for the STALE transition
  REQUIRE(arp.Lookup(kIpB, stale, &probe) == m);
  CHECK(probe == ArpRequest{kIpB, m});  // the first request: unicast, at once
  probe.reset();
  CHECK(arp.Lookup(kIpB, stale + 1, &probe) == m);
  CHECK(!probe);  // probing already
  // Unanswered: unicast again, then broadcast, then the entry is gone.
  std::vector<ArpRequest> resend;
  size_t dropped = 0;
  for (int i = 1; i <= p.max_requests; ++i) {
    CHECK(arp.Lookup(kIpB, stale + i * p.retry_ns - 1, &probe) == m);
    arp.Tick(stale + i * p.retry_ns, &resend, &dropped);
  }
  CHECK(resend == std::vector<ArpRequest>{{kIpB, m}, {kIpB, MacAddr::Broadcast()}});
  CHECK(dropped == 0);
  CHECK(!arp.Lookup(kIpB, stale + p.max_requests * p.retry_ns, &probe));
  CHECK(arp.size() == 0);
}

TEST_CASE("net arp: an answered probe or an upper-layer confirmation makes the entry REACHABLE") {
  ArpParams p;
  ArpCache arp(p);
  MacAddr m{{2, 0, 0, 0, 0, 9}};
  arp.Update(kIpB, m, 0, true);
  std::optional<ArpRequest> probe;
  REQUIRE(arp.Lookup(kIpB, p.reachable_ns, &probe) == m);
  REQUIRE(probe);
  arp.Update(kIpB, m, p.reachable_ns + 100, false);  // the reply
  std::vector<ArpRequest> resend;
  size_t dropped = 0;
  arp.Tick(p.reachable_ns + 10 * p.retry_ns, &resend, &dropped);
  CHECK(resend.empty());
  probe.reset();
  CHECK(arp.Lookup(kIpB, 2 * p.reachable_ns, &probe) == m);
  CHECK(!probe);  // reachable until reply + reachable_ns
  // Confirm() does the same without a packet, and ends a probe.
  arp.Confirm(kIpB, 2 * p.reachable_ns + 1000);
  CHECK(arp.Lookup(kIpB, 3 * p.reachable_ns, &probe) == m);
  CHECK(!probe);
  CHECK(arp.Lookup(kIpB, 3 * p.reachable_ns + 1000, &probe) == m);
  CHECK(probe);
  arp.Confirm(kIpB, 3 * p.reachable_ns + 2000);
  arp.Tick(3 * p.reachable_ns + 10 * p.retry_ns, &resend, &dropped);
  CHECK(resend.empty());
  // Unused, a STALE entry is forgotten after stale_ns.
  arp.Tick(4 * p.reachable_ns + 2000 + p.stale_ns - 1, &resend, &dropped);
  CHECK(arp.size() == 1);
  arp.Tick(4 * p.reachable_ns + 2000 + p.stale_ns, &resend, &dropped);
  CHECK(arp.size() == 0);
}

TEST_CASE_FIXTURE(TwoStacks, "net arp: one-way UDP for five minutes never waits for ARP") {
  auto sa = a->NewUdpSocket(), sb = b->NewUdpSocket();
  REQUIRE(sb->Bind({0, 5000}).ok());
  Endpoint to{kIpB, 5000};
  std::byte buf[64];
  REQUIRE(sa->SendTo(Bytes("first"), &to).ok());  // resolves b
  REQUIRE(w.Run([&] { return sb->NextSize() > 0; }));
  Endpoint from;
  bool trunc = false;
  REQUIRE(sb->RecvFrom(buf, 0, &from, &trunc).ok());
  for (int i = 0; i < 30; ++i) {
    w.RunFor(10 * kSimSec);
    REQUIRE(sa->SendTo(Bytes("tick"), &to).ok());
    // Within one wire delay: the frame left at once, never parked for ARP.
    REQUIRE(w.Run([&] { return sb->NextSize() > 0; }, 2 * w.delay));
    REQUIRE(sb->RecvFrom(buf, 0, &from, &trunc).ok());
  }
  w.RunFor(kSimSec);  // the last probe's answer
  auto c = a->counters();
  CHECK(c.arp_unresolved_drops == 0);
  CHECK(c.arp_probes_out >= 4);                       // one per lifetime (60 s)
  CHECK(c.arp_requests_out - c.arp_probes_out == 1);  // one broadcast: the first resolution
  CHECK(c.arp_replies_in == c.arp_requests_out);      // every probe answered
}

TEST_CASE_FIXTURE(TwoStacks,
                  "net arp: TCP acknowledgements keep the sender's entry REACHABLE without probes") {
  test::TcpPair p = test::Connect(w, a, b);
  auto c = p.client, s = p.server;
  c->set_nodelay(true);
  std::byte buf[64];
  for (int i = 0; i < 30; ++i) {
    w.RunFor(10 * kSimSec);
    REQUIRE(c->Send(Bytes("data")).ok());
    REQUIRE(w.Run([&] { return s->Readable() > 0; }, 2 * w.delay));
    REQUIRE(s->Recv(buf, 0).ok());
    REQUIRE(w.Run([&] { return c->Unsent() == 0; }));
  }
  CHECK(a->counters().arp_requests_out == 1);
  CHECK(a->counters().arp_probes_out == 0);
  // b only sends ACKs, which nothing confirms: its entry for a is probed.
  CHECK(b->counters().arp_probes_out >= 1);
  CHECK(b->counters().arp_requests_out == b->counters().arp_probes_out);
  CHECK(a->counters().arp_unresolved_drops + b->counters().arp_unresolved_drops == 0);
}

}  // namespace
}  // namespace junction::net
