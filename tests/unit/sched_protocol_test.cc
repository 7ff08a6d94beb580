// The daemon's shared region (layout, validating reader fuzzed with random
// bytes), the control messages (round trips, random and truncated input),
// the queue-delay percentile and the `ps --json` rendering.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sched/control_message.h"
#include "sched/queue_delay_stats.h"
#include "sched/shm_reader.h"
#include "sched/shm_region.h"
#include "sched/status_format.h"
#include "fuzz_budget.h"

namespace junction::sched {
namespace {

TEST_CASE("shm: a new region has a valid header, no grants and unpublished counters") {
  std::string why;
  std::optional<ShmRegion> r = ShmRegion::Create(4, 17, &why);
  REQUIRE_MESSAGE(r, why);
  CHECK(r->size() == RegionSize(4));
  CHECK(r->header()->magic == kShmMagic);
  CHECK(r->header()->kthread_slots == 4);
  CHECK(r->header()->ring_offset + r->header()->ring_size == PortTableOffset(4));
  CHECK(PortTableOffset(4) + sizeof(net::NetPortTable) == FlowTableOffset(4));
  CHECK(FlowTableOffset(4) + sizeof(net::NetFlowTable) == ParkedOffset(4));
  CHECK(ParkedOffset(4) + sizeof(net::ParkedArea) == r->size());
  for (uint32_t i = 0; i < 4; i++) CHECK(r->slot(i)->grant_core.load() == kNoCore);
  std::vector<SlotSignals> slots;
  std::vector<bool> members(kMemberSlots, false);
  ContainerSignals c = ReadContainer(*r, 17, 1'000'000'000, &slots, members);
  CHECK(c.header_intact);
  CHECK(c.rejected_values == 0);
  CHECK_FALSE(c.uthreads_total);
  CHECK_FALSE(c.preemptions);
  CHECK(slots.size() == 4 + kMemberSlots);
  CHECK(r->header()->member_slots == kMemberSlots);
  CHECK(RingOffset(4) >= sizeof(ShmHeader) + (4 + kMemberSlots) * sizeof(KthreadSlot));

  SUBCASE("member slots are read only while a process is assigned them") {
    KthreadSlot* m = r->slot(4 + 3);
    m->runnable.store(5);
    m->oldest_runnable_since_ns.store(999'000'000);
    c = ReadContainer(*r, 17, 1'000'000'000, &slots, members);
    CHECK(c.runnable == 0);
    CHECK(c.queue_delay_ns == 0);
    CHECK(slots[4 + 3].state == KthreadState::kParked);
    members[3] = true;
    c = ReadContainer(*r, 17, 1'000'000'000, &slots, members);
    CHECK(c.runnable == 5);
    CHECK(c.queue_delay_ns == 1'000'000);
    CHECK(slots[4 + 3].runnable == 5);
  }

  SUBCASE("the container's view maps the same region; the size is sealed") {
    std::optional<ShmRegion> mine = ShmRegion::MapReceived(dup(r->fd()), &why);
    REQUIRE_MESSAGE(mine, why);
    CHECK(mine->slots() == 4);
    mine->slot(2)->oldest_runnable_since_ns.store(999'000'000);
    CHECK(ReadSlot(*r->slot(2), 1'000'000'000, &c.rejected_values).queue_delay_ns == 1'000'000);
    CHECK(ftruncate(mine->fd(), 4096) != 0);
    CHECK(ftruncate(mine->fd(), static_cast<off_t>(r->size() * 2)) != 0);
  }
  SUBCASE("the daemon adopts the region back only with the right size") {
    std::optional<ShmRegion> again = ShmRegion::Adopt(dup(r->fd()), 4, 18, &why);
    REQUIRE_MESSAGE(again, why);
    CHECK(again->header()->container_id == 18);
    CHECK(again->slot(0)->yield_requested.load() == 1);
    // A member slot of the old daemon's no longer names its process, which
    // runs standalone.
    r->slot(4)->member_pid.store(1234);
    r->slot(4)->grant_core.store(1);
    std::optional<ShmRegion> third = ShmRegion::Adopt(dup(r->fd()), 4, 19, &why);
    REQUIRE_MESSAGE(third, why);
    CHECK(third->slot(4)->member_pid.load() == 0);
    CHECK(third->slot(4)->grant_core.load() == kStandaloneGrant);
    CHECK_FALSE(ShmRegion::Adopt(dup(r->fd()), 40, 18, &why));  // another size
    int unsealed = memfd_create("x", MFD_CLOEXEC);
    REQUIRE(ftruncate(unsealed, static_cast<off_t>(RegionSize(4))) == 0);
    CHECK_FALSE(ShmRegion::Adopt(unsealed, 4, 18, &why));
  }
}

TEST_CASE("shm: the reader survives a container scribbling random bytes over its region") {
  std::string why;
  std::optional<ShmRegion> r = ShmRegion::Create(8, 3, &why);
  REQUIRE(r);
  uint8_t* base = reinterpret_cast<uint8_t*>(r->header());
  std::mt19937_64 rng(testing::FuzzSeed(42));
  const uint64_t now = 5'000'000'000;
  std::vector<SlotSignals> slots;
  for (uint64_t round = 0; round < testing::FuzzRounds(2000); round++) {
    // Random bytes; half the rounds keep "plausible" values in some words.
    for (uint64_t off = 0; off + 8 <= RingOffset(8); off += 8) {
      uint64_t v = rng();
      if (round % 2 && (v & 3) == 0) v &= 0xff;
      std::memcpy(base + off, &v, 8);
    }
    std::vector<bool> members(kMemberSlots);
    for (uint32_t j = 0; j < kMemberSlots; j++) members[j] = (rng() & 1) != 0;
    ContainerSignals c = ReadContainer(*r, 3, now, &slots, members);
    REQUIRE(slots.size() == 8 + kMemberSlots);
    CHECK(c.queue_delay_ns <= kMaxQueueDelayNs);
    CHECK(c.timer_lateness_ns <= kMaxQueueDelayNs);
    CHECK(c.runnable <= uint64_t{8 + kMemberSlots} * kMaxRunnablePerSlot);
    if (c.uthreads_total) CHECK(*c.uthreads_total <= kMaxUthreads);
    CHECK((c.yield_signal == 0 || (c.yield_signal >= SIGRTMIN && c.yield_signal <= SIGRTMAX)));
    for (const SlotSignals& s : slots) {
      CHECK(s.tid <= kMaxTid);
      CHECK((s.state == KthreadState::kParked || s.state == KthreadState::kRunning ||
             s.state == KthreadState::kIdle));
      CHECK(s.runnable <= kMaxRunnablePerSlot);
    }
  }
  // The daemon's own bookkeeping is untouched: it still knows the size.
  CHECK(r->slots() == 8);
  CHECK(r->size() == RegionSize(8));
}

TEST_CASE("shm: out-of-range values are rejected and counted") {
  KthreadSlot s{};
  uint32_t rejected = 0;
  s.oldest_runnable_since_ns = MonotonicNowNs() + 3'600'000'000'000;  // an hour ahead
  s.runnable = kMaxRunnablePerSlot + 1;
  s.status = PackStatus(KthreadState::kParked, 7) | 0x55;  // invalid state
  s.tid = kMaxTid + 1;
  SlotSignals out = ReadSlot(s, 1'000'000'000, &rejected);
  CHECK(rejected == 4);
  CHECK(out.queue_delay_ns == 0);
  CHECK(out.runnable == 0);
  CHECK(out.state == KthreadState::kRunning);
  CHECK(out.tid == 0);
  s.oldest_runnable_since_ns = 1;  // a very old one: capped
  CHECK(ReadSlot(s, 100'000'000'000, &rejected).queue_delay_ns == kMaxQueueDelayNs);
  // The three states read as themselves, with their grant sequence.
  for (KthreadState st : {KthreadState::kParked, KthreadState::kRunning, KthreadState::kIdle}) {
    s.status = PackStatus(st, 9);
    uint32_t none = 0;
    SlotSignals o = ReadSlot(s, 1'000'000'000, &none);
    CHECK(o.state == st);
    CHECK(o.acked_seq == 9);
  }
}

ContainerStatus SampleStatus() {
  ContainerStatus s;
  s.id = 3;
  s.name = "web";
  s.cls = config::CpuClass::kLatencyCritical;
  s.pids = {48121};
  s.ip = 0x0a630002;
  s.active = 2;
  s.guaranteed = 1;
  s.max = 4;
  s.queue_delay_ns = 3500;
  s.queue_delay_p99_ns = 21000;
  s.uthreads_total = 37;
  s.rss_bytes = 73400320;
  s.started_unix_ns = 1'000'000'000;
  s.command = {"/usr/bin/memcached", "-t", "4", "quote\"d"};
  return s;
}

std::span<const uint8_t> Payload(const std::vector<uint8_t>& frame) {
  return std::span<const uint8_t>(frame).subspan(4);
}

TEST_CASE("control messages: round trips") {
  RegisterRequest req;
  req.name = "web";
  req.cls = config::CpuClass::kLatencyCritical;
  req.guaranteed = 1;
  req.max = 4;
  req.ip = 0x0a630002;
  req.pid = 77;
  req.command = {"a", "b c"};
  req.previous_id = 9;
  req.offers_region = true;
  req.mac = 0x024a0a630002;
  std::vector<uint8_t> f = EncodeRegisterRequest(req);
  uint32_t len;
  std::memcpy(&len, f.data(), 4);
  CHECK(len == f.size() - 4);
  CHECK(PeekType(Payload(f)) == MessageType::kRegisterRequest);
  RegisterRequest back;
  REQUIRE(DecodeRegisterRequest(Payload(f), &back));
  CHECK(back.name == "web");
  CHECK(back.cls == config::CpuClass::kLatencyCritical);
  CHECK(back.ip == req.ip);
  CHECK(back.command == req.command);
  CHECK(back.previous_id == 9);
  CHECK(back.offers_region);
  CHECK(back.mac == req.mac);
  RegisterReply wrong;
  CHECK_FALSE(DecodeRegisterReply(Payload(f), &wrong));

  std::vector<ContainerStatus> rows = {SampleStatus(), SampleStatus()};
  rows[1].mode = ContainerMode::kStandalone;
  rows[1].queue_delay_ns.reset();
  rows[0].net = net::NetCounters{};
  rows[0].net->rx_packets = 5;
  rows[0].net->tx_bytes = 600;
  rows[0].net->Count(net::Drop::kNicFull);
  rows[0].scheduled_pids = {4242, 4243};
  rows[0].scheduled_cores = {0, 2};
  std::vector<ContainerStatus> got;
  REQUIRE(DecodeStatusReply(Payload(EncodeStatusReply(rows)), &got));
  REQUIRE(got.size() == 2);
  CHECK(got[0].command == rows[0].command);
  CHECK(got[1].mode == ContainerMode::kStandalone);
  CHECK_FALSE(got[1].queue_delay_ns);
  REQUIRE(got[0].net);
  CHECK(got[0].net->rx_packets == 5);
  CHECK(got[0].net->tx_bytes == 600);
  CHECK(got[0].net->drops[static_cast<int>(net::Drop::kNicFull)] == 1);
  CHECK(got[0].net->total_drops() == 1);
  CHECK_FALSE(got[1].net);
  CHECK(got[0].scheduled_pids == rows[0].scheduled_pids);
  CHECK(got[0].scheduled_cores == rows[0].scheduled_cores);
  // One count per scheduled process, or the row is malformed.
  rows[0].scheduled_cores = {1};
  CHECK_FALSE(DecodeStatusReply(Payload(EncodeStatusReply(rows)), &got));
  rows[0].scheduled_cores = {0, 2};
  ContainerStatus one;
  CHECK(DecodeContainerStatus(EncodeContainerStatus(rows[0]), &one));
  CHECK(one.name == "web");

  NetJoinRequest join{.container_id = 12, .ip = 0x0a630002};
  std::vector<uint8_t> jf = EncodeNetJoinRequest(join);
  CHECK(PeekType(Payload(jf)) == MessageType::kNetJoinRequest);
  NetJoinRequest jback;
  REQUIRE(DecodeNetJoinRequest(Payload(jf), &jback));
  CHECK(jback.container_id == 12);
  CHECK(jback.ip == 0x0a630002);
  NetJoinReply jr{.error = 0, .message = "", .member = 3}, jrback;
  std::vector<uint8_t> jrf = EncodeNetJoinReply(jr);
  CHECK(PeekType(Payload(jrf)) == MessageType::kNetJoinReply);
  REQUIRE(DecodeNetJoinReply(Payload(jrf), &jrback));
  CHECK(jrback.member == 3);
  CHECK_FALSE(DecodeNetJoinReply(Payload(jf), &jrback));
  CHECK_FALSE(DecodeNetJoinRequest(std::span<const uint8_t>(Payload(jf).data(), 8), &jback));

  SchedJoinRequest sj{.container_id = 7}, sjback;
  std::vector<uint8_t> sjf = EncodeSchedJoinRequest(sj);
  CHECK(PeekType(Payload(sjf)) == MessageType::kSchedJoinRequest);
  REQUIRE(DecodeSchedJoinRequest(Payload(sjf), &sjback));
  CHECK(sjback.container_id == 7);
  SchedJoinReply sr{.error = 0, .message = "", .slot = 9, .token = 5}, srback;
  std::vector<uint8_t> srf = EncodeSchedJoinReply(sr);
  CHECK(PeekType(Payload(srf)) == MessageType::kSchedJoinReply);
  REQUIRE(DecodeSchedJoinReply(Payload(srf), &srback));
  CHECK(srback.slot == 9);
  CHECK(srback.token == 5);
  CHECK_FALSE(DecodeSchedJoinReply(Payload(sjf), &srback));
  CHECK_FALSE(DecodeSchedJoinRequest(Payload(jf), &sjback));
  CHECK_FALSE(DecodeSchedJoinRequest(std::span<const uint8_t>(Payload(sjf).data(), 8), &sjback));
}

TEST_CASE("control messages: truncated, corrupted and random input is refused, never crashes") {
  std::vector<uint8_t> f = EncodeStatusReply({SampleStatus()});
  std::vector<uint8_t> payload(f.begin() + 4, f.end());
  std::vector<ContainerStatus> rows;
  for (size_t n = 0; n < payload.size(); n++)
    CHECK_FALSE(DecodeStatusReply(std::span<const uint8_t>(payload.data(), n), &rows));
  std::mt19937 rng(static_cast<uint32_t>(testing::FuzzSeed(7)));
  for (uint64_t i = 0; i < testing::FuzzRounds(20000); i++) {
    std::vector<uint8_t> p = payload;
    for (int k = 0; k < 4; k++) p[rng() % p.size()] = static_cast<uint8_t>(rng());
    (void)DecodeStatusReply(p, &rows);
    RegisterRequest req;
    (void)DecodeRegisterRequest(p, &req);
    NetJoinRequest join;
    (void)DecodeNetJoinRequest(p, &join);
    SchedJoinRequest sjoin;
    (void)DecodeSchedJoinRequest(p, &sjoin);

    std::vector<uint8_t> noise(rng() % 64);
    for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
    (void)PeekType(noise);
    (void)DecodeRegisterRequest(noise, &req);
  }
  // A huge count does not allocate: refused by its bound.
  std::vector<uint8_t> big = {1, 0, 4, 0, 0xff, 0xff, 0xff, 0x7f};
  CHECK_FALSE(DecodeStatusReply(big, &rows));
}

TEST_CASE("queue delay p99 is time-weighted over the last second") {
  QueueDelayStats s;
  uint64_t t = 10'000'000'000;
  for (int i = 0; i < 1000; i++) {  // 1 s: 99.5% at 1 us, 0.5% at 1 ms
    s.Record(t, i % 200 == 0 ? 1'000'000 : 1'000);
    t += 1'000'000;
  }
  uint64_t p99 = s.Percentile(t, 99);
  CHECK(p99 >= 900);
  CHECK(p99 <= 1200);
  CHECK(s.Percentile(t, 99.9) >= 900'000);
  CHECK(s.Percentile(t + 5'000'000'000, 99) == 0);  // old windows are forgotten
  for (uint64_t v : {0ull, 3ull, 4ull, 100ull, 12345ull, 1ull << 40})
    CHECK(QueueDelayStats::BucketMidpoint(QueueDelayStats::BucketOf(v)) <= v + v / 4 + 1);
}

TEST_CASE("ps --json renders the documented fields, null for what is not published") {
  ContainerStatus s = SampleStatus();
  std::string j = FormatStatusJson({s}, 3'500'000'000);
  CHECK(j.find("\"id\": \"3\"") != std::string::npos);
  CHECK(j.find("\"class\": \"latency-critical\"") != std::string::npos);
  CHECK(j.find("\"mode\": \"daemon\"") != std::string::npos);
  CHECK(j.find("\"pids\": [48121]") != std::string::npos);
  CHECK(j.find("\"ip\": \"10.99.0.2\"") != std::string::npos);
  CHECK(j.find("\"cores\": {\"active\": 2, \"guaranteed\": 1, \"max\": 4}") != std::string::npos);
  CHECK(j.find("\"queue_delay_us\": {\"current\": 3.500, \"p99\": 21.000}") != std::string::npos);
  CHECK(j.find("\"uthreads\": {\"runnable\": null, \"total\": 37}") != std::string::npos);
  CHECK(j.find("\"preemptions\": null") != std::string::npos);
  CHECK(j.find("\"uptime_s\": 2.500") != std::string::npos);
  CHECK(j.find("\"quote\\\"d\"") != std::string::npos);
  CHECK(j.find("\"net\": null") != std::string::npos);
  s.net = net::NetCounters{};
  s.net->rx_packets = 4;
  s.net->Count(net::Drop::kSpoofed);
  j = FormatStatusJson({s}, 0);
  CHECK(j.find("\"net\": {\"rx_packets\": 4, \"rx_bytes\": 0, \"tx_packets\": 0, \"tx_bytes\": 0, "
               "\"drops\": {\"rx_ring_full\": 0, ") != std::string::npos);
  CHECK(j.find("\"spoofed\": 1, \"no_route\": 0, \"nic_full\": 0}}") != std::string::npos);
  CHECK(FormatStatusTable({s}, 0).find(" 4/0/1 ") != std::string::npos);
  s.net.reset();
  CHECK(FormatStatusJson({}, 0) == "[]");
  s.mode = ContainerMode::kStandalone;
  CHECK(FormatStatusJson({s}, 0).find("\"id\": \"s3\"") != std::string::npos);
}

}  // namespace
}  // namespace junction::sched
