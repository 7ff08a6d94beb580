#include "net/stack/reassembly.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace junction::net {

std::optional<std::vector<std::byte>> Reassembler::Add(Ip4 src, Ip4 dst, uint16_t id,
                                                       uint8_t proto, uint16_t offset,
                                                       bool more,
                                                       std::span<const std::byte> payload,
                                                       uint64_t now) {
  uint32_t start = offset, end = offset + static_cast<uint32_t>(payload.size());
  // Only the last fragment may have a length that is not a multiple of 8;
  // nothing may reach past 65535 - 20 bytes of payload.
  if (end > 65535 - kIp4HeaderLen || (more && (payload.size() % 8 != 0 || payload.empty()))) {
    c_.dropped_bad++;
    return {};
  }
  Key k{src, dst, id, proto};
  auto it = parts_.find(k);
  if (it == parts_.end()) {
    if (parts_.size() >= p_.max_datagrams) {
      c_.dropped_limits++;
      return {};
    }
    it = parts_.emplace(k, Partial{{}, {}, {}, now + p_.timeout_ns}).first;
  }
  Partial& pt = it->second;
  auto drop = [&](uint64_t* counter) {
    (*counter)++;
    bytes_ -= pt.data.size();
    parts_.erase(it);
    return std::nullopt;
  };
  if (!more) {
    if ((pt.total && *pt.total != end) || (!pt.have.empty() && pt.have.rbegin()->second > end))
      return drop(&c_.dropped_bad);  // two different ends: garbage
    pt.total = end;
  } else if (pt.total && end > *pt.total) {
    return drop(&c_.dropped_bad);
  }
  if (end > pt.data.size()) {
    size_t grow = end - pt.data.size();
    if (bytes_ + grow > p_.max_bytes) return drop(&c_.dropped_limits);
    pt.data.resize(end);
    bytes_ += grow;
  }
  // Overlaps are resolved in favour of the newest bytes (RFC 791 allows either).
  if (!payload.empty()) std::memcpy(pt.data.data() + start, payload.data(), payload.size());
  // Merge [start, end) into the received ranges.
  auto next = pt.have.upper_bound(start);
  if (next != pt.have.begin()) {
    auto prev = std::prev(next);
    if (prev->second >= start) {
      start = prev->first;
      end = std::max(end, prev->second);
      pt.have.erase(prev);
    }
  }
  for (next = pt.have.lower_bound(start); next != pt.have.end() && next->first <= end;) {
    end = std::max(end, next->second);
    next = pt.have.erase(next);
  }
  pt.have.emplace(start, end);
  if (pt.total && pt.have.size() == 1 && pt.have.begin()->first == 0 &&
      pt.have.begin()->second == *pt.total) {
    std::vector<std::byte> out = std::move(pt.data);
    bytes_ -= out.size();
    parts_.erase(it);
    c_.completed++;
    return out;
  }
  return {};
}

void Reassembler::Tick(uint64_t now) {
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (it->second.deadline <= now) {
      bytes_ -= it->second.data.size();
      it = parts_.erase(it);
      c_.timed_out++;
    } else {
      ++it;
    }
  }
}

uint64_t Reassembler::NextDeadline() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  for (const auto& [k, p] : parts_) next = std::min(next, p.deadline);
  return next;
}

}  // namespace junction::net
