// DPDK bring-up for the daemon's NIC (DESIGN.md 3.7). For now only what
// proves the static DPDK link works: version, linked drivers, and a probe
// that initialises the EAL, lists the ports it created and tears it down.
#pragma once

#include <string>
#include <vector>

namespace junction::net {

// True when this binary was built with DPDK (JUNCTION_WITH_DPDK).
bool DpdkAvailable();

// rte_version(), e.g. "DPDK 22.11.11"; empty without DPDK.
std::string DpdkVersion();

// The DPDK drivers linked into this binary (space separated, as named in
// vendor/DpdkStatic.cmake, e.g. "bus_vdev ... net_null net_mlx5").
std::string DpdkDrivers();

// Initialises the EAL with `eal_args` (without argv[0]), appends to `report`
// the version, drivers, buses and every ethdev port (id, name, driver), plus
// everything the EAL logged, then calls rte_eal_cleanup(). EAL log output
// goes only to `report`, never to stdout/stderr.
//
// Returns the number of ports found (>= 0), or a negative errno: -ENOTSUP
// without DPDK, -EALREADY if the EAL was initialised before in this process
// (DPDK allows one rte_eal_init per process, even after cleanup), or the
// EAL's own error. Not thread-safe; call it from one thread only.
//
// Example args for a machine without hugepages or NICs:
//   {"--no-huge", "--no-shconf", "--no-pci", "--no-telemetry", "-l", "0",
//    "--vdev=net_null0", "--log-level=notice"}
[[nodiscard]] int DpdkProbe(const std::vector<std::string>& eal_args,
                            std::string* report);

}  // namespace junction::net
