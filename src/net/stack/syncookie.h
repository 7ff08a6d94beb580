// SYN cookies (RFC 4987 3.6), as Linux's tcp_syncookies=1: when a
// listener's SYN queue is full, the SYN-ACK's initial sequence number
// carries everything the connection needs, and the stack keeps no state
// until the final ACK returns it (ack - 1).
//
// The cookie: bits 31-24 a coarse clock (minutes, mod 256); bits 23-0 a
// SipHash of the 4-tuple, the peer's ISN and that clock, keyed with a
// per-stack secret, plus the index of the MSS (2 bits, Linux's IPv4 table).
// It is valid in the minute it was made and the next one.
//
// Options a cookie cannot carry travel, as Linux does it, in the low 5 bits
// of our SYN-ACK's timestamp (bits 0-3 the peer's window scale, 15 for
// none; bit 4 SACK permitted), which the peer echoes in every segment. A
// peer without timestamps gets neither window scaling nor SACK.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "net/stack/siphash.h"
#include "net/stack/stack.h"

namespace junction::net {

inline constexpr uint64_t kSynCookiePeriodNs = 60'000'000'000;
// How long after a listener last sent cookies an ACK may carry one (Linux's
// TCP_SYNCOOKIE_VALID); outside it an unknown ACK is simply reset.
inline constexpr uint64_t kSynCookieValidNs = 2 * kSynCookiePeriodNs;
inline constexpr std::array<uint16_t, 4> kSynCookieMss = {536, 1300, 1440, 1460};

// The ISN for a SYN-ACK answering `peer_isn` from `remote` to `local` at
// `now_ns`, carrying the largest table MSS not above `peer_mss`.
uint32_t SynCookieMake(const SipKey& key, Endpoint local, Endpoint remote, uint32_t peer_isn,
                       uint16_t peer_mss, uint64_t now_ns);
// The MSS `cookie` carries, or 0 if it is not ours for this 4-tuple and
// peer ISN, or too old.
uint16_t SynCookieCheck(const SipKey& key, Endpoint local, Endpoint remote, uint32_t peer_isn,
                        uint32_t cookie, uint64_t now_ns);

struct SynCookieOpts {
  std::optional<uint8_t> wscale;  // the peer's shift
  bool sack = false;
};
// Our SYN-ACK's TSval: at most `ts_now`, with the options in its low bits.
uint32_t SynCookieTsval(uint32_t ts_now, const SynCookieOpts& o);
SynCookieOpts SynCookieTsDecode(uint32_t tsecr);

}  // namespace junction::net
