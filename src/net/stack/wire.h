// Wire formats: big-endian loads and stores, the Internet checksum, and the
// header layouts the stack parses (Ethernet, ARP, IPv4, ICMP, UDP, TCP).
// Every parse is bounds-checked by its caller against the frame length;
// nothing here trusts a length field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

namespace junction::net {

// An IPv4 address in host byte order (10.0.0.1 == 0x0a000001).
using Ip4 = uint32_t;

inline constexpr Ip4 MakeIp4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return (uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | d;
}
std::string Ip4ToString(Ip4 ip);

inline uint16_t Load16(const std::byte* p) {
  return static_cast<uint16_t>((std::to_integer<uint16_t>(p[0]) << 8) |
                               std::to_integer<uint16_t>(p[1]));
}
inline uint32_t Load32(const std::byte* p) {
  return (uint32_t{Load16(p)} << 16) | Load16(p + 2);
}
inline void Store16(std::byte* p, uint16_t v) {
  p[0] = std::byte(v >> 8);
  p[1] = std::byte(v & 0xff);
}
inline void Store32(std::byte* p, uint32_t v) {
  Store16(p, static_cast<uint16_t>(v >> 16));
  Store16(p + 2, static_cast<uint16_t>(v));
}

// One's-complement sum of `data` (16-bit big-endian words, an odd last byte
// padded) added to `sum`: a value equal to it modulo 0xffff, not fully
// folded (ChecksumFinish folds). `data` starts at an even offset of the sum.
uint32_t ChecksumPartial(std::span<const std::byte> data, uint32_t sum = 0);
// Folds and complements: the value to store in a checksum field. A buffer
// that includes a correct checksum folds to 0.
uint16_t ChecksumFinish(uint32_t sum);
inline uint16_t Checksum(std::span<const std::byte> data) {
  return ChecksumFinish(ChecksumPartial(data));
}
// The TCP/UDP pseudo-header sum.
uint32_t PseudoHeaderSum(Ip4 src, Ip4 dst, uint8_t proto, uint16_t len);

inline constexpr uint16_t kEthTypeIp4 = 0x0800;
inline constexpr uint16_t kEthTypeArp = 0x0806;

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;

inline constexpr size_t kIp4HeaderLen = 20;  // without options
inline constexpr size_t kArpLen = 28;        // Ethernet/IPv4 ARP
inline constexpr size_t kUdpHeaderLen = 8;
inline constexpr size_t kTcpHeaderLen = 20;  // without options
inline constexpr size_t kIcmpHeaderLen = 8;

// IPv4 header fields (offsets into the header).
namespace ip4 {
inline constexpr size_t kVerIhl = 0, kTos = 1, kTotLen = 2, kId = 4, kFrag = 6,
                        kTtl = 8, kProto = 9, kCsum = 10, kSrc = 12, kDst = 16;
inline constexpr uint16_t kFlagDf = 0x4000, kFlagMf = 0x2000, kOffMask = 0x1fff;
}  // namespace ip4

// TCP flags.
namespace tcpf {
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08,
                         kAck = 0x10, kUrg = 0x20;
}

}  // namespace junction::net
