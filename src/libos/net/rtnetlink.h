// NETLINK_ROUTE answers for a bypass container (docs/network.md): the
// interfaces, addresses and routes the container's own stack has (lo and
// eth0 with the configured address and gateway), not the host's. Pure:
// requests in, datagrams out, so it is unit-tested on its own.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::libos::net {

struct RtInterfaces {
  uint32_t addr = 0;     // host byte order
  int prefix = 24;
  uint32_t gateway = 0;  // 0: no default route
  uint8_t mac[6] = {};
  uint32_t mtu = 1500;
};

// Interface indexes as the container sees them.
inline constexpr int kLoIndex = 1, kEthIndex = 2;

// Handles one sendmsg() worth of netlink messages from a socket with port
// id `portid`: appends the reply datagrams (one per dump part, then
// NLMSG_DONE; NLMSG_ERROR for errors and requested ACKs) to `out`.
// Supports RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE (dump, or one by index /
// destination); RTM_NEW*/DEL* are refused with EPERM, other types with
// EOPNOTSUPP. Parsing stops at the first message whose length does not fit.
void RtnetlinkRequest(const RtInterfaces& ifs, std::span<const char> req, uint32_t portid,
                      std::vector<std::string>* out);

}  // namespace junction::libos::net
