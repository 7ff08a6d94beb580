#include "net/stack/arp.h"

#include <limits>

namespace junction::net {

std::optional<MacAddr> ArpCache::Lookup(Ip4 ip, uint64_t now) const {
  auto it = entries_.find(ip);
  if (it == entries_.end() || !it->second.mac || it->second.deadline <= now) return {};
  return it->second.mac;
}

// Evicts an expired or, failing that, the soonest-expiring resolved entry.
bool ArpCache::MakeRoom(uint64_t now) {
  if (entries_.size() < p_.max_entries) return true;
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (!it->second.mac) continue;  // never drop a resolution in progress
    if (it->second.deadline <= now) { victim = it; break; }
    if (victim == entries_.end() || it->second.deadline < victim->second.deadline) victim = it;
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  return true;
}

ArpCache::Queued ArpCache::Enqueue(Ip4 ip, std::vector<std::byte> packet, uint64_t now) {
  auto it = entries_.find(ip);
  if (it != entries_.end() && it->second.mac && it->second.deadline <= now) {
    entries_.erase(it);  // stale: resolve again
    it = entries_.end();
  }
  if (it == entries_.end()) {
    if (!MakeRoom(now)) return Queued::kDropped;
    Entry e;
    e.deadline = now + p_.retry_ns;
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
  it->second.mac = mac;
  it->second.deadline = now + p_.reachable_ns;
  it->second.requests = 0;
  return std::move(it->second.waiting);
}

void ArpCache::Tick(uint64_t now, std::vector<Ip4>* resend, size_t* dropped) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.deadline > now) { ++it; continue; }
    if (!e.mac && e.requests < p_.max_requests) {
      e.requests++;
      e.deadline = now + p_.retry_ns;
      resend->push_back(it->first);
      ++it;
      continue;
    }
    *dropped += e.waiting.size();
    it = entries_.erase(it);
  }
}

uint64_t ArpCache::NextDeadline() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  for (const auto& [ip, e] : entries_) next = std::min(next, e.deadline);
  return next;
}

}  // namespace junction::net
