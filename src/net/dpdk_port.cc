#include "net/dpdk_port.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#if JUNCTION_HAVE_DPDK
#include <rte_bus.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "net/dpdk_eal_log.h"
#endif

#if JUNCTION_DPDK_MLX5
// rdma-core's static libibverbs cannot dlopen providers; the ones we link
// must be handed to it before the first device scan (which DPDK's mlx5 PCI
// probe triggers). Naming verbs_provider_mlx5 also pulls the provider into
// the static link.
#define RDMA_STATIC_PROVIDERS mlx5
#include <infiniband/verbs.h>
#endif

namespace junction::net {

#if JUNCTION_HAVE_DPDK

namespace {

void RegisterStaticVerbsProviders() {
#if JUNCTION_DPDK_MLX5
  static bool done = false;
  if (done) return;
  ibv_static_providers(nullptr, &verbs_provider_mlx5, nullptr);
  done = true;
#endif
}

int MatchAnyBus(const rte_bus*, const void*) { return 0; }

std::string ListBuses() {
  std::string out;
  for (const rte_bus* bus = rte_bus_find(nullptr, MatchAnyBus, nullptr); bus != nullptr;
       bus = rte_bus_find(bus, MatchAnyBus, nullptr)) {
    if (!out.empty()) out += ' ';
    out += rte_bus_name(bus);
  }
  return out;
}

// net_ring ports created without arguments use one ring for RX and TX, so a
// packet sent comes back: exercises ethdev configure/start, the mempool
// driver and the burst path. Returns a one-line result.
std::string RingLoopback(uint16_t port, rte_mempool* pool) {
  rte_eth_conf conf{};
  if (rte_eth_dev_configure(port, 1, 1, &conf) != 0) return "configure failed";
  int socket = rte_eth_dev_socket_id(port);
  unsigned socket_id = socket < 0 ? 0 : static_cast<unsigned>(socket);
  if (rte_eth_rx_queue_setup(port, 0, 64, socket_id, nullptr, pool) != 0 ||
      rte_eth_tx_queue_setup(port, 0, 64, socket_id, nullptr) != 0) {
    return "queue setup failed";
  }
  if (rte_eth_dev_start(port) != 0) return "start failed";
  std::string result = "no packet came back";
  rte_mbuf* out = rte_pktmbuf_alloc(pool);
  if (out == nullptr) {
    result = "mbuf alloc failed";
  } else {
    char* data = rte_pktmbuf_append(out, 60);
    for (int i = 0; i < 60; ++i) data[i] = static_cast<char>(i);
    if (rte_eth_tx_burst(port, 0, &out, 1) != 1) {
      rte_pktmbuf_free(out);
      result = "tx failed";
    } else {
      rte_mbuf* in = nullptr;
      if (rte_eth_rx_burst(port, 0, &in, 1) == 1) {
        const char* got = rte_pktmbuf_mtod(in, const char*);
        bool same = rte_pktmbuf_pkt_len(in) == 60;
        for (int i = 0; same && i < 60; ++i) same = got[i] == static_cast<char>(i);
        result = same ? "loopback ok" : "loopback data mismatch";
        rte_pktmbuf_free(in);
      }
    }
  }
  rte_eth_dev_stop(port);
  return result;
}

// Appends one line per ethdev port; returns the number of ports.
int ListPorts(rte_mempool* pool, std::string* report) {
  int count = 0;
  uint16_t port;
  RTE_ETH_FOREACH_DEV(port) {
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    rte_eth_dev_get_name_by_port(port, name);
    rte_eth_dev_info info{};
    const char* driver = "?";
    if (rte_eth_dev_info_get(port, &info) == 0 && info.driver_name != nullptr) {
      driver = info.driver_name;
    }
    rte_ether_addr mac{};
    char mac_text[RTE_ETHER_ADDR_FMT_SIZE] = "?";
    if (rte_eth_macaddr_get(port, &mac) == 0) {
      rte_ether_format_addr(mac_text, sizeof(mac_text), &mac);
    }
    char line[256];
    std::snprintf(line, sizeof(line), "  port %u: name=%s driver=%s mac=%s max_rxq=%u max_txq=%u",
                  port, name, driver, mac_text, info.max_rx_queues, info.max_tx_queues);
    *report += line;
    if (pool != nullptr && std::string_view(driver) == "net_ring") {
      *report += " " + RingLoopback(port, pool);
    }
    *report += "\n";
    ++count;
  }
  return count;
}

bool eal_used = false;  // rte_eal_init may run only once per process

}  // namespace

bool DpdkAvailable() { return true; }

std::string DpdkVersion() { return rte_version(); }

std::string DpdkDrivers() { return JUNCTION_DPDK_DRIVERS; }

int DpdkProbe(const std::vector<std::string>& eal_args, std::string* report) {
  *report += DpdkVersion() + "\n";
  *report += "drivers linked: " + DpdkDrivers() + "\n";
  if (eal_used) {
    *report += "EAL already initialised once in this process\n";
    return -EALREADY;
  }
  eal_used = true;
  RegisterStaticVerbsProviders();

  // The EAL parses (and permutes) a C argv; give it private copies.
  std::vector<std::string> storage;
  storage.reserve(eal_args.size() + 1);
  storage.push_back("junction");
  storage.insert(storage.end(), eal_args.begin(), eal_args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);

  EalLogCapture log;
  int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
  if (rc < 0) {
    int err = rte_errno != 0 ? rte_errno : EINVAL;
    *report += "rte_eal_init failed: ";
    *report += rte_strerror(err);
    *report += "\nEAL log:\n" + log.Text();
    return -err;
  }
  *report += "buses: " + ListBuses() + "\n";
  *report += "ports: " + std::to_string(rte_eth_dev_count_avail()) + "\n";
  // A small pool: proves the mempool driver is linked (rte_pktmbuf_pool_create
  // fails without one) and feeds the net_ring loopback.
  rte_mempool* pool = rte_pktmbuf_pool_create("junction_probe", 511, 0, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  *report += "mbuf pool: ";
  *report += pool != nullptr ? rte_mempool_get_ops(pool->ops_index)->name
                             : rte_strerror(rte_errno);
  *report += "\n";
  int ports = ListPorts(pool, report);
  uint16_t port;
  RTE_ETH_FOREACH_DEV(port) { rte_eth_dev_close(port); }
  rte_mempool_free(pool);
  rc = rte_eal_cleanup();
  *report += "EAL log:\n" + log.Text();
  if (rc < 0) {
    *report += "rte_eal_cleanup failed\n";
    return rc;
  }
  return ports;
}

#else  // !JUNCTION_HAVE_DPDK

bool DpdkAvailable() { return false; }

std::string DpdkVersion() { return {}; }

std::string DpdkDrivers() { return {}; }

int DpdkProbe(const std::vector<std::string>&, std::string* report) {
  *report += "built without DPDK (JUNCTION_WITH_DPDK=OFF)\n";
  return -ENOTSUP;
}

#endif  // JUNCTION_HAVE_DPDK

}  // namespace junction::net
