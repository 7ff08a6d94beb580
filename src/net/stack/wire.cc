#include "net/stack/wire.h"

namespace junction::net {

std::string Ip4ToString(Ip4 ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." +
         std::to_string((ip >> 8) & 0xff) + "." + std::to_string(ip & 0xff);
}

uint32_t ChecksumPartial(std::span<const std::byte> data, uint32_t sum) {
  size_t i = 0;
  uint64_t s = sum;
  for (; i + 1 < data.size(); i += 2) s += Load16(&data[i]);
  if (i < data.size()) s += std::to_integer<uint32_t>(data[i]) << 8;
  while (s >> 32) s = (s & 0xffffffff) + (s >> 32);
  return static_cast<uint32_t>(s);
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
