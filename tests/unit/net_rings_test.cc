// The shared-memory packet rings (net/packet_queues.h): both ends in one
// process, over a real sealed region. Round trips, back-pressure without
// leaks, a two-thread SPSC stress in both directions, and a fuzz of the
// daemon's reader against a container that scribbles over its rings.
#include <doctest/doctest.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "net/container_queue.h"
#include "net/daemon_queue.h"
#include "sched/shm_region.h"
#include "fuzz_budget.h"

namespace junction::net {
namespace {

PacketQueues* QueuesOf(const sched::ShmRegion& r, uint32_t slot) {
  auto* base = reinterpret_cast<uint8_t*>(r.header());
  return reinterpret_cast<PacketQueues*>(base + sched::RingOffset(r.slots())) + slot;
}

std::vector<uint8_t> Frame(uint32_t seq, uint32_t len) {
  std::vector<uint8_t> f(len);
  for (uint32_t i = 0; i < len; i++) f[i] = static_cast<uint8_t>(seq * 7 + i);
  std::memcpy(f.data(), &seq, 4);
  return f;
}

uint32_t SeqOf(std::span<const uint8_t> f) {
  uint32_t s;
  std::memcpy(&s, f.data(), 4);
  return s;
}

bool Intact(std::span<const uint8_t> f) {
  uint32_t seq = SeqOf(f);
  for (uint32_t i = 4; i < f.size(); i++)
    if (f[i] != static_cast<uint8_t>(seq * 7 + i)) return false;
  return true;
}

struct Rig {
  std::optional<sched::ShmRegion> region;
  std::unique_ptr<ContainerQueue> c = std::make_unique<ContainerQueue>();
  std::unique_ptr<DaemonQueue> d;
  Rig() {
    std::string why;
    region = sched::ShmRegion::Create(2, 1, &why);
    REQUIRE_MESSAGE(region, why);
    d = std::make_unique<DaemonQueue>(QueuesOf(*region, 1), false);
    c->Attach(QueuesOf(*region, 1));
  }
};

TEST_CASE("net rings: the region holds one PacketQueues per kthread, page aligned") {
  CHECK(sched::RingOffset(3) % 4096 == 0);
  CHECK(sched::RegionSize(3) ==
        sched::RingOffset(3) + 3 * sizeof(PacketQueues) + sizeof(NetPortTable) +
            sizeof(NetFlowTable) + sizeof(ParkedArea));
  Rig rig;
  CHECK(rig.region->header()->ring_size == 2 * sizeof(PacketQueues));
  // The port table follows the rings, then the flow table and the
  // parked segments.
  CHECK(rig.region->header()->ring_offset + rig.region->header()->ring_size ==
        sched::PortTableOffset(2));
  CHECK(sched::PortTableOffset(2) + sizeof(NetPortTable) == sched::FlowTableOffset(2));
  CHECK(sched::FlowTableOffset(2) + sizeof(NetFlowTable) == sched::ParkedOffset(2));
  CHECK(sched::ParkedOffset(2) + sizeof(ParkedArea) == rig.region->size());
  CHECK(rig.d->attached());
  CHECK_FALSE(DaemonQueue(QueuesOf(*rig.region, 0), false).attached());
}

TEST_CASE("net rings: frames go both ways and every buffer comes back") {
  Rig rig;
  uint8_t out[kBufferBytes];
  // Many more frames than buffers: a leak on either path would stall.
  for (uint32_t seq = 0; seq < 20 * kBuffersPerQueue; seq++) {
    std::vector<uint8_t> f = Frame(seq, 60 + seq % 1400);
    REQUIRE(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
    rig.d->Publish();
    CHECK(rig.c->RxPending() == 1);
    int got = rig.c->PollRx([&](std::span<const uint8_t> fr) {
      CHECK(fr.size() == f.size());
      CHECK(SeqOf(fr) == seq);
      CHECK(Intact(fr));
    }, 8);
    REQUIRE(got == 1);

    REQUIRE(rig.c->Transmit(f));
    uint32_t len = 0;
    REQUIRE(rig.d->TakeTx(out, &len) == DaemonQueue::TakeResult::kFrame);
    CHECK(len == f.size());
    CHECK(SeqOf({out, len}) == seq);
    rig.d->Publish();
  }
  CHECK(rig.c->tx_dropped() == 0);
  CHECK(rig.c->rx_bad() == 0);
}

TEST_CASE("net rings: full rings push back, counted, and drain again") {
  Rig rig;
  std::vector<uint8_t> f = Frame(1, 100);
  SUBCASE("rx: the ring fills up, then the container drains it") {
    for (uint32_t i = 0; i < kRingEntries; i++)
      REQUIRE(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
    CHECK(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kRingFull);
    rig.d->Publish();
    CHECK(rig.d->RxBacklog() == kRingEntries);
    int n = 0;
    while (rig.c->PollRx([](std::span<const uint8_t>) {}, 64) > 0) n++;
    CHECK(rig.d->RxBacklog() == 0);
    CHECK(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
  }
  SUBCASE("rx: no buffer lent") {
    DaemonQueue other(QueuesOf(*rig.region, 0), false);  // nobody attached: fill is empty
    CHECK(other.Deliver(f) == DaemonQueue::DeliverResult::kNoBuffer);
  }
  SUBCASE("rx: too big for a buffer") {
    std::vector<uint8_t> big(kBufferBytes + 1);
    CHECK(rig.d->Deliver(big) == DaemonQueue::DeliverResult::kTooBig);
  }
  SUBCASE("tx: every buffer in flight, then completions free them") {
    uint32_t sent = 0;
    while (rig.c->Transmit(f)) sent++;
    CHECK(sent == kRingEntries);  // the tx ring bounds it (kBuffersPerQueue - kRxBuffers too)
    CHECK(rig.c->tx_dropped() == 1);
    uint8_t out[kBufferBytes];
    uint32_t len;
    uint32_t taken = 0;
    while (rig.d->TakeTx(out, &len) == DaemonQueue::TakeResult::kFrame) taken++;
    rig.d->Publish();
    CHECK(taken == sent);
    // The completions are reaped on the next transmit.
    for (uint32_t i = 0; i < kRingEntries; i++) REQUIRE(rig.c->Transmit(f));
  }
  SUBCASE("tx: frames smaller than an Ethernet header are refused") {
    std::vector<uint8_t> tiny(kMinFrameBytes - 1);
    CHECK_FALSE(rig.c->Transmit(tiny));
  }
}

TEST_CASE("net rings: a daemon restart resumes from the indices in the region") {
  Rig rig;
  std::vector<uint8_t> f = Frame(9, 80);
  for (int i = 0; i < 3; i++) REQUIRE(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
  rig.d->Publish();
  rig.c->PollRx([](std::span<const uint8_t>) {}, 1);
  DaemonQueue again(QueuesOf(*rig.region, 1), /*resume=*/true);
  CHECK(again.RxBacklog() == 2);
  REQUIRE(again.Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
  again.Publish();
  CHECK(rig.c->PollRx([](std::span<const uint8_t>) {}, 16) == 3);
}

TEST_CASE("net rings: two-thread SPSC stress, in order and intact both ways") {
  Rig rig;
  constexpr uint32_t kFrames = 200'000;
  std::atomic<bool> failed{false};
  // The daemon thread: delivers kFrames, takes kFrames.
  std::thread daemon([&] {
    uint8_t out[kBufferBytes];
    uint32_t next_rx = 0, next_tx = 0;
    while (next_rx < kFrames || next_tx < kFrames) {
      if (next_rx < kFrames) {
        std::vector<uint8_t> f = Frame(next_rx, 60 + next_rx % 1000);
        if (rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered) next_rx++;
      }
      uint32_t len;
      DaemonQueue::TakeResult r = rig.d->TakeTx(out, &len);
      if (r == DaemonQueue::TakeResult::kFrame) {
        if (SeqOf({out, len}) != next_tx || len != 60 + next_tx % 1000 || !Intact({out, len}))
          failed = true;
        next_tx++;
      } else if (r != DaemonQueue::TakeResult::kEmpty) {
        failed = true;
      }
      rig.d->Publish();
    }
  });
  uint32_t next_rx = 0, next_tx = 0;
  while (next_rx < kFrames || next_tx < kFrames) {
    rig.c->PollRx([&](std::span<const uint8_t> f) {
      if (SeqOf(f) != next_rx || f.size() != 60 + next_rx % 1000 || !Intact(f)) failed = true;
      next_rx++;
    }, 32);
    if (next_tx < kFrames) {
      std::vector<uint8_t> f = Frame(next_tx, 60 + next_tx % 1000);
      if (rig.c->Transmit(f)) next_tx++;
    }
  }
  daemon.join();
  CHECK_FALSE(failed.load());
  CHECK(next_rx == kFrames);
}

// The sleeper-flag handshake (packet_queues.h, "Sleeper flags") in two
// threads, one frame at a time. The consumer drains, asks for a kick,
// re-checks and sleeps on a doorbell; the producer publishes a frame,
// checks the flag and rings. A lost wake-up is the consumer asleep (it
// wakes only on a ring) with the producer's frame unread and no ring sent:
// the producer sees that, counts it and rings anyway so the run goes on.
// With both full fences this cannot happen (the producer's flag load and
// the consumer's re-check cannot both miss); without the producer's fence
// x86 can do it, rarely. Bounded by frame count, no timing.
//
// Both threads wait by sleeping in the kernel, never by spinning with
// sched_yield: on a loaded host a yield hands the CPU to any other runnable
// task for a whole time slice, and a run is 100,000 hand-offs (with four
// CPU hogs beside it, runs took 80-440 s of a 600 s timeout instead of
// 0.6 s). A woken sleeper runs at once instead.
void FutexWait(std::atomic<uint32_t>& word, uint32_t seen, const timespec* timeout) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, timeout, nullptr, 0);
}
void FutexWake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free);

struct Handshake {
  std::atomic<uint32_t> bell{0};       // the doorbell (an eventfd's stand-in)
  std::atomic<bool> asleep{false};     // the consumer is asleep on bell
  std::atomic<uint32_t> consumed{0};   // frames the consumer has read
  std::atomic<uint32_t> lost{0};       // lost wake-ups seen by the producer
  void Ring() {
    bell.fetch_add(1);
    FutexWake(bell);
  }
};

// consume(): reads every pending frame, returns how many. wants(on): the
// consumer's flag store. pending(): the re-check. publish(i): the producer
// queues frame i; kick_wanted(): its flag check (with its fence).
template <typename Consume, typename Wants, typename Pending, typename Publish, typename KickWanted>
void RunHandshake(uint32_t frames, Handshake& h, Consume consume, Wants wants, Pending pending,
                  Publish publish, KickWanted kick_wanted) {
  std::thread consumer([&] {
    while (h.consumed.load() < frames) {
      if (uint32_t n = consume(); n > 0) {
        h.consumed.fetch_add(n);
        FutexWake(h.consumed);
      }
      if (h.consumed.load() >= frames) break;
      uint32_t seen = h.bell.load();
      wants(true);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (pending()) {
        wants(false);
        continue;
      }
      h.asleep.store(true);
      while (h.bell.load() == seen) FutexWait(h.bell, seen, nullptr);
      h.asleep.store(false);
      wants(false);
    }
  });
  for (uint32_t i = 0; i < frames; i++) {
    publish(i);
    bool kicked = kick_wanted();
    if (kicked) h.Ring();
    // Asleep until the consumer has read frame i; every millisecond it
    // looks for a lost wake-up (that consumer would sleep for ever).
    const timespec look = {0, 1'000'000};
    for (uint32_t c; (c = h.consumed.load()) <= i;) {
      if (!kicked && h.asleep.load() && h.consumed.load() <= i) {
        h.lost.fetch_add(1);
        kicked = true;
        h.Ring();
      }
      FutexWait(h.consumed, c, &look);
    }
  }
  consumer.join();
}

TEST_CASE("net rings: no tx frame is left unread while the daemon sleeps") {
  Rig rig;
  constexpr uint32_t kFrames = 100'000;
  Handshake h;
  uint32_t next = 0;
  bool bad = false;
  RunHandshake(
      kFrames, h,
      [&] {
        uint8_t out[kBufferBytes];
        uint32_t len, n = 0;
        DaemonQueue::TakeResult r;
        while ((r = rig.d->TakeTx(out, &len)) == DaemonQueue::TakeResult::kFrame) {
          if (SeqOf({out, len}) != next++ || !Intact({out, len})) bad = true;
          n++;
        }
        if (r != DaemonQueue::TakeResult::kEmpty) bad = true;
        rig.d->Publish();
        return n;
      },
      [&](bool on) { rig.d->SetWantsKick(on); },
      [&] { return rig.d->TxPending() > 0; },
      [&](uint32_t i) {
        std::vector<uint8_t> f = Frame(i, 60 + i % 200);
        REQUIRE(rig.c->Transmit(f));
      },
      [&] { return rig.c->DaemonWantsKick(); });
  CHECK_FALSE(bad);
  CHECK(next == kFrames);
  CHECK(h.lost.load() == 0);
}

TEST_CASE("net rings: no rx frame is left unread while the container sleeps") {
  Rig rig;
  constexpr uint32_t kFrames = 100'000;
  PacketQueues* q = QueuesOf(*rig.region, 1);
  Handshake h;
  uint32_t next = 0;
  bool bad = false;
  RunHandshake(
      kFrames, h,
      [&] {
        return static_cast<uint32_t>(rig.c->PollRx([&](std::span<const uint8_t> f) {
          if (SeqOf(f) != next++ || !Intact(f)) bad = true;
        }, 64));
      },
      [&](bool on) { q->container_wants_kick.store(on ? 1 : 0, std::memory_order_relaxed); },
      [&] { return rig.c->RxPending() > 0; },
      [&](uint32_t i) {
        std::vector<uint8_t> f = Frame(i, 60 + i % 200);
        REQUIRE(rig.d->Deliver(f) == DaemonQueue::DeliverResult::kDelivered);
        rig.d->Publish();
      },
      [&] { return rig.d->ConsumerWantsKick(); });
  CHECK_FALSE(bad);
  CHECK(next == kFrames);
  CHECK(h.lost.load() == 0);
}

TEST_CASE("net rings: the daemon's end survives a container scribbling over its rings") {
  Rig rig;
  PacketQueues* q = QueuesOf(*rig.region, 1);
  auto* raw = reinterpret_cast<uint8_t*>(q);
  const size_t rings_bytes = offsetof(PacketQueues, buffers);
  std::mt19937_64 rng(testing::FuzzSeed(7));
  uint8_t out[kBufferBytes + 64];
  std::memset(out + kBufferBytes, 0xa5, 64);  // a guard after the largest frame
  std::vector<uint8_t> f = Frame(3, 200);
  uint64_t frames = 0, corrupt = 0, bad = 0;
  for (uint64_t round = 0; round < testing::FuzzRounds(3000); round++) {
    // What the daemon last published, before the container spoils it.
    uint32_t comp_prod = q->comp_idx.producer.load(), tx_cons = q->tx_idx.consumer.load();
    uint32_t rx_prod = q->rx_idx.producer.load(), fill_cons = q->fill_idx.consumer.load();
    // Random bytes over the control words, indices and entries; in half the
    // rounds small values (indices and buffer numbers that look plausible).
    for (size_t off = 0; off + 8 <= rings_bytes; off += 8) {
      if (rng() % 4 != 0) continue;
      uint64_t v = rng();
      if (round % 2) v &= (rng() % 2) ? 0x7ff : 0x000007ff000007ffull;
      std::memcpy(raw + off, &v, 8);
    }
    if (round % 3 == 0) {
      // Container indices near the daemon's: the rings look almost sane.
      q->comp_idx.consumer.store(comp_prod - static_cast<uint32_t>(rng() % 8));
      q->tx_idx.producer.store(tx_cons + static_cast<uint32_t>(rng() % 600));
      q->rx_idx.consumer.store(rx_prod - static_cast<uint32_t>(rng() % 600));
      q->fill_idx.producer.store(fill_cons + static_cast<uint32_t>(rng() % 600));
    }
    for (int i = 0; i < 40; i++) {
      uint32_t len = 0;
      switch (rig.d->TakeTx(out, &len)) {
        case DaemonQueue::TakeResult::kFrame:
          REQUIRE(len >= kMinFrameBytes);
          REQUIRE(len <= kBufferBytes);
          frames++;
          break;
        case DaemonQueue::TakeResult::kCorrupt: corrupt++; break;
        case DaemonQueue::TakeResult::kStillCorrupt: break;
        case DaemonQueue::TakeResult::kBadDescriptor: bad++; break;
        case DaemonQueue::TakeResult::kEmpty: break;
      }
      rig.d->Deliver(f);
    }
    CHECK(rig.d->RxBacklog() <= kRingEntries);
    CHECK(rig.d->TxPending() <= kRingEntries);
    rig.d->Publish();
  }
  for (int i = 0; i < 64; i++) REQUIRE(out[kBufferBytes + i] == 0xa5);
  // Every outcome happened: the fuzz reaches all branches.
  CHECK(frames > 0);
  CHECK(corrupt > 0);
  CHECK(bad > 0);
}

TEST_CASE("net rings: a scribbler racing the daemon's end") {
  // Concurrent random writes: values change between the daemon's reads.
  Rig rig;
  PacketQueues* q = QueuesOf(*rig.region, 1);
  std::atomic<bool> stop{false};
  std::thread scribbler([&] {
    std::mt19937_64 rng(testing::FuzzSeed(11));
    auto* words = reinterpret_cast<std::atomic<uint64_t>*>(q);
    const size_t n = offsetof(PacketQueues, buffers) / 8;
    while (!stop.load(std::memory_order_relaxed))
      words[rng() % n].store(rng() & ((rng() & 1) ? 0xfff : ~uint64_t{0}), std::memory_order_relaxed);
  });
  uint8_t out[kBufferBytes];
  std::vector<uint8_t> f = Frame(5, 1500);
  for (uint64_t i = 0; i < testing::FuzzRounds(200'000); i++) {
    uint32_t len = 0;
    if (rig.d->TakeTx(out, &len) == DaemonQueue::TakeResult::kFrame) {
      REQUIRE(len >= kMinFrameBytes);
      REQUIRE(len <= kBufferBytes);
    }
    rig.d->Deliver(f);
    if (i % 16 == 0) rig.d->Publish();
  }
  stop = true;
  scribbler.join();
}

}  // namespace
}  // namespace junction::net
