// The ARP cache (RFC 826): IPv4 -> MAC, resolution with a bounded number of
// retries and a bounded queue of packets waiting for an address, and
// neighbour reachability as Linux keeps it (RFC 4861 7.3 states, applied to
// ARP): a confirmed entry is REACHABLE for `reachable_ns`, then STALE. A
// STALE entry is still used; its first use starts a background re-resolution
// (PROBE: unicast requests to the known MAC, the last one broadcast) while
// traffic keeps flowing to the old MAC. An answer, or an upper-layer
// confirmation (TCP acknowledging new data), makes it REACHABLE again; a
// probe nobody answers forgets the entry. So traffic never waits on an
// entry's expiry. Pure data structure on a caller-supplied clock; the stack
// sends the requests it asks for.
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
  uint64_t reachable_ns = 60'000'000'000;  // REACHABLE this long after a confirmation
  uint64_t stale_ns = 60'000'000'000;      // an unused STALE entry is then forgotten
  uint64_t retry_ns = 1'000'000'000;       // between requests while resolving or probing
  int max_requests = 3;                    // then queued packets are dropped / the entry forgotten
  size_t max_entries = 512;
  size_t max_queued = 16;                  // packets waiting per address
};

// A request the stack must send: for `ip`, to `to` (broadcast while
// resolving, the known MAC while probing).
struct ArpRequest {
  Ip4 ip;
  MacAddr to;
  bool operator==(const ArpRequest&) const = default;
};

class ArpCache {
 public:
  explicit ArpCache(ArpParams p = {}) : p_(p) {}

  // The MAC to send to `ip`, if one is known (also when STALE). The first
  // use of a STALE entry puts it in PROBE and returns the request to send
  // now in `probe`.
  std::optional<MacAddr> Lookup(Ip4 ip, uint64_t now, std::optional<ArpRequest>* probe);

  enum class Queued { kSendRequest, kWaiting, kDropped };
  // Parks an IP packet until `ip` resolves (no MAC known). kSendRequest: a
  // new resolution started and the caller must send the first request now.
  Queued Enqueue(Ip4 ip, std::vector<std::byte> packet, uint64_t now);

  // Records ip -> mac (from any ARP packet naming ip; `create` false only
  // refreshes an existing entry, RFC 826's merge flag): REACHABLE. Returns
  // the packets that were waiting for it.
  std::vector<std::vector<std::byte>> Update(Ip4 ip, MacAddr mac, uint64_t now,
                                             bool create);

  // An upper layer saw the neighbour answer (Linux's dst_confirm): a known
  // entry is REACHABLE again, and a probe in progress ends.
  void Confirm(Ip4 ip, uint64_t now);

  // Runs the timers: requests to send go to `resend`; resolutions that ran
  // out of retries are removed and their packets counted in `dropped`;
  // unanswered probes and unused STALE entries are removed.
  void Tick(uint64_t now, std::vector<ArpRequest>* resend, size_t* dropped);

  uint64_t NextDeadline() const;
  // The MAC known for `ip` (any state but INCOMPLETE), with no side effect.
  std::optional<MacAddr> Known(Ip4 ip) const {
    auto it = entries_.find(ip);
    return it == entries_.end() ? std::nullopt : it->second.mac;
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::optional<MacAddr> mac;  // empty while resolving (INCOMPLETE)
    uint64_t confirmed = 0;      // the last proof of reachability
    bool probing = false;        // PROBE: re-resolving while `mac` is used
    uint64_t retry_at = 0;       // next request while resolving or probing
    int requests = 0;
    std::vector<std::vector<std::byte>> waiting;
  };
  bool Stale(const Entry& e, uint64_t now) const {
    return e.mac && !e.probing && now >= e.confirmed + p_.reachable_ns;
  }
  uint64_t Deadline(const Entry& e) const {
    return !e.mac || e.probing ? e.retry_at : e.confirmed + p_.reachable_ns + p_.stale_ns;
  }
  bool MakeRoom(uint64_t now);

  ArpParams p_;
  std::unordered_map<Ip4, Entry> entries_;
};

}  // namespace junction::net
