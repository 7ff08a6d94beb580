// IPv4 (RFC 791, RFC 1122 host requirements) and ICMP (RFC 792): input
// validation, reassembly, local delivery, routing to the gateway,
// fragmentation on output, echo replies and the errors hosts send.
#include <algorithm>
#include <cstring>

#include "net/joined_packet.h"
#include "net/stack/stack.h"
#include "net/stack/stack_entry.h"
#include "net/stack/udp.h"

namespace junction::net {

namespace {
constexpr uint8_t kIcmpEchoReply = 0, kIcmpUnreach = 3, kIcmpEcho = 8, kIcmpTimeExceeded = 11;
}

Ip4 NetStack::SourceFor(Ip4 dst) const {
  return (dst >> 24) == 127 ? dst : cfg_.addr;
}

void NetStack::Ip4Input_l(std::span<const std::byte> p, bool from_loopback) {
  if (p.size() < kIp4HeaderLen) {
    c_.ip_bad_header++;
    return;
  }
  uint8_t vihl = std::to_integer<uint8_t>(p[ip4::kVerIhl]);
  size_t ihl = (vihl & 0xf) * 4u;
  if ((vihl >> 4) != 4 || ihl < kIp4HeaderLen || ihl > p.size()) {
    c_.ip_bad_header++;
    return;
  }
  uint16_t tot = Load16(&p[ip4::kTotLen]);
  if (tot < ihl || tot > p.size()) {
    c_.ip_bad_header++;
    return;
  }
  p = p.first(tot);  // strip Ethernet padding
  if (Checksum(p.first(ihl)) != 0) {
    c_.ip_bad_checksum++;
    return;
  }
  Ip4 src = Load32(&p[ip4::kSrc]);
  Ip4 dst = Load32(&p[ip4::kDst]);
  bool bcast = IsBroadcast(dst);
  if (!from_loopback) {
    // Martians: loopback addresses never arrive on the wire; nor do packets
    // from a broadcast or multicast source.
    if ((src >> 24) == 127 || (dst >> 24) == 127 || IsBroadcast(src) || (src >> 28) == 0xe) {
      c_.ip_bad_header++;
      return;
    }
    if (dst != cfg_.addr && !bcast) {
      c_.rx_not_for_us++;
      return;
    }
  }
  uint8_t proto = std::to_integer<uint8_t>(p[ip4::kProto]);
  uint16_t frag = Load16(&p[ip4::kFrag]);
  auto header = p.first(ihl);
  auto payload = p.subspan(ihl);
  if ((frag & (ip4::kFlagMf | ip4::kOffMask)) != 0) {
    c_.ip_fragments_in++;
    auto whole = reasm_.Add(src, dst, Load16(&p[ip4::kId]), proto,
                            static_cast<uint16_t>((frag & ip4::kOffMask) * 8),
                            (frag & ip4::kFlagMf) != 0, payload, now_);
    if (!whole) return;
    c_.ip_reassembled++;
    DeliverIp4_l(src, dst, proto, header, *whole, bcast);
    return;
  }
  DeliverIp4_l(src, dst, proto, header, payload, bcast);
}

void NetStack::DeliverIp4_l(Ip4 src, Ip4 dst, uint8_t proto, std::span<const std::byte> header,
                            std::span<const std::byte> payload, bool bcast) {
  switch (proto) {
    case kProtoIcmp:
      IcmpInput_l(src, dst, payload);
      return;
    case kProtoUdp:
      UdpInput_l(src, dst, header, payload, bcast);
      return;
    case kProtoTcp:
      if (!bcast) TcpInput_l(src, dst, payload);
      return;
    default:
      c_.ip_bad_proto++;
      if (!bcast) SendIcmpError_l(kIcmpUnreach, 2, header, payload);  // protocol unreachable
  }
}

Ip4 NetStack::NextHop(Ip4 dst) const {
  if (IsLocal(dst) || IsBroadcast(dst) || (dst & mask_) == (cfg_.addr & mask_)) return dst;
  return cfg_.gateway;
}

int NetStack::SendIp4_l(Ip4 src, Ip4 dst, uint8_t proto, std::span<const std::byte> l4,
                        bool df) {
  if (l4.size() + kIp4HeaderLen > 65535) return EMSGSIZE;
  bool local = IsLocal(dst);
  Ip4 next_hop = NextHop(dst);
  if (next_hop == 0) {
    c_.ip_no_route++;
    return ENETUNREACH;
  }
  size_t max_payload = local ? 65535 - kIp4HeaderLen : mtu_ - kIp4HeaderLen;
  if (l4.size() > max_payload && df) return EMSGSIZE;
  uint16_t id = ip_id_++;
  size_t off = 0;
  do {
    size_t chunk = l4.size() - off;
    bool more = false;
    if (chunk > max_payload) {
      chunk = max_payload & ~size_t{7};  // fragment offsets are in 8-byte units
      more = true;
    }
    std::byte pkt[kIp4HeaderLen]{};
    pkt[ip4::kVerIhl] = std::byte{0x45};
    Store16(&pkt[ip4::kTotLen], static_cast<uint16_t>(kIp4HeaderLen + chunk));
    Store16(&pkt[ip4::kId], id);
    Store16(&pkt[ip4::kFrag], static_cast<uint16_t>((df ? ip4::kFlagDf : 0) |
                                                    (more ? ip4::kFlagMf : 0) | (off / 8)));
    pkt[ip4::kTtl] = std::byte{64};
    pkt[ip4::kProto] = std::byte{proto};
    Store32(&pkt[ip4::kSrc], src);
    Store32(&pkt[ip4::kDst], dst);
    Store16(&pkt[ip4::kCsum], Checksum(pkt));
    std::span<const std::byte> body = l4.subspan(off, chunk);
    if (more || off) c_.ip_fragments_out++;
    if (local) {
      loopback_.push_back(JoinedPacket(pkt, body));
    } else {
      Transmit_l(next_hop, pkt, body);
    }
    off += chunk;
  } while (off < l4.size());
  return 0;
}

void NetStack::IcmpInput_l(Ip4 src, Ip4 dst, std::span<const std::byte> p) {
  if (p.size() < kIcmpHeaderLen || Checksum(p) != 0) {
    c_.icmp_bad++;
    return;
  }
  uint8_t type = std::to_integer<uint8_t>(p[0]);
  uint8_t code = std::to_integer<uint8_t>(p[1]);
  if (type == kIcmpEcho) {
    c_.icmp_echo_in++;
    if (IsBroadcast(dst)) return;  // like Linux's icmp_echo_ignore_broadcasts
    std::vector<std::byte> reply(p.begin(), p.end());
    reply[0] = std::byte{kIcmpEchoReply};
    Store16(&reply[2], 0);
    Store16(&reply[2], Checksum(reply));
    SendIp4_l(dst, src, kProtoIcmp, reply, false);
    return;
  }
  if (type == kIcmpUnreach || type == kIcmpTimeExceeded) {
    c_.icmp_errors_in++;
    IcmpErrorInput_l(type, code, p.subspan(kIcmpHeaderLen));
  }
}

// An ICMP error about a packet we sent: find the socket it concerns.
void NetStack::IcmpErrorInput_l(uint8_t type, uint8_t code, std::span<const std::byte> inner) {
  if (inner.size() < kIp4HeaderLen) return;
  size_t ihl = (std::to_integer<uint8_t>(inner[0]) & 0xf) * 4u;
  if (ihl < kIp4HeaderLen || inner.size() < ihl + 8) return;
  Ip4 src = Load32(&inner[ip4::kSrc]);
  Ip4 dst = Load32(&inner[ip4::kDst]);
  uint8_t proto = std::to_integer<uint8_t>(inner[ip4::kProto]);
  Endpoint local{src, Load16(&inner[ihl])};
  Endpoint remote{dst, Load16(&inner[ihl + 2])};
  int err = EHOSTUNREACH;
  if (type == kIcmpUnreach && (code == 2 || code == 3)) err = ECONNREFUSED;
  if (type == kIcmpUnreach && code == 4) err = EMSGSIZE;
  if (proto == kProtoUdp) {
    // Linux reports ICMP errors to connected UDP sockets only.
    auto [lo, hi] = udp_ports_.equal_range(local.port);
    for (auto it = lo; it != hi; ++it) {
      UdpSocket* s = it->second;
      if (s->remote_ == remote && (s->local_.ip == 0 || s->local_.ip == local.ip)) {
        s->IcmpError_l(err);
        break;
      }
    }
  } else if (proto == kProtoTcp) {
    TcpIcmpError_l(local, remote, err);
  }
}

void NetStack::SendIcmpError_l(uint8_t type, uint8_t code, std::span<const std::byte> header,
                               std::span<const std::byte> payload) {
  // Never about an ICMP error, a broadcast, or a non-first fragment (RFC 1122 3.2.2).
  Ip4 src = Load32(&header[ip4::kSrc]);
  if (IsBroadcast(src) || src == 0) return;
  if (std::to_integer<uint8_t>(header[ip4::kProto]) == kProtoIcmp &&
      (payload.empty() || std::to_integer<uint8_t>(payload[0]) != kIcmpEcho))
    return;
  if ((Load16(&header[ip4::kFrag]) & ip4::kOffMask) != 0) return;
  // Token bucket: at most icmp_errors_per_sec.
  if (now_ - icmp_tokens_ts_ >= 1'000'000'000) {
    icmp_tokens_ts_ = now_;
    icmp_tokens_ = cfg_.icmp_errors_per_sec;
  }
  if (icmp_tokens_ == 0) {
    c_.icmp_rate_limited++;
    return;
  }
  icmp_tokens_--;
  size_t quote = std::min<size_t>(payload.size(), 8);
  std::vector<std::byte> m(kIcmpHeaderLen + header.size() + quote);
  m[0] = std::byte{type};
  m[1] = std::byte{code};
  std::memcpy(&m[kIcmpHeaderLen], header.data(), header.size());
  if (quote) std::memcpy(&m[kIcmpHeaderLen + header.size()], payload.data(), quote);
  Store16(&m[2], Checksum(m));
  c_.icmp_errors_out++;
  Ip4 dst_of_orig = Load32(&header[ip4::kDst]);
  SendIp4_l(IsBroadcast(dst_of_orig) ? cfg_.addr : dst_of_orig, src, kProtoIcmp, m, false);
}

}  // namespace junction::net
