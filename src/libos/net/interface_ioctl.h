// Interface requests that Linux answers on a socket of any family
// (dev_ioctl): SIOCGIFINDEX and SIOCGIFNAME, which glibc's
// if_nametoindex/if_indextoname make on a unix socket.
#pragma once

namespace junction::libos::net {

// True if `req` is one of them.
bool IsInterfaceRequest(unsigned long req);
// Answers it into the guest's struct ifreq at `arg`: in host network mode
// the host's interfaces (as host netlink shows them), in bypass mode the
// container's lo and eth0 (rtnetlink.h). Returns 0 or -errno.
long InterfaceIoctl(unsigned long req, long arg);

}  // namespace junction::libos::net
