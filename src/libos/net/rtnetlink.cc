#include "libos/net/rtnetlink.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace junction::libos::net {

namespace {

// Builds one netlink message: header, fixed part, then attributes.
class MsgBuilder {
 public:
  MsgBuilder(uint16_t type, uint16_t flags, uint32_t seq, uint32_t portid) {
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    h.nlmsg_pid = portid;
    Put(&h, sizeof(h));
  }
  void Put(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
    buf_.resize(NLMSG_ALIGN(buf_.size()), '\0');
  }
  void Attr(uint16_t type, const void* p, size_t n) {
    rtattr a{};
    a.rta_len = static_cast<unsigned short>(RTA_LENGTH(n));
    a.rta_type = type;
    buf_.append(reinterpret_cast<const char*>(&a), sizeof(a));
    buf_.append(static_cast<const char*>(p), n);
    buf_.resize(RTA_ALIGN(buf_.size()), '\0');
  }
  void AttrU32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof(v)); }
  void AttrU8(uint16_t type, uint8_t v) { Attr(type, &v, 1); }
  void AttrStr(uint16_t type, const char* s) { Attr(type, s, std::strlen(s) + 1); }
  void AttrIp(uint16_t type, uint32_t host_order) {
    uint32_t be = htonl(host_order);
    Attr(type, &be, 4);
  }
  std::string Done() {
    auto* h = reinterpret_cast<nlmsghdr*>(buf_.data());
    h->nlmsg_len = static_cast<uint32_t>(buf_.size());
    return std::move(buf_);
  }

 private:
  std::string buf_;
};

std::string Error(const nlmsghdr& req, int err, uint32_t portid) {
  MsgBuilder m(NLMSG_ERROR, err ? 0 : NLM_F_CAPPED, req.nlmsg_seq, portid);
  nlmsgerr e{};
  e.error = -err;
  e.msg = req;
  m.Put(&e, sizeof(e));
  return m.Done();
}

std::string Link(const RtInterfaces& ifs, int index, uint16_t flags, uint32_t seq, uint32_t portid) {
  bool lo = index == kLoIndex;
  MsgBuilder m(RTM_NEWLINK, flags, seq, portid);
  ifinfomsg ii{};
  ii.ifi_family = AF_UNSPEC;
  ii.ifi_type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
  ii.ifi_index = index;
  ii.ifi_flags = lo ? (IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP)
                    : (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP);
  m.Put(&ii, sizeof(ii));
  m.AttrStr(IFLA_IFNAME, lo ? "lo" : "eth0");
  m.AttrU32(IFLA_TXQLEN, 1000);
  m.AttrU8(IFLA_OPERSTATE, lo ? IF_OPER_UNKNOWN : IF_OPER_UP);
  m.AttrU8(IFLA_LINKMODE, 0);
  m.AttrU32(IFLA_MTU, lo ? 65536 : ifs.mtu);
  m.AttrStr(IFLA_QDISC, "noqueue");
  uint8_t zero[6] = {}, bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  m.Attr(IFLA_ADDRESS, lo ? zero : ifs.mac, 6);
  m.Attr(IFLA_BROADCAST, lo ? zero : bcast, 6);
  return m.Done();
}

std::string Addr(const RtInterfaces& ifs, int index, uint16_t flags, uint32_t seq, uint32_t portid) {
  bool lo = index == kLoIndex;
  MsgBuilder m(RTM_NEWADDR, flags, seq, portid);
  ifaddrmsg ia{};
  ia.ifa_family = AF_INET;
  ia.ifa_prefixlen = static_cast<unsigned char>(lo ? 8 : ifs.prefix);
  ia.ifa_flags = IFA_F_PERMANENT;
  ia.ifa_scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  ia.ifa_index = static_cast<uint32_t>(index);
  m.Put(&ia, sizeof(ia));
  uint32_t a = lo ? 0x7f000001 : ifs.addr;
  m.AttrIp(IFA_ADDRESS, a);
  m.AttrIp(IFA_LOCAL, a);
  if (!lo && ifs.prefix < 31) {
    uint32_t mask = ifs.prefix ? ~uint32_t{0} << (32 - ifs.prefix) : 0;
    m.AttrIp(IFA_BROADCAST, (ifs.addr & mask) | ~mask);
  }
  m.AttrStr(IFA_LABEL, lo ? "lo" : "eth0");
  m.AttrU32(IFA_FLAGS, IFA_F_PERMANENT);
  ifa_cacheinfo ci{};
  ci.ifa_prefered = ci.ifa_valid = 0xffffffff;  // "forever"
  m.Attr(IFA_CACHEINFO, &ci, sizeof(ci));
  return m.Done();
}

struct Route {
  uint32_t dst;
  int dst_len;
  uint32_t gateway;
  int oif;
  uint8_t scope, protocol;
};

std::vector<Route> Routes(const RtInterfaces& ifs) {
  std::vector<Route> r;
  if (ifs.gateway) r.push_back({0, 0, ifs.gateway, kEthIndex, RT_SCOPE_UNIVERSE, RTPROT_BOOT});
  uint32_t mask = ifs.prefix ? ~uint32_t{0} << (32 - ifs.prefix) : 0;
  r.push_back({ifs.addr & mask, ifs.prefix, 0, kEthIndex, RT_SCOPE_LINK, RTPROT_KERNEL});
  return r;
}

std::string RouteMsg(const RtInterfaces& ifs, const Route& rt, uint16_t flags, uint32_t seq, uint32_t portid) {
  MsgBuilder m(RTM_NEWROUTE, flags, seq, portid);
  rtmsg rm{};
  rm.rtm_family = AF_INET;
  rm.rtm_dst_len = static_cast<unsigned char>(rt.dst_len);
  rm.rtm_table = RT_TABLE_MAIN;
  rm.rtm_protocol = rt.protocol;
  rm.rtm_scope = rt.scope;
  rm.rtm_type = RTN_UNICAST;
  m.Put(&rm, sizeof(rm));
  m.AttrU32(RTA_TABLE, RT_TABLE_MAIN);
  if (rt.dst_len) m.AttrIp(RTA_DST, rt.dst);
  if (rt.gateway) m.AttrIp(RTA_GATEWAY, rt.gateway);
  if (rt.scope == RT_SCOPE_LINK) m.AttrIp(RTA_PREFSRC, ifs.addr);
  m.AttrU32(RTA_OIF, static_cast<uint32_t>(rt.oif));
  return m.Done();
}

// The attribute `type` of a request's payload after a fixed part of `fixed` bytes.
const rtattr* FindAttr(const nlmsghdr* h, size_t fixed, uint16_t type) {
  if (h->nlmsg_len < NLMSG_LENGTH(fixed)) return nullptr;
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(fixed));
  auto* a = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(fixed));
  for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
    if (a->rta_type == type) return a;
  return nullptr;
}

}  // namespace

void RtnetlinkRequest(const RtInterfaces& ifs, std::span<const char> req, uint32_t portid,
                      std::vector<std::string>* out) {
  // Requests are copied to an aligned buffer before any header is read.
  std::vector<nlmsghdr> aligned((req.size() + sizeof(nlmsghdr) - 1) / sizeof(nlmsghdr) + 1);
  std::memcpy(aligned.data(), req.data(), req.size());
  auto* h = aligned.data();
  int len = static_cast<int>(req.size());
  for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    if (!(h->nlmsg_flags & NLM_F_REQUEST)) continue;
    bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    uint32_t seq = h->nlmsg_seq;
    int err = 0;
    std::string reply;
    switch (h->nlmsg_type) {
      case RTM_GETLINK: {
        if (dump) {
          out->push_back(Link(ifs, kLoIndex, NLM_F_MULTI, seq, portid) +
                         Link(ifs, kEthIndex, NLM_F_MULTI, seq, portid));
          break;
        }
        int index = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(ifinfomsg)))
          index = static_cast<const ifinfomsg*>(NLMSG_DATA(h))->ifi_index;
        if (index == 0) {
          // By name (IFLA_IFNAME), as `ip link show dev eth0` asks.
          if (const rtattr* a = FindAttr(h, sizeof(ifinfomsg), IFLA_IFNAME)) {
            std::string name(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a));
            name = name.c_str();
            index = name == "lo" ? kLoIndex : name == "eth0" ? kEthIndex : -1;
          }
        }
        if (index != kLoIndex && index != kEthIndex) {
          err = ENODEV;
          break;
        }
        reply = Link(ifs, index, 0, seq, portid);
        break;
      }
      case RTM_GETADDR: {
        uint8_t fam = h->nlmsg_len >= NLMSG_LENGTH(1) ? *static_cast<const uint8_t*>(NLMSG_DATA(h)) : 0;
        if (!dump) {
          err = EOPNOTSUPP;  // as Linux for IPv4 addresses
          break;
        }
        if (fam == AF_UNSPEC || fam == AF_INET)
          out->push_back(Addr(ifs, kLoIndex, NLM_F_MULTI, seq, portid) +
                         Addr(ifs, kEthIndex, NLM_F_MULTI, seq, portid));
        break;
      }
      case RTM_GETROUTE: {
        uint8_t fam = h->nlmsg_len >= NLMSG_LENGTH(1) ? *static_cast<const uint8_t*>(NLMSG_DATA(h)) : 0;
        auto routes = Routes(ifs);
        if (dump) {
          if (fam == AF_UNSPEC || fam == AF_INET) {
            std::string all;
            for (const Route& r : routes) all += RouteMsg(ifs, r, NLM_F_MULTI, seq, portid);
            out->push_back(std::move(all));
          }
          break;
        }
        // A lookup (`ip route get`): the longest prefix matching RTA_DST.
        const rtattr* a = FindAttr(h, sizeof(rtmsg), RTA_DST);
        if (fam != AF_INET || !a || RTA_PAYLOAD(a) < 4) {
          err = EINVAL;
          break;
        }
        uint32_t be;
        std::memcpy(&be, RTA_DATA(a), 4);
        uint32_t dst = ntohl(be);
        const Route* best = nullptr;
        for (const Route& r : routes) {
          uint32_t mask = r.dst_len ? ~uint32_t{0} << (32 - r.dst_len) : 0;
          if ((dst & mask) == r.dst && (!best || r.dst_len > best->dst_len)) best = &r;
        }
        if (!best) {
          err = ENETUNREACH;
          break;
        }
        Route hit = *best;
        hit.dst = dst;
        hit.dst_len = 32;
        reply = RouteMsg(ifs, hit, 0, seq, portid);
        break;
      }
      case RTM_NEWLINK: case RTM_DELLINK: case RTM_NEWADDR: case RTM_DELADDR:
      case RTM_NEWROUTE: case RTM_DELROUTE:
        err = EPERM;
        break;
      default:
        err = EOPNOTSUPP;
    }
    if (err) {
      out->push_back(Error(*h, err, portid));
      continue;
    }
    if (dump) {
      MsgBuilder done(NLMSG_DONE, NLM_F_MULTI, seq, portid);
      int zero = 0;
      done.Put(&zero, sizeof(zero));
      out->push_back(done.Done());
    } else {
      out->push_back(std::move(reply));
    }
    if (h->nlmsg_flags & NLM_F_ACK) out->push_back(Error(*h, 0, portid));
  }
  // Bytes after the last whole message are ignored, as Linux does
  // (iproute2 sends its request buffers' padding).
}

}  // namespace junction::libos::net
