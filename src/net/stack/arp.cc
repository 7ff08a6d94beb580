#include "net/stack/arp.h"

#include <limits>

namespace junction::net {

std::optional<MacAddr> ArpCache::Lookup(Ip4 ip, uint64_t now, std::optional<ArpRequest>* probe) {
  auto it = entries_.find(ip);
  if (it == entries_.end() || !it->second.mac) return {};
  Entry& e = it->second;
  if (Stale(e, now)) {
    e.probing = true;
    e.requests = 1;
    e.retry_at = now + p_.retry_ns;
    *probe = ArpRequest{ip, *e.mac};
  }
  return e.mac;
}

// Evicts a STALE or, failing that, the least recently confirmed entry.
bool ArpCache::MakeRoom(uint64_t now) {
  if (entries_.size() < p_.max_entries) return true;
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->second.mac) continue;  // never drop a resolution in progress
    if (Stale(it->second, now)) { victim = it; break; }
    if (victim == entries_.end() || it->second.confirmed < victim->second.confirmed) victim = it;
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  return true;
}

ArpCache::Queued ArpCache::Enqueue(Ip4 ip, std::vector<std::byte> packet, uint64_t now) {
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    if (!MakeRoom(now)) return Queued::kDropped;
    Entry e;
    e.retry_at = now + p_.retry_ns;
    e.requests = 1;
    e.waiting.push_back(std::move(packet));
    entries_.emplace(ip, std::move(e));
    return Queued::kSendRequest;
  }
  if (it->second.waiting.size() >= p_.max_queued) return Queued::kDropped;
  it->second.waiting.push_back(std::move(packet));
  return Queued::kWaiting;
}

std::vector<std::vector<std::byte>> ArpCache::Update(Ip4 ip, MacAddr mac, uint64_t now,
                                                     bool create) {
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    if (!create || !MakeRoom(now)) return {};
    it = entries_.emplace(ip, Entry{}).first;
  }
  Entry& e = it->second;
  e.mac = mac;
  e.confirmed = now;
  e.probing = false;
  e.requests = 0;
  return std::move(e.waiting);
}

void ArpCache::Confirm(Ip4 ip, uint64_t now) {
  auto it = entries_.find(ip);
  if (it == entries_.end() || !it->second.mac) return;
  it->second.confirmed = now;
  it->second.probing = false;
  it->second.requests = 0;
}

void ArpCache::Tick(uint64_t now, std::vector<ArpRequest>* resend, size_t* dropped) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (Deadline(e) > now) { ++it; continue; }
    if ((!e.mac || e.probing) && e.requests < p_.max_requests) {
      e.requests++;
      e.retry_at = now + p_.retry_ns;
      // A probe's last request is broadcast: the neighbour may have a new MAC.
      bool unicast = e.mac && e.requests < p_.max_requests;
      resend->push_back({it->first, unicast ? *e.mac : MacAddr::Broadcast()});
      ++it;
      continue;
    }
    *dropped += e.waiting.size();
    it = entries_.erase(it);
  }
}

uint64_t ArpCache::NextDeadline() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  for (const auto& [ip, e] : entries_) next = std::min(next, Deadline(e));
  return next;
}

}  // namespace junction::net
