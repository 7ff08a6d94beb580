// The daemon's NIC through DPDK (DESIGN.md 3.7, docs/network.md "The
// port"): one ethdev port, one receive and one transmit queue, driven from
// the daemon's loop.
//
//   tap        net_tap creates the TAP device `interface` and the daemon
//              gives its host side `host_address` and brings it up, so host
//              programs reach the containers through it.
//   af_packet  net_af_packet on an existing interface (e.g. a veth).
//   af_xdp     net_af_xdp on an existing interface.
//   pci        a DPDK-supported NIC (or mlx5) at `pci_address`.
//
// Hugepages (daemon `hugepages = true`) are optional: without them the EAL
// runs with --no-huge --no-shconf.
#pragma once

#include <memory>
#include <string>

#include "config/daemon_config.h"
#include "net/nic_port.h"

namespace junction::net {

// Initialises the EAL (once per process) and starts the port; nullptr with
// `why` (including what the EAL logged) on failure. `log` receives a line
// for what was set up.
std::unique_ptr<NicPort> OpenDpdkNic(const config::DaemonConfig& cfg, std::string* why,
                                     std::string* log);

}  // namespace junction::net
