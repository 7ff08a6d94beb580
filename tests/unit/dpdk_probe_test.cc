// Proves the static DPDK link works at run time: the EAL comes up without
// hugepages or NICs, the vdev bus creates net_null and net_ring ports, a
// mempool can be created (mempool_ring driver) and a packet loops through
// net_ring. DPDK allows one rte_eal_init per process, so this is one test
// case, and the second probe must be refused.
#include <doctest/doctest.h>
#include <sched.h>

#include <cerrno>
#include <string>
#include <vector>

#include "net/dpdk_port.h"

namespace {

// The first CPU we may run on (ctest may pin us): the EAL's -l must name it.
std::string FirstAllowedCpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) return std::to_string(cpu);
    }
  }
  return "0";
}

}  // namespace

TEST_CASE("DpdkProbe brings up the EAL with net_null and net_ring vdevs") {
  if (!junction::net::DpdkAvailable()) {
    std::string report;
    CHECK(junction::net::DpdkProbe({}, &report) == -ENOTSUP);
    MESSAGE("built without DPDK; skipping the EAL probe");
    return;
  }
  CHECK(junction::net::DpdkVersion().rfind("DPDK 22.11", 0) == 0);
  for (const char* driver : {"bus_vdev", "mempool_ring", "net_null", "net_ring", "net_tap",
                             "net_af_packet", "net_af_xdp", "net_memif"}) {
    CHECK_MESSAGE(junction::net::DpdkDrivers().find(driver) != std::string::npos, driver);
  }

  const std::vector<std::string> args = {
      "--no-huge", "--no-shconf", "--no-pci", "--no-telemetry",
      "-l", FirstAllowedCpu(), "-m", "64",
      "--vdev=net_null0", "--vdev=net_ring0", "--log-level=notice"};
  std::string report;
  int ports = junction::net::DpdkProbe(args, &report);
  INFO("report:\n" << report);
  REQUIRE(ports == 2);
  CHECK(report.find("DPDK 22.11") != std::string::npos);
  CHECK(report.find("buses: ") != std::string::npos);
  CHECK(report.find("vdev") != std::string::npos);
  CHECK(report.find("mbuf pool: ring_mp_mc") != std::string::npos);
  CHECK(report.find("name=net_null0 driver=net_null") != std::string::npos);
  CHECK(report.find("name=net_ring0 driver=net_ring") != std::string::npos);
  CHECK(report.find("loopback ok") != std::string::npos);

  std::string again;
  CHECK(junction::net::DpdkProbe(args, &again) == -EALREADY);
}
