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

}  // namespace junction::libos::net
