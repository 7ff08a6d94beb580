#include "net/stack/wire.h"

#include <cstring>

namespace junction::net {

std::string Ip4ToString(Ip4 ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

// Sums native-order 32-bit words into four 64-bit accumulators (no carry
// is lost below 2^34 bytes) and swaps the folded sum to network order once:
// a one's-complement sum is independent of byte order (RFC 1071 2(B)).
// A 16-bit big-endian load per two bytes, as before, cost ~750 dependent
// adds per full segment: the largest item of a TCP stream's profile.
uint32_t ChecksumPartial(std::span<const std::byte> data, uint32_t sum) {
  const std::byte* p = data.data();
  size_t n = data.size();
  auto word = [](const std::byte* q) {
    uint32_t w;
    std::memcpy(&w, q, sizeof w);
    return uint64_t{w};
  };
  uint64_t a = 0, b = 0, c = 0, d = 0;
  for (; n >= 16; p += 16, n -= 16) {
    a += word(p);
    b += word(p + 4);
    c += word(p + 8);
    d += word(p + 12);
  }
  for (; n >= 4; p += 4, n -= 4) a += word(p);
  if (n >= 2) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    b += h;
    p += 2;
    n -= 2;
  }
  if (n) c += std::to_integer<uint64_t>(*p);  // big-endian: its high byte, swapped below
  uint64_t s = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + (c & 0xffffffff) +
               (c >> 32) + (d & 0xffffffff) + (d >> 32);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  uint64_t total = uint64_t{sum} + __builtin_bswap16(static_cast<uint16_t>(s));
  while (total >> 32) total = (total & 0xffffffff) + (total >> 32);
  return static_cast<uint32_t>(total);
}

uint16_t ChecksumFinish(uint32_t sum) {
  uint64_t s = sum;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s & 0xffff);
}

uint32_t PseudoHeaderSum(Ip4 src, Ip4 dst, uint8_t proto, uint16_t len) {
  uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
               proto + len;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  return static_cast<uint32_t>(s);
}

}  // namespace junction::net
