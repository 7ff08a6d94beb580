// Which processes of a bypass container receive on each local TCP/UDP port
// (docs/network.md "Processes"). The table lives in the container's shared
// region (sched/shm_protocol.h), so every process of the container (they
// inherit the mapping across fork) and the daemon see it.
//
// A container's processes are *members* of its switch port: member 0 is
// the first process (the one that registered, with one set of rings per
// kthread), members 1..31 are forked processes that joined later (one set
// of rings each). A port's word has bit m set while member m receives on
// it: it picked the port as an ephemeral port, bound and connected it, or
// accepts / polls a listener or a UDP socket on it. The daemon steers a
// packet by its destination port (SteerMember) among the members whose
// rings are attached; a port nobody marked goes to member 0.
//
// Written by the container's processes (atomic or/and of their own bit),
// read by the daemon, which trusts nothing in it: a wrong word only sends
// the container's own packets to the wrong one of its processes.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>

namespace junction::net {

inline constexpr uint32_t kMaxNetMembers = 32;  // bits of a port word

struct NetPortTable {
  std::atomic<uint32_t> tcp[65536];
  std::atomic<uint32_t> udp[65536];
};
static_assert(sizeof(NetPortTable) % 4096 == 0);
static_assert(std::atomic<uint32_t>::is_always_lock_free);

// The word for (IP protocol, port), or nullptr for protocols without ports.
inline std::atomic<uint32_t>* PortWord(NetPortTable* t, uint8_t proto, uint16_t port) {
  if (proto == 6) return &t->tcp[port];
  if (proto == 17) return &t->udp[port];
  return nullptr;
}

// The member a packet goes to: among the members in `word` whose rings are
// attached (`attached`, bit per member), the one `hash` picks (so every
// packet of one flow meets the same member while the set is unchanged);
// member 0 if none.
inline uint32_t SteerMember(uint32_t word, uint32_t attached, uint32_t hash) {
  uint32_t m = word & attached;
  if (m == 0) return 0;
  int n = std::popcount(m);
  for (int k = static_cast<int>(hash % static_cast<uint32_t>(n)); k > 0; k--) m &= m - 1;
  return static_cast<uint32_t>(std::countr_zero(m));
}

}  // namespace junction::net
