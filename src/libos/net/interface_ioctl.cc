#include "libos/net/interface_ioctl.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "libos/host/host.h"
#include "libos/net/bypass.h"
#include "libos/net/rtnetlink.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::net {

bool IsInterfaceRequest(unsigned long req) {
  switch (req) {
    case SIOCGIFINDEX: case SIOCGIFNAME: case SIOCGIFCONF: case SIOCGIFFLAGS: case SIOCGIFMTU:
    case SIOCGIFADDR: case SIOCGIFDSTADDR: case SIOCGIFBRDADDR: case SIOCGIFNETMASK:
    case SIOCGIFHWADDR: case SIOCGIFTXQLEN: case SIOCGIFMETRIC: case SIOCGIFMAP:
    case SIOCGIFPFLAGS:
      return true;
    default:
      return false;
  }
}

namespace {

bool IsAddressRequest(unsigned long req) {
  return req == SIOCGIFADDR || req == SIOCGIFDSTADDR || req == SIOCGIFBRDADDR || req == SIOCGIFNETMASK;
}

const char* BypassName(int index) {
  return index == kLoIndex ? "lo" : index == kEthIndex ? "eth0" : nullptr;
}

sockaddr Inet(uint32_t host_order) {
  sockaddr sa{};
  auto* in = reinterpret_cast<sockaddr_in*>(&sa);
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = htonl(host_order);
  return sa;
}

// One interface's answer, as Linux's dev_ifsioc_locked and devinet_ioctl
// give it for the container's lo and eth0 (the same as its netlink).
long BypassQuery(unsigned long req, int index, const RtInterfaces& ifs, ifreq* ifr) {
  bool lo = index == kLoIndex;
  uint32_t addr = lo ? 0x7f000001 : ifs.addr;
  int prefix = lo ? 8 : ifs.prefix;
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  switch (req) {
    case SIOCGIFFLAGS:
      ifr->ifr_flags = static_cast<short>(lo ? (IFF_UP | IFF_LOOPBACK | IFF_RUNNING)
                                             : (IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST));
      return 0;
    case SIOCGIFMTU: ifr->ifr_mtu = static_cast<int>(lo ? 65536 : ifs.mtu); return 0;
    case SIOCGIFTXQLEN: ifr->ifr_qlen = 1000; return 0;
    case SIOCGIFMETRIC: ifr->ifr_metric = 0; return 0;
    case SIOCGIFMAP: std::memset(&ifr->ifr_map, 0, sizeof(ifr->ifr_map)); return 0;
    case SIOCGIFHWADDR:
      std::memset(&ifr->ifr_hwaddr, 0, sizeof(ifr->ifr_hwaddr));
      ifr->ifr_hwaddr.sa_family = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
      if (!lo) std::memcpy(ifr->ifr_hwaddr.sa_data, ifs.mac, 6);
      return 0;
    case SIOCGIFADDR: ifr->ifr_addr = Inet(addr); return 0;
    case SIOCGIFNETMASK: ifr->ifr_netmask = Inet(mask); return 0;
    case SIOCGIFBRDADDR: ifr->ifr_broadaddr = Inet(lo ? 0 : (addr | ~mask)); return 0;
    case SIOCGIFDSTADDR: ifr->ifr_dstaddr = Inet(addr); return 0;
    default: return -ENOTTY;
  }
}

long BypassAnswer(unsigned long req, int family, ifreq* ifr) {
  if (req == SIOCGIFNAME) {
    const char* name = BypassName(ifr->ifr_ifindex);
    if (!name) return -ENODEV;
    std::memset(ifr->ifr_name, 0, IFNAMSIZ);
    std::strcpy(ifr->ifr_name, name);
    return 0;
  }
  if (IsAddressRequest(req) && family != AF_INET) return -ENOTTY;
  ifr->ifr_name[IFNAMSIZ - 1] = 0;
  for (int i : {kLoIndex, kEthIndex}) {
    if (std::strcmp(ifr->ifr_name, BypassName(i)) != 0) continue;
    if (req == SIOCGIFINDEX) {
      ifr->ifr_ifindex = i;
      return 0;
    }
    return BypassQuery(req, i, BypassInterfaces(), ifr);
  }
  return -ENODEV;
}

// The host's socket for a question about its interfaces: of the guest
// socket's family where the answer depends on it (AF_INET and AF_INET6
// have their own handlers; every other family falls through to the
// generic one, as AF_UNIX's does).
long HostQuerySocket(int family) {
  int f = family == AF_INET || family == AF_INET6 ? family : AF_UNIX;
  return host::Syscall(SYS_socket, f, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

long HostAnswer(unsigned long req, int family, ifreq* ifr) {
  long s = HostQuerySocket(family);
  if (s < 0) return s;
  long r = host::Syscall(SYS_ioctl, s, req, host::L(ifr));
  host::Syscall(SYS_close, s);
  return r;
}

// The AF_INET addresses of the interfaces: the host's, through a buffer
// of the LibOS's (the host never writes guest memory), or the
// container's. Fills at most `room` bytes of whole ifreqs into `out`;
// returns the bytes used (all that would be with no buffer) or -errno.
long InterfaceList(int family, bool count_only, size_t room, std::vector<ifreq>* out) {
  if (BypassMode()) {
    RtInterfaces ifs = BypassInterfaces();
    for (int i : {kLoIndex, kEthIndex}) {
      if (!count_only && (out->size() + 1) * sizeof(ifreq) > room) break;
      ifreq r{};
      std::strcpy(r.ifr_name, BypassName(i));
      r.ifr_addr = Inet(i == kLoIndex ? 0x7f000001 : ifs.addr);
      out->push_back(r);
    }
    return static_cast<long>(out->size() * sizeof(ifreq));
  }
  // No room for one ifreq: Linux answers 0 and writes nothing. The host
  // must not be asked with an empty buffer, which it takes for a count.
  if (!count_only && room < sizeof(ifreq)) return 0;
  long s = HostQuerySocket(family);
  if (s < 0) return s;
  ifconf ifc{};
  if (!count_only) {
    out->resize(room / sizeof(ifreq));
    ifc.ifc_len = static_cast<int>(out->size() * sizeof(ifreq));
    ifc.ifc_req = out->data();
  }
  long r = host::Syscall(SYS_ioctl, s, SIOCGIFCONF, host::L(&ifc));
  host::Syscall(SYS_close, s);
  if (r < 0) return r;
  if (!count_only) out->resize(static_cast<size_t>(ifc.ifc_len) / sizeof(ifreq));
  return ifc.ifc_len;
}

long InterfaceConf(long arg, int family) {
  auto in = UserPtr<ifconf>(arg).Read();
  if (!in.ok()) return -EFAULT;
  ifconf ifc = *in;
  bool count_only = ifc.ifc_req == nullptr;
  // Linux fills as many whole ifreqs as ifc_len holds (none for a
  // negative length); more than 1024 interfaces are not looked for.
  size_t room = ifc.ifc_len > 0 ? std::min<size_t>(static_cast<size_t>(ifc.ifc_len), 1024 * sizeof(ifreq)) : 0;
  std::vector<ifreq> list;
  long used = InterfaceList(family, count_only, room, &list);
  if (used < 0) return used;
  if (!count_only && used > 0) {
    auto dst = reinterpret_cast<uintptr_t>(ifc.ifc_req);
    if (!GuestWritable(dst, static_cast<size_t>(used)) ||
        !SafeCopy(reinterpret_cast<void*>(dst), list.data(), static_cast<size_t>(used)))
      return -EFAULT;
  }
  ifc.ifc_len = static_cast<int>(used);
  return UserPtr<ifconf>(arg).Write(ifc).ok() ? 0 : -EFAULT;
}

}  // namespace

long InterfaceIoctl(unsigned long req, long arg, int family) {
  if (req == SIOCGIFCONF) return InterfaceConf(arg, family);
  // Linux's inet_ioctl passes SIOCGIFPFLAGS to devinet_ioctl, which has
  // no case for it; other families have no handler at all.
  if (req == SIOCGIFPFLAGS) return family == AF_INET ? -EINVAL : -ENOTTY;
  auto in = UserPtr<ifreq>(arg).Read();
  if (!in.ok()) return -EFAULT;
  ifreq ifr = *in;
  long r = BypassMode() ? BypassAnswer(req, family, &ifr) : HostAnswer(req, family, &ifr);
  if (r < 0) return r;
  return UserPtr<ifreq>(arg).Write(ifr).ok() ? 0 : -EFAULT;
}

}  // namespace junction::libos::net
