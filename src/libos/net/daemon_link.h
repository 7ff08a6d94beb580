// The bypass stack's link under the daemon (docs/network.md "Daemon: the
// LibOS end"): a RingLink over the container's packet rings in the shared
// region, handed to the stack (bypass.h), and the scheduler hooks that
// poll the rings (sched::SetNetPoller).
#pragma once

#include <string>

#include "config/app_config.h"
#include "sched/daemon_client.h"

namespace junction::libos::net {

// After registering with the daemon, before the seccomp filter. In bypass
// mode: links the stack to the rings of session `s`, creates the stack
// (so ARP and ping are answered before any socket exists), attaches every
// kthread's rings and hooks the scheduler. Nothing in host mode. False
// with `why` if it cannot.
bool StartDaemonLink(const config::AppConfig& cfg, sched::DaemonSession* s, std::string* why);

// A forked child of a bypass container (docs/network.md "Processes") gets
// its own rings from the daemon (NET_JOIN) and makes its copy of the stack
// its own: the parent's connections are forgotten (but those the fork
// shared: NetStack::ShareForFork), inherited listeners
// accept what the daemon steers here. Called right after the fork with
// only_if_receiving (joins only if the child inherited a listener or a UDP
// socket), and before a socket is made or used (joins if not yet). Nothing
// outside a forked child under a daemon, or once joined.
void JoinDaemonLinkAfterFork(bool only_if_receiving);

// In the parent after a fork (not a vfork): listeners this process has not
// accepted or polled on stop taking SYNs until it does
// (NetStack::DelegateIdleListeners), and whoever waits on a connection
// the fork shared polls it again (NetStack::NotifyShared). Nothing
// without a daemon.
void DelegateListenersAfterFork();

// The stack's lock across a host fork (see NetStack::ForkLock): released
// after the fork in the parent if taken, always in the child. `share`
// (a fork, not a vfork): the connections become both processes'
// (NetStack::ShareForFork), undone if the fork `failed`.
void NetForkLock(bool share);
void NetForkUnlock(bool in_child, bool failed);

// The process exits: it lets go of connections it shares with other
// processes (NetStack::ReleaseSharedAtExit). Nothing without a daemon.
void ReleaseSharedConnectionsAtExit();

// Then (before the host exit): closes the TCP sockets the program left
// open as close() would, and hands the connections still closing to the
// daemon, which finishes them (TCP_HANDOVER; docs/network.md
// "Connections outliving their process"). Nothing without a daemon, or in
// a forked child that has no link of its own.
void HandOverConnectionsAtExit();

}  // namespace junction::libos::net
