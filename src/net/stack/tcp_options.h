// TCP options (RFC 9293 3.2, RFC 7323 window scale and timestamps, RFC 2018
// SACK): parsing that never reads past the header, and writing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace junction::net {

struct TcpOptions {
  std::optional<uint16_t> mss;
  std::optional<uint8_t> wscale;
  bool sack_permitted = false;
  bool has_ts = false;
  uint32_t tsval = 0, tsecr = 0;
  std::vector<std::pair<uint32_t, uint32_t>> sacks;  // [left, right)
};

// Returns false for malformed options (length past the end, bad lengths).
bool ParseTcpOptions(std::span<const std::byte> opts, TcpOptions* out);

}  // namespace junction::net
