// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
// 2012): a keyed 64-bit hash of short messages, for values an off-path
// attacker must not predict (SYN cookies).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace junction::net {

using SipKey = std::array<uint64_t, 2>;

uint64_t SipHash24(const SipKey& key, std::span<const std::byte> msg);

}  // namespace junction::net
