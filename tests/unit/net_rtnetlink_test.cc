// NETLINK_ROUTE answers for bypass containers (src/libos/net/rtnetlink.cc):
// well-formed dumps, errors with the request echoed, and garbage survived.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>
#include <random>

#include "libos/net/rtnetlink.h"

namespace junction::libos::net {
namespace {

RtInterfaces Ifs() {
  RtInterfaces i;
  i.addr = 0x0a630002;
  i.prefix = 24;
  i.gateway = 0x0a630001;
  return i;
}

std::string Request(uint16_t type, uint16_t flags, uint8_t family) {
  std::string r(NLMSG_LENGTH(sizeof(rtmsg)), '\0');
  auto* h = reinterpret_cast<nlmsghdr*>(r.data());
  h->nlmsg_len = static_cast<uint32_t>(r.size());
  h->nlmsg_type = type;
  h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
  h->nlmsg_seq = 77;
  r[NLMSG_HDRLEN] = static_cast<char>(family);
  return r;
}

// Message types in a reply datagram, checking every length on the way.
std::vector<uint16_t> Types(const std::string& d) {
  std::vector<uint16_t> t;
  std::vector<nlmsghdr> buf(d.size() / sizeof(nlmsghdr) + 1);
  std::memcpy(buf.data(), d.data(), d.size());
  int len = static_cast<int>(d.size());
  for (auto* h = buf.data(); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
    CHECK(h->nlmsg_seq == 77);
    CHECK(h->nlmsg_pid == 42);
    t.push_back(h->nlmsg_type);
  }
  CHECK(len == 0);
  return t;
}

TEST_CASE("rtnetlink: dumps of links, addresses and routes end with NLMSG_DONE") {
  std::vector<std::string> out;
  RtnetlinkRequest(Ifs(), Request(RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC), 42, &out);
  REQUIRE(out.size() == 2);
  CHECK(Types(out[0]) == std::vector<uint16_t>{RTM_NEWLINK, RTM_NEWLINK});
  CHECK(Types(out[1]) == std::vector<uint16_t>{NLMSG_DONE});
  out.clear();
  RtnetlinkRequest(Ifs(), Request(RTM_GETADDR, NLM_F_DUMP, AF_INET6), 42, &out);
  REQUIRE(out.size() == 1);  // no IPv6 addresses: just DONE
  CHECK(Types(out[0]) == std::vector<uint16_t>{NLMSG_DONE});
  out.clear();
  RtnetlinkRequest(Ifs(), Request(RTM_GETROUTE, NLM_F_DUMP, AF_INET), 42, &out);
  REQUIRE(out.size() == 2);
  CHECK(Types(out[0]) == std::vector<uint16_t>{RTM_NEWROUTE, RTM_NEWROUTE});
  RtInterfaces no_gw = Ifs();
  no_gw.gateway = 0;
  out.clear();
  RtnetlinkRequest(no_gw, Request(RTM_GETROUTE, NLM_F_DUMP, AF_INET), 42, &out);
  CHECK(Types(out[0]) == std::vector<uint16_t>{RTM_NEWROUTE});
}

TEST_CASE("rtnetlink: changes are EPERM, unknown types EOPNOTSUPP, ACKs on request") {
  std::vector<std::string> out;
  RtnetlinkRequest(Ifs(), Request(RTM_NEWADDR, NLM_F_ACK, AF_INET), 42, &out);
  REQUIRE(out.size() == 1);
  const auto* e = reinterpret_cast<const nlmsgerr*>(out[0].data() + NLMSG_HDRLEN);
  CHECK(e->error == -EPERM);
  CHECK(e->msg.nlmsg_type == RTM_NEWADDR);
  out.clear();
  RtnetlinkRequest(Ifs(), Request(RTM_GETNEIGH, NLM_F_DUMP, AF_INET), 42, &out);
  REQUIRE(out.size() == 1);
  e = reinterpret_cast<const nlmsgerr*>(out[0].data() + NLMSG_HDRLEN);
  CHECK(e->error == -EOPNOTSUPP);
  out.clear();
  auto two = Request(RTM_GETLINK, NLM_F_DUMP | NLM_F_ACK, AF_UNSPEC) + Request(RTM_GETADDR, NLM_F_DUMP, AF_INET);
  RtnetlinkRequest(Ifs(), two, 42, &out);
  CHECK(out.size() == 5);  // links, DONE, ACK, addresses, DONE
}

TEST_CASE("rtnetlink: random requests never crash and replies stay well-formed") {
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) {
    std::string r = Request(static_cast<uint16_t>(RTM_BASE + rng() % 100),
                            static_cast<uint16_t>(rng()), static_cast<uint8_t>(rng()));
    r.resize(rng() % 200, '\x01');
    for (size_t k = 0; k < r.size(); k += 1 + rng() % 8) r[k] = static_cast<char>(rng());
    std::vector<std::string> out;
    RtnetlinkRequest(Ifs(), r, 42, &out);
    for (const std::string& d : out) {
      std::vector<nlmsghdr> buf(d.size() / sizeof(nlmsghdr) + 1);
      std::memcpy(buf.data(), d.data(), d.size());
      int len = static_cast<int>(d.size());
      for (auto* h = buf.data(); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {}
      CHECK(len == 0);
    }
  }
}

}  // namespace
}  // namespace junction::libos::net
