#include "net/stack/syncookie.h"

#include <algorithm>
#include <cstring>

namespace junction::net {

namespace {

constexpr uint32_t kHashMask = 0xffffff;  // the low 24 bits
constexpr uint32_t kTsOptBits = 5, kTsOptMask = (1u << kTsOptBits) - 1, kNoWscale = 15;

uint32_t CookieHash(const SipKey& key, Endpoint local, Endpoint remote, uint32_t peer_isn,
                    uint64_t minute) {
  uint32_t w[6] = {local.ip, remote.ip, uint32_t{local.port} << 16 | remote.port, peer_isn,
                   static_cast<uint32_t>(minute), static_cast<uint32_t>(minute >> 32)};
  std::byte msg[sizeof w];
  std::memcpy(msg, w, sizeof w);
  return static_cast<uint32_t>(SipHash24(key, msg)) & kHashMask;
}

}  // namespace

uint32_t SynCookieMake(const SipKey& key, Endpoint local, Endpoint remote, uint32_t peer_isn,
                       uint16_t peer_mss, uint64_t now_ns) {
  uint32_t idx = kSynCookieMss.size() - 1;
  while (idx > 0 && kSynCookieMss[idx] > peer_mss) idx--;
  uint64_t minute = now_ns / kSynCookiePeriodNs;
  return static_cast<uint32_t>(minute & 0xff) << 24 |
         ((CookieHash(key, local, remote, peer_isn, minute) + idx) & kHashMask);
}

uint16_t SynCookieCheck(const SipKey& key, Endpoint local, Endpoint remote, uint32_t peer_isn,
                        uint32_t cookie, uint64_t now_ns) {
  uint64_t now_minute = now_ns / kSynCookiePeriodNs;
  uint64_t age = (now_minute - (cookie >> 24)) & 0xff;
  if (age > 1 || age > now_minute) return 0;
  uint32_t idx = ((cookie & kHashMask) - CookieHash(key, local, remote, peer_isn, now_minute - age)) &
                 kHashMask;
  return idx < kSynCookieMss.size() ? kSynCookieMss[idx] : 0;
}

uint32_t SynCookieTsval(uint32_t ts_now, const SynCookieOpts& o) {
  uint32_t bits = (o.wscale ? std::min<uint32_t>(*o.wscale, 14) : kNoWscale) | (o.sack ? 16u : 0u);
  uint32_t ts = (ts_now & ~kTsOptMask) | bits;
  // Never ahead of our clock: the next segments' timestamps must not go back.
  if (static_cast<int32_t>(ts - ts_now) > 0) ts -= kTsOptMask + 1;
  return ts;
}

SynCookieOpts SynCookieTsDecode(uint32_t tsecr) {
  SynCookieOpts o;
  uint32_t ws = tsecr & 0xf;
  if (ws != kNoWscale) o.wscale = static_cast<uint8_t>(ws);
  o.sack = (tsecr & 16) != 0;
  return o;
}

}  // namespace junction::net
