#include "libos/net/interface_ioctl.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>

#include "libos/host/host.h"
#include "libos/net/bypass.h"
#include "libos/net/rtnetlink.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos::net {

bool IsInterfaceRequest(unsigned long req) { return req == SIOCGIFINDEX || req == SIOCGIFNAME; }

namespace {

const char* BypassName(int index) {
  return index == kLoIndex ? "lo" : index == kEthIndex ? "eth0" : nullptr;
}

long BypassAnswer(unsigned long req, ifreq* ifr) {
  if (req == SIOCGIFINDEX) {
    ifr->ifr_name[IFNAMSIZ - 1] = 0;
    for (int i : {kLoIndex, kEthIndex})
      if (std::strcmp(ifr->ifr_name, BypassName(i)) == 0) {
        ifr->ifr_ifindex = i;
        return 0;
      }
    return -ENODEV;
  }
  const char* name = BypassName(ifr->ifr_ifindex);
  if (!name) return -ENODEV;
  std::memset(ifr->ifr_name, 0, IFNAMSIZ);
  std::strcpy(ifr->ifr_name, name);
  return 0;
}

long HostAnswer(unsigned long req, ifreq* ifr) {
  long s = host::Syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return s;
  long r = host::Syscall(SYS_ioctl, s, req, host::L(ifr));
  host::Syscall(SYS_close, s);
  return r;
}

}  // namespace

long InterfaceIoctl(unsigned long req, long arg) {
  auto in = UserPtr<ifreq>(arg).Read();
  if (!in.ok()) return -EFAULT;
  ifreq ifr = *in;
  long r = BypassMode() ? BypassAnswer(req, &ifr) : HostAnswer(req, &ifr);
  if (r < 0) return r;
  return UserPtr<ifreq>(arg).Write(ifr).ok() ? 0 : -EFAULT;
}

}  // namespace junction::libos::net
