// What the daemon's switch needs to know about a frame (Ethernet, ARP,
// IPv4 and the transport ports), parsed from a copy the daemon owns.
// Nothing here trusts a length field: every read is bounded by the frame.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

namespace junction::net {

using Mac = std::array<uint8_t, 6>;
inline constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;
inline constexpr uint32_t kEthHeaderBytes = 14;
inline constexpr uint32_t kArpBytes = 28;  // Ethernet/IPv4 ARP payload

inline bool IsMulticast(const Mac& m) { return (m[0] & 1) != 0; }  // incl. broadcast

// MAC of a container: locally administered 02:4a ("J") + its IPv4 address.
inline Mac ContainerMac(uint32_t ip) {
  return {0x02, 0x4a, static_cast<uint8_t>(ip >> 24), static_cast<uint8_t>(ip >> 16),
          static_cast<uint8_t>(ip >> 8), static_cast<uint8_t>(ip)};
}
inline uint64_t MacToU64(const Mac& m) {
  uint64_t v = 0;
  for (uint8_t b : m) v = (v << 8) | b;
  return v;
}
inline Mac MacFromU64(uint64_t v) {
  Mac m;
  for (int i = 5; i >= 0; i--, v >>= 8) m[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  return m;
}

struct ParsedFrame {
  Mac dst{}, src{};
  uint16_t ether_type = 0;
  // ARP (ether_type == kEtherTypeArp and well-formed Ethernet/IPv4 ARP)
  bool arp = false;
  uint16_t arp_op = 0;
  Mac arp_sender_mac{};
  uint32_t arp_sender_ip = 0, arp_target_ip = 0;  // host byte order
  // IPv4 (ether_type == kEtherTypeIpv4 and a sane header)
  bool ipv4 = false;
  uint32_t ip_src = 0, ip_dst = 0;  // host byte order
  uint8_t ip_proto = 0;
  uint16_t port_src = 0, port_dst = 0;  // 0 unless TCP/UDP, unfragmented
  uint8_t tcp_flags = 0;                 // TCP only, unfragmented (0 if truncated)
};

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

// False if the frame is too short for an Ethernet header, or claims to be
// ARP or IPv4 and is not well formed (those are dropped as malformed).
inline bool ParseFrame(std::span<const uint8_t> f, ParsedFrame* out) {
  if (f.size() < kEthHeaderBytes) return false;
  std::memcpy(out->dst.data(), f.data(), 6);
  std::memcpy(out->src.data(), f.data() + 6, 6);
  out->ether_type = Be16(f.data() + 12);
  const uint8_t* p = f.data() + kEthHeaderBytes;
  size_t n = f.size() - kEthHeaderBytes;
  if (out->ether_type == kEtherTypeArp) {
    // htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4
    if (n < kArpBytes || Be16(p) != 1 || Be16(p + 2) != kEtherTypeIpv4 || p[4] != 6 || p[5] != 4)
      return false;
    out->arp = true;
    out->arp_op = Be16(p + 6);
    std::memcpy(out->arp_sender_mac.data(), p + 8, 6);
    out->arp_sender_ip = Be32(p + 14);
    out->arp_target_ip = Be32(p + 24);
  } else if (out->ether_type == kEtherTypeIpv4) {
    if (n < 20 || (p[0] >> 4) != 4) return false;
    uint32_t ihl = (p[0] & 15u) * 4;
    uint32_t total = Be16(p + 2);
    if (ihl < 20 || total < ihl || total > n) return false;
    out->ipv4 = true;
    out->ip_proto = p[9];
    out->ip_src = Be32(p + 12);
    out->ip_dst = Be32(p + 16);
    bool fragment = (Be16(p + 6) & 0x3fff) != 0;  // MF or an offset
    if (!fragment && (out->ip_proto == kIpProtoTcp || out->ip_proto == kIpProtoUdp) &&
        total >= ihl + 4) {
      out->port_src = Be16(p + ihl);
      out->port_dst = Be16(p + ihl + 2);
      if (out->ip_proto == kIpProtoTcp && total >= ihl + 14) out->tcp_flags = p[ihl + 13];
    }
  }
  return true;
}

}  // namespace junction::net
