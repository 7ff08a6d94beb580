// Interface requests that Linux answers on a socket of any family
// (sock_do_ioctl: the family's own handler, then dev_ioctl and
// dev_ifconf): SIOCGIFINDEX and SIOCGIFNAME, which glibc's
// if_nametoindex/if_indextoname make on a unix socket, SIOCGIFCONF, and
// the SIOCGIF* queries of one interface (flags, MTU, addresses, hardware
// address, queue length, metric, map) that Erlang's inet:getiflist and
// ifget, ifconfig and Python's fcntl.ioctl idiom make.
#pragma once

namespace junction::libos::net {

// True if `req` is one of them.
bool IsInterfaceRequest(unsigned long req);
// Answers it into the guest's struct ifreq (or struct ifconf) at `arg`
// for a socket of `family` (the address requests are AF_INET's, ENOTTY on
// other families, as on Linux): in host network mode the host's
// interfaces, asked on a host socket of that family, in bypass mode the
// container's lo and eth0 (rtnetlink.h). Returns 0 or -errno.
long InterfaceIoctl(unsigned long req, long arg, int family);

}  // namespace junction::libos::net
