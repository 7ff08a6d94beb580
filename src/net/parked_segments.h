// TCP segments one process of a bypass container got for a connection
// another process will serve (docs/network.md "Processes"): after a fork,
// until a process claims a connection (flow_table.h), the daemon steers its
// segments by port, often to a process that already let go of it (a
// forking server's parent). That process parks them here, in the
// container's shared region, instead of dropping them; the process that
// claims the connection takes them and processes them as if they had come
// to it, so the peer need not retransmit (a 200 ms wait with Linux).
//
// Only the container's processes use this area (the daemon never reads
// it); every read is bounded by the entry's size, and what a taker reads
// goes through the stack's usual checks (checksum and all), so a
// scribbled area only loses or garbles the container's own segments.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>

namespace junction::net {

inline constexpr uint32_t kParkedSegments = 64;
inline constexpr uint32_t kParkedBytes = 1536;  // a whole segment of a 1500-byte MTU

struct ParkedSegment {
  // kParkFree -> kParkWriting -> kParkFull -> kParkReading -> kParkFree,
  // each step a CAS by the process making it.
  std::atomic<uint32_t> state;
  uint32_t len;   // bytes of `data`
  uint64_t key;   // FlowKey of the connection
  uint64_t seq;   // arrival order (ParkedArea::next)
  uint32_t src, dst;  // IPv4 addresses of the segment
  uint8_t data[kParkedBytes];  // the TCP segment (header and payload)
};

struct alignas(4096) ParkedArea {
  std::atomic<uint64_t> next;  // arrival counter
  uint8_t pad[56];
  ParkedSegment segs[kParkedSegments];
};
static_assert(sizeof(ParkedArea) % 4096 == 0);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

inline constexpr uint32_t kParkFree = 0, kParkWriting = 1, kParkFull = 2, kParkReading = 3;

// Parks a segment of connection `key`. False: no room (it is lost; the
// peer retransmits) or too big.
inline bool ParkSegment(ParkedArea* a, uint64_t key, uint32_t src, uint32_t dst,
                        std::span<const std::byte> seg) {
  if (seg.size() > kParkedBytes) return false;
  for (ParkedSegment& p : a->segs) {
    uint32_t st = kParkFree;
    if (!p.state.compare_exchange_strong(st, kParkWriting, std::memory_order_acquire)) continue;
    p.len = static_cast<uint32_t>(seg.size());
    p.key = key;
    p.seq = a->next.fetch_add(1, std::memory_order_relaxed);
    p.src = src;
    p.dst = dst;
    std::memcpy(p.data, seg.data(), seg.size());
    p.state.store(kParkFull, std::memory_order_release);
    return true;
  }
  return false;
}

// Takes every segment parked for `key`, oldest first, into fn(src, dst,
// segment); returns how many.
template <typename F>
int TakeParkedSegments(ParkedArea* a, uint64_t key, F fn) {
  int taken = 0;
  // Bounded: a scribbled area must not keep a taker here.
  for (uint32_t round = 0; round < 2 * kParkedSegments; round++) {
    // The oldest one for the key (a few dozen entries: a linear scan).
    ParkedSegment* oldest = nullptr;
    for (ParkedSegment& p : a->segs) {
      if (p.state.load(std::memory_order_acquire) != kParkFull || p.key != key) continue;
      if (oldest == nullptr || p.seq < oldest->seq) oldest = &p;
    }
    if (oldest == nullptr) return taken;
    uint32_t st = kParkFull;
    if (!oldest->state.compare_exchange_strong(st, kParkReading, std::memory_order_acquire))
      continue;  // another taker got it
    uint8_t copy[kParkedBytes];
    uint32_t len = oldest->len < kParkedBytes ? oldest->len : kParkedBytes;
    bool same = oldest->key == key;
    uint32_t src = oldest->src, dst = oldest->dst;
    std::memcpy(copy, oldest->data, len);
    oldest->state.store(kParkFree, std::memory_order_release);
    if (!same) continue;
    fn(src, dst, std::span<const std::byte>(reinterpret_cast<const std::byte*>(copy), len));
    taken++;
  }
  return taken;
}

// Frees what was parked for connections nobody will take any more
// (`stale(key)`): called before parking, so the area does not fill up
// with segments of connections whose holders all left.
template <typename F>
void DropStaleParked(ParkedArea* a, F stale) {
  for (ParkedSegment& p : a->segs) {
    if (p.state.load(std::memory_order_acquire) != kParkFull || !stale(p.key)) continue;
    uint32_t st = kParkFull;
    if (p.state.compare_exchange_strong(st, kParkReading, std::memory_order_acquire))
      p.state.store(kParkFree, std::memory_order_release);
  }
}

}  // namespace junction::net
