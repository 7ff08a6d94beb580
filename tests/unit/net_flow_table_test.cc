// The flow table processes of a container share after a fork
// (net/flow_table.h): sharing, claiming, releasing, generations, and what
// the daemon reads from a table the container scribbled on.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "net/flow_table.h"
#include "net/parked_segments.h"

namespace junction::net {
namespace {

constexpr uint64_t kKey = FlowKey(0x0a630701, 40000, 8080);

std::unique_ptr<NetFlowTable> NewTable() { return std::make_unique<NetFlowTable>(); }

FlowState StateOf(NetFlowTable* t, uint64_t key) {
  FlowSlot* s = FindFlow(t, key);
  REQUIRE(s != nullptr);
  return FlowState::Of(s->state.load());
}

TEST_CASE("net flow table: the child claims, the parent's close forgets its copy") {
  auto t = NewTable();
  uint32_t gen = 0;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &gen));  // parent (member 0) forks
  CHECK(gen != 0);
  CHECK(StateOf(t.get(), kKey).holders == 2);
  CHECK(ClaimedBy(t.get(), kKey) == -1);  // undecided: the daemon steers by port
  CHECK(ClaimFlow(t.get(), kKey, 3, gen) == FlowClaim::kOurs);  // the child (member 3) reads
  CHECK(ClaimedBy(t.get(), kKey) == 3);
  CHECK(ClaimFlow(t.get(), kKey, 3, gen) == FlowClaim::kOurs);  // again: still its
  CHECK(ClaimFlow(t.get(), kKey, 0, gen) == FlowClaim::kTheirs);
  CHECK(ReleaseFlow(t.get(), kKey, 0, gen) == FlowClaim::kTheirs);  // the parent closes
  RemoveFlow(t.get(), kKey, 0, gen);  // not the owner: nothing
  CHECK(ClaimedBy(t.get(), kKey) == 3);
  RemoveFlow(t.get(), kKey, 3, gen);  // the child's connection is gone
  CHECK(FindFlow(t.get(), kKey) == nullptr);
  CHECK(ClaimedBy(t.get(), kKey) == -1);
}

TEST_CASE("net flow table: the last holder to close an unclaimed copy owns it") {
  auto t = NewTable();
  uint32_t gen = 0;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &gen));
  uint32_t child_gen = gen;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &gen));  // forks again while undecided
  CHECK(gen == child_gen);                     // the copies are all alike
  CHECK(StateOf(t.get(), kKey).holders == 3);
  CHECK(ReleaseFlow(t.get(), kKey, 1, gen) == FlowClaim::kTheirs);
  CHECK(ReleaseFlow(t.get(), kKey, 2, gen) == FlowClaim::kTheirs);
  CHECK(StateOf(t.get(), kKey).holders == 1);
  CHECK(ReleaseFlow(t.get(), kKey, 0, gen) == FlowClaim::kOurs);  // it sends the FIN
  CHECK(ClaimedBy(t.get(), kKey) == 0);
}

TEST_CASE("net flow table: re-sharing an owned connection starts a generation stale copies miss") {
  auto t = NewTable();
  uint32_t g1 = 0;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &g1));
  REQUIRE(ClaimFlow(t.get(), kKey, 0, g1) == FlowClaim::kOurs);  // the parent keeps it
  uint32_t g2 = g1;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &g2));  // and forks another child
  CHECK(g2 != g1);
  CHECK(StateOf(t.get(), kKey).holders == 2);
  // The first child never looked: its copy (g1) is stale and cannot claim.
  CHECK(ClaimFlow(t.get(), kKey, 1, g1) == FlowClaim::kTheirs);
  CHECK(ReleaseFlow(t.get(), kKey, 1, g1) == FlowClaim::kTheirs);
  uint32_t stale = g1;
  CHECK_FALSE(ShareFlow(t.get(), kKey, 1, &stale));  // nor share it
  CHECK(ClaimFlow(t.get(), kKey, 2, g2) == FlowClaim::kOurs);  // the second child can
  uint32_t parent = g2;
  CHECK_FALSE(ShareFlow(t.get(), kKey, 0, &parent));  // the parent's copy is stale now
}

TEST_CASE("net flow table: a connection never shared takes over a slot left by a dead process") {
  auto t = NewTable();
  uint32_t g = 0;
  REQUIRE(ShareFlow(t.get(), kKey, 5, &g));
  REQUIRE(ClaimFlow(t.get(), kKey, 5, g) == FlowClaim::kOurs);
  // Member 5 died without removing it; a later connection with the same
  // addresses (generation 0 in its process) is shared afresh.
  uint32_t fresh = 0;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &fresh));
  CHECK(fresh != g);
  CHECK(ClaimedBy(t.get(), kKey) == -1);
  CHECK(ClaimFlow(t.get(), kKey, 5, g) == FlowClaim::kTheirs);
}

TEST_CASE("net flow table: the daemon removes a departed member's slots and renumbering restores them") {
  auto t = NewTable();
  uint64_t k1 = FlowKey(1, 1, 1), k2 = FlowKey(2, 2, 2), k3 = FlowKey(3, 3, 3);
  uint32_t g1 = 0, g2 = 0, g3 = 0;
  REQUIRE(ShareFlow(t.get(), k1, 0, &g1));
  REQUIRE(ShareFlow(t.get(), k2, 0, &g2));
  REQUIRE(ShareFlow(t.get(), k3, 0, &g3));
  REQUIRE(ClaimFlow(t.get(), k1, 4, g1) == FlowClaim::kOurs);
  REQUIRE(ClaimFlow(t.get(), k2, 0, g2) == FlowClaim::kOurs);
  RemoveFlowsOf(t.get(), 4);  // member 4 left
  CHECK(FindFlow(t.get(), k1) == nullptr);
  CHECK(ClaimedBy(t.get(), k2) == 0);
  CHECK(FindFlow(t.get(), k3) != nullptr);  // undecided: its holders still use it
  // A restarted daemon removes every forked member's slots; the owner
  // (now member 6) puts its own back.
  REQUIRE(ClaimFlow(t.get(), k3, 2, g3) == FlowClaim::kOurs);
  RemoveFlowsOf(t.get(), -1);
  CHECK(FindFlow(t.get(), k3) == nullptr);
  CHECK(ClaimedBy(t.get(), k2) == 0);
  REQUIRE(RenumberFlow(t.get(), k3, 2, 6, g3));
  CHECK(ClaimedBy(t.get(), k3) == 6);
  CHECK(ClaimFlow(t.get(), k3, 6, g3) == FlowClaim::kOurs);
  REQUIRE(RenumberFlow(t.get(), k2, 0, 0, g2));
  CHECK(ClaimedBy(t.get(), k2) == 0);
}

TEST_CASE("net flow table: a full probe window refuses to share; removed slots are reused") {
  auto t = NewTable();
  // Occupy every slot the key's probes reach.
  for (uint32_t i = 0; i < kFlowProbes; i++) t->slots[FlowSlotIndex(kKey, i)].key = FlowKey(9, 9, 9 + i);
  uint32_t g = 0;
  CHECK_FALSE(ShareFlow(t.get(), kKey, 0, &g));
  CHECK(g == 0);
  t->slots[FlowSlotIndex(kKey, 7)].key = kFlowRemoved;
  REQUIRE(ShareFlow(t.get(), kKey, 0, &g));
  CHECK(FindFlow(t.get(), kKey) == &t->slots[FlowSlotIndex(kKey, 7)]);
}

TEST_CASE("net flow table: racing claims have one winner") {
  for (int round = 0; round < 200; round++) {
    auto t = NewTable();
    uint32_t g = 0;
    REQUIRE(ShareFlow(t.get(), kKey, 0, &g));
    FlowClaim r[2];
    std::thread a([&] { r[0] = ClaimFlow(t.get(), kKey, 1, g); });
    std::thread b([&] { r[1] = ClaimFlow(t.get(), kKey, 2, g); });
    a.join();
    b.join();
    CHECK((r[0] == FlowClaim::kOurs) != (r[1] == FlowClaim::kOurs));
    CHECK(ClaimedBy(t.get(), kKey) == (r[0] == FlowClaim::kOurs ? 1 : 2));
  }
}

TEST_CASE("net flow table: the daemon's reads of a scribbled table name a member or nobody") {
  auto t = NewTable();
  std::mt19937_64 rng(11);
  for (int round = 0; round < 20; round++) {
    for (FlowSlot& s : t->slots) {
      uint64_t r = rng();
      // Real-looking keys at times, so lookups find slots with random states.
      s.key = (r & 3) == 0 ? FlowKey(static_cast<uint32_t>(r >> 40), 80, 8080) : rng();
      s.state = rng();
    }
    for (int i = 0; i < 2000; i++) {
      uint64_t key = i % 2 ? FlowKey(static_cast<uint32_t>(rng() >> 40), 80, 8080) : rng();
      int owner = ClaimedBy(t.get(), key);
      CHECK((owner >= -1 && owner < 32));
    }
    RemoveFlowsOf(t.get(), 3);
    RemoveFlowsOf(t.get(), -1);
  }
}

std::span<const std::byte> Seg(const char* s) {
  return {reinterpret_cast<const std::byte*>(s), std::strlen(s)};
}

TEST_CASE("net parked segments: the claimer takes its connection's, oldest first") {
  auto a = std::make_unique<ParkedArea>();
  uint64_t k1 = FlowKey(1, 1, 1), k2 = FlowKey(2, 2, 2);
  REQUIRE(ParkSegment(a.get(), k1, 7, 8, Seg("one")));
  REQUIRE(ParkSegment(a.get(), k2, 7, 8, Seg("other")));
  REQUIRE(ParkSegment(a.get(), k1, 7, 8, Seg("two")));
  std::string got;
  CHECK(TakeParkedSegments(a.get(), k1, [&](uint32_t src, uint32_t dst, std::span<const std::byte> s) {
          CHECK(src == 7);
          CHECK(dst == 8);
          got.append(reinterpret_cast<const char*>(s.data()), s.size()).append(",");
        }) == 2);
  CHECK(got == "one,two,");
  CHECK(TakeParkedSegments(a.get(), k1, [](uint32_t, uint32_t, auto) {}) == 0);
  // Full: refused; a connection that left every stack frees its share.
  for (uint32_t i = 1; i < kParkedSegments; i++) REQUIRE(ParkSegment(a.get(), k1, 7, 8, Seg("x")));
  CHECK_FALSE(ParkSegment(a.get(), k2, 7, 8, Seg("y")));
  DropStaleParked(a.get(), [&](uint64_t key) { return key == k1; });
  CHECK(ParkSegment(a.get(), k2, 7, 8, Seg("y")));
  CHECK(TakeParkedSegments(a.get(), k2, [](uint32_t, uint32_t, auto) {}) == 2);
  std::vector<std::byte> big(kParkedBytes + 1);
  CHECK_FALSE(ParkSegment(a.get(), k2, 7, 8, big));
}

TEST_CASE("net parked segments: a scribbled area gives bounded segments and lets takers go") {
  auto a = std::make_unique<ParkedArea>();
  std::mt19937_64 rng(3);
  uint64_t key = FlowKey(1, 1, 1);
  for (int round = 0; round < 200; round++) {
    auto* raw = reinterpret_cast<uint64_t*>(a.get());
    for (size_t i = 0; i < sizeof(ParkedArea) / 8; i += 1 + rng() % 64) raw[i] = rng();
    for (ParkedSegment& s : a->segs)
      if (rng() % 4 == 0) s.state = kParkFull, s.key = key;
    TakeParkedSegments(a.get(), key, [](uint32_t, uint32_t, std::span<const std::byte> s) {
      CHECK(s.size() <= kParkedBytes);
    });
  }
}

}  // namespace
}  // namespace junction::net
