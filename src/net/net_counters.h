// Per-container packet counters kept by the daemon's switch and shown by
// `junction ps` (docs/cli.md "ps --json", the "net" object).
#pragma once

#include <cstdint>

namespace junction::net {

enum class Drop : uint8_t {
  kRxRingFull,     // the kthread's rx ring was full (it is not keeping up)
  kRxNoBuffer,     // the container lent no empty buffer (fill ring empty)
  kRxNoQueue,      // no kthread of the container polls its rings
  kTooBig,         // larger than a ring buffer (kBufferBytes)
  kBadDescriptor,  // the container posted an invalid buffer index or length
  kRingCorrupt,    // a ring index the container wrote was impossible
  kMalformed,      // too short, or ARP/IPv4 headers that do not add up
  kSpoofed,        // source MAC or IPv4 address not the container's
  kNoRoute,        // no container has the destination and there is no NIC
  kNicFull,        // the NIC's transmit queue was full
  kCount
};
inline constexpr int kDropReasons = static_cast<int>(Drop::kCount);
const char* DropName(Drop d);  // "rx_ring_full", ... (stable: ps --json keys)

struct NetCounters {
  uint64_t rx_packets = 0, rx_bytes = 0;  // delivered to the container
  uint64_t tx_packets = 0, tx_bytes = 0;  // taken from its tx rings and sent on
  uint64_t drops[kDropReasons] = {};      // by reason, to or from the container

  void Count(Drop d) { drops[static_cast<int>(d)]++; }
  uint64_t total_drops() const {
    uint64_t t = 0;
    for (uint64_t d : drops) t += d;
    return t;
  }
};

}  // namespace junction::net
