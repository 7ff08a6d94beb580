// IPv4 fragment reassembly (RFC 791 section 3.2, with RFC 815's hole
// tracking): bounded in concurrent datagrams, bytes held and time, so a
// stream of fragments that never complete cannot exhaust memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "net/stack/wire.h"

namespace junction::net {

struct ReassemblyParams {
  uint64_t timeout_ns = 30'000'000'000;  // RFC 791 suggests 15 s upwards
  size_t max_datagrams = 64;
  size_t max_bytes = 1 << 20;            // payload bytes held in total
};

struct ReassemblyCounters {
  uint64_t completed = 0, timed_out = 0, dropped_limits = 0, dropped_bad = 0;
};

class Reassembler {
 public:
  explicit Reassembler(ReassemblyParams p = {}) : p_(p) {}

  // One fragment: header fields and its payload. Returns the whole payload
  // once every piece has arrived, else nothing.
  std::optional<std::vector<std::byte>> Add(Ip4 src, Ip4 dst, uint16_t id, uint8_t proto,
                                            uint16_t offset_bytes, bool more,
                                            std::span<const std::byte> payload, uint64_t now);

  // Drops datagrams older than the timeout.
  void Tick(uint64_t now);
  uint64_t NextDeadline() const;
  size_t pending() const { return parts_.size(); }
  size_t bytes_held() const { return bytes_; }
  const ReassemblyCounters& counters() const { return c_; }

 private:
  struct Key {
    Ip4 src, dst;
    uint16_t id;
    uint8_t proto;
    auto operator<=>(const Key&) const = default;
  };
  struct Partial {
    std::vector<std::byte> data;
    std::map<uint32_t, uint32_t> have;  // received ranges [start, end), merged
    std::optional<uint32_t> total;      // known once the last fragment came
    uint64_t deadline;
  };

  ReassemblyParams p_;
  std::map<Key, Partial> parts_;
  size_t bytes_ = 0;
  ReassemblyCounters c_;
};

}  // namespace junction::net
