// The ARP cache (RFC 826): IPv4 -> MAC with a lifetime, resolution with a
// bounded number of retries, and a bounded queue of packets waiting for an
// address. Pure data structure on a caller-supplied clock; the stack sends
// the requests it asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/link.h"
#include "net/stack/wire.h"

namespace junction::net {

struct ArpParams {
  uint64_t reachable_ns = 60'000'000'000;  // a learned entry's lifetime
  uint64_t retry_ns = 1'000'000'000;       // between requests while resolving
  int max_requests = 3;                    // then queued packets are dropped
  size_t max_entries = 512;
  size_t max_queued = 16;                  // packets waiting per address
};

class ArpCache {
 public:
  explicit ArpCache(ArpParams p = {}) : p_(p) {}

  // The MAC for `ip` if resolved and not expired.
  std::optional<MacAddr> Lookup(Ip4 ip, uint64_t now) const;

  enum class Queued { kSendRequest, kWaiting, kDropped };
  // Parks an IP packet until `ip` resolves. kSendRequest: a new resolution
  // started and the caller must send the first request now.
  Queued Enqueue(Ip4 ip, std::vector<std::byte> packet, uint64_t now);

  // Records ip -> mac (from any ARP packet naming ip; `create` false only
  // refreshes an existing entry, RFC 826's merge flag). Returns the packets
  // that were waiting for it.
  std::vector<std::vector<std::byte>> Update(Ip4 ip, MacAddr mac, uint64_t now,
                                             bool create);

  // Runs the timers: addresses to send another request for go to `resend`;
  // resolutions that ran out of retries are removed and their packets
  // counted in `dropped`; expired entries are removed.
  void Tick(uint64_t now, std::vector<Ip4>* resend, size_t* dropped);

  uint64_t NextDeadline() const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::optional<MacAddr> mac;  // empty while resolving
    uint64_t deadline = 0;       // expiry, or next retry while resolving
    int requests = 0;
    std::vector<std::vector<std::byte>> waiting;
  };
  bool MakeRoom(uint64_t now);

  ArpParams p_;
  std::unordered_map<Ip4, Entry> entries_;
};

}  // namespace junction::net
