// A TCP peer a unit test plays by hand on a SimWire (net_sim.h): segments
// built field by field and injected as frames, the stack's answers parsed
// back, and the ARP request that introduces the peer's MAC. For what two
// real stacks never send to each other (SYN floods, cookies, probes that
// carry data).
#pragma once

#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "net/stack/tcp_options.h"
#include "net_sim.h"

namespace junction::net::test {

// The peer a test plays by hand, on the /24 of TwoStacks' stacks.
inline constexpr Ip4 kFakePeer = MakeIp4(10, 99, 0, 50);
inline constexpr MacAddr kFakePeerMac{{2, 0, 0, 0, 0, 0x50}};

struct Seg {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t wnd = 65535;
  std::vector<uint8_t> opts;  // a multiple of 4 bytes
  std::string data;
};

// An Ethernet frame carrying segment `s` from `src` to `dst`.
inline std::vector<std::byte> TcpFrame(Ip4 src, Ip4 dst, MacAddr src_mac, MacAddr dst_mac, const Seg& s) {
  size_t hlen = kTcpHeaderLen + s.opts.size();
  std::vector<std::byte> t(hlen + s.data.size());
  Store16(&t[0], s.sport);
  Store16(&t[2], s.dport);
  Store32(&t[4], s.seq);
  Store32(&t[8], s.ack);
  t[12] = std::byte(static_cast<uint8_t>((hlen / 4) << 4));
  t[13] = std::byte{s.flags};
  Store16(&t[14], s.wnd);
  std::memcpy(&t[kTcpHeaderLen], s.opts.data(), s.opts.size());
  std::memcpy(&t[hlen], s.data.data(), s.data.size());
  Store16(&t[16], ChecksumFinish(ChecksumPartial(
                      t, PseudoHeaderSum(src, dst, kProtoTcp, static_cast<uint16_t>(t.size())))));
  return Ip4Frame(src, dst, src_mac, dst_mac, kProtoTcp, t);
}

// Injects segment `s` from the fake peer into stack `port` (`to`).
inline void InjectFromFakePeer(SimWire& w, int port, const NetStack& to, const Seg& s) {
  w.Inject(port, TcpFrame(kFakePeer, to.addr(), kFakePeerMac, to.mac(), s));
}

struct ParsedSeg {
  uint32_t seq, ack;
  uint8_t flags;
  TcpOptions o;
  uint16_t wnd = 0;  // as on the wire (unscaled)
  size_t len = 0;    // payload bytes
};

// The TCP segments port `port` sent to `to`, in order.
inline std::vector<ParsedSeg> SentTo(SimWire& w, int port, Ip4 to) {
  std::vector<ParsedSeg> out;
  for (auto& f : w.link(port)->sent) {
    if (f.size() < kEthHeaderLen + kIp4HeaderLen + kTcpHeaderLen || Load16(&f[12]) != kEthTypeIp4 ||
        f[kEthHeaderLen + 9] != std::byte{kProtoTcp} || Load32(&f[kEthHeaderLen + 16]) != to)
      continue;
    const std::byte* t = &f[kEthHeaderLen + kIp4HeaderLen];
    size_t doff = (std::to_integer<size_t>(t[12]) >> 4) * 4;
    ParsedSeg s{Load32(t + 4), Load32(t + 8), std::to_integer<uint8_t>(t[13]), {}};
    s.wnd = Load16(t + 14);
    s.len = Load16(&f[kEthHeaderLen + 2]) - kIp4HeaderLen - doff;
    REQUIRE(ParseTcpOptions(std::span(t + kTcpHeaderLen, doff - kTcpHeaderLen), &s.o));
    out.push_back(s);
  }
  return out;
}

// Makes stack `port` (IP `to`) learn `ip`'s MAC, as an ARP request from it
// would.
inline void IntroducePeer(SimWire& w, int port, Ip4 ip, MacAddr mac, Ip4 to) {
  std::vector<std::byte> f(kEthHeaderLen + kArpLen);
  std::memset(&f[0], 0xff, 6);
  std::memcpy(&f[6], mac.b.data(), 6);
  Store16(&f[12], kEthTypeArp);
  std::byte* p = &f[kEthHeaderLen];
  Store16(p, 1);
  Store16(p + 2, kEthTypeIp4);
  p[4] = std::byte{6};
  p[5] = std::byte{4};
  Store16(p + 6, 1);
  std::memcpy(p + 8, mac.b.data(), 6);
  Store32(p + 14, ip);
  Store32(p + 24, to);
  w.Inject(port, f);
}

// Makes stack `port` (`to`) learn the fake peer's MAC.
inline void IntroduceFakePeer(SimWire& w, int port, const NetStack& to) {
  IntroducePeer(w, port, kFakePeer, kFakePeerMac, to.addr());
}

}  // namespace junction::net::test
