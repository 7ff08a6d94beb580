// The container's own network stack in `[net] mode = "bypass"` (DESIGN.md
// 3.7, docs/network.md "LibOS stack"): one junction::net::NetStack per
// process, created on first use with the configured address, and the
// AF_INET sockets over it.
#pragma once

#include "base/sys_result.h"
#include "libos/fs/file.h"
#include "libos/net/rtnetlink.h"
#include "net/link.h"
#include "net/stack/stack.h"

namespace junction::libos::net {

// True when this container's AF_INET sockets use the LibOS stack.
bool BypassMode();

// The stack (created on first call), or nullptr outside bypass mode.
junction::net::NetStack* BypassStack();

// Gives the stack its link before the first socket is made (the daemon's
// RingLink). Without one the stack still serves 127.0.0.1 and its own
// address inside the container, and counts every frame it could not send.
void SetBypassLink(junction::net::NetLink* link);

// Runs the stack's timers if one is due (cheap when none is).
void BypassRunTimers();

// socket(AF_INET or AF_INET6, SOCK_STREAM | SOCK_DGRAM, ...) in bypass
// mode. AF_INET6 sockets are dual-stack over the IPv4 stack: they reach
// IPv4 peers through mapped addresses (docs/network.md).
SysResult<fs::FilePtr> MakeBypassSocket(int domain, int type, int protocol);

// socket(AF_NETLINK, ..., NETLINK_ROUTE) in bypass mode: the container's
// interfaces, addresses and routes (netlink_socket.cc).
SysResult<fs::FilePtr> MakeBypassNetlink(int type, int protocol);
// The container's interfaces (lo and eth0) as its config gives them, for
// netlink and the SIOCGIF* requests.
RtInterfaces BypassInterfaces();

}  // namespace junction::libos::net
