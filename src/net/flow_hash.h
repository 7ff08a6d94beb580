// Which kthread of a container a packet goes to (docs/network.md
// "Steering"). The daemon steers every IPv4 packet for a container to
// queue FlowQueue(FlowHash(...)); the container's stack uses the same
// functions to pick the local port of a connection it opens, so the
// replies land on the kthread that owns the connection.
#pragma once

#include <cstdint>

namespace junction::net {

// Symmetric in (a, b): a packet and its reply hash the same. Ports are 0
// for protocols without them and for IP fragments (a fragment after the
// first has no ports, and all fragments must meet on one kthread).
inline uint32_t FlowHash(uint32_t ip_a, uint32_t ip_b, uint16_t port_a, uint16_t port_b,
                         uint8_t proto) {
  uint64_t x = (uint64_t{ip_a ^ ip_b} << 32) | (uint32_t{static_cast<uint16_t>(port_a ^ port_b)} << 8) |
               proto;
  x ^= uint64_t{ip_a + ip_b} * 0x9e3779b97f4a7c15ull;
  x += uint64_t{static_cast<uint32_t>(port_a) + port_b} << 40;
  // splitmix64 finaliser
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return static_cast<uint32_t>(x ^ (x >> 31));
}

// The queue (kthread slot) for `hash` among `slots`, given which slots
// poll their rings (bit s%64 of attached_bits[s/64]): hash % slots, or
// the next attached slot after it. -1 if none.
inline int FlowQueue(uint32_t hash, uint32_t slots, const uint64_t* attached_bits) {
  if (slots == 0) return -1;
  uint32_t first = hash % slots;
  for (uint32_t k = 0; k < slots; k++) {
    uint32_t s = (first + k) % slots;
    if (attached_bits[s / 64] >> (s % 64) & 1) return static_cast<int>(s);
  }
  return -1;
}

}  // namespace junction::net
