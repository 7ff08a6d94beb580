#include "net/dpdk_nic.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#if JUNCTION_HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_version.h>

#include "net/dpdk_eal_log.h"
#include "net/dpdk_runtime_dir.h"
#endif

namespace junction::net {

#if JUNCTION_HAVE_DPDK

namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;
constexpr unsigned kPoolMbufs = 4095;  // rx ring + tx ring + bursts in flight
constexpr unsigned kPoolCache = 256;
constexpr int kTxBatch = 32;

// Gives the host side of the TAP device its address and brings it up.
bool ConfigureHostSide(const std::string& ifname, uint32_t addr, int prefix, std::string* why) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    *why = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  auto* sin = reinterpret_cast<sockaddr_in*>(&ifr.ifr_addr);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = htonl(addr);
  bool ok = ioctl(s, SIOCSIFADDR, &ifr) == 0;
  if (ok) {
    uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    sin->sin_addr.s_addr = htonl(mask);
    ok = ioctl(s, SIOCSIFNETMASK, &ifr) == 0;
  }
  if (ok) ok = ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  }
  if (!ok) *why = "configuring " + ifname + ": " + std::strerror(errno);
  close(s);
  return ok;
}

class DpdkNic : public NicPort {
 public:
  DpdkNic(uint16_t port, rte_mempool* pool, Mac mac, int wake_fd)
      : port_(port), pool_(pool), mac_(mac), wake_fd_(wake_fd) {}
  ~DpdkNic() override {
    Flush();
    rte_eth_dev_stop(port_);
    rte_eth_dev_close(port_);
    rte_mempool_free(pool_);
    rte_eal_cleanup();
    RemoveDpdkRuntimeDir(DpdkRuntimeParent() + "/" + DpdkFilePrefix(getpid()));
  }

  Mac mac() const override { return mac_; }

  int Receive(FrameFn fn, void* ctx, int max) override {
    rte_mbuf* bufs[kTxBatch];
    uint16_t want = static_cast<uint16_t>(max < kTxBatch ? max : kTxBatch);
    uint16_t n = rte_eth_rx_burst(port_, 0, bufs, want);
    for (uint16_t i = 0; i < n; i++) {
      rte_mbuf* m = bufs[i];
      // One segment: our mbufs hold a whole frame up to the MTU.
      if (m->nb_segs == 1)
        fn(ctx, std::span<const uint8_t>(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len));
      rte_pktmbuf_free(m);
    }
    return n;
  }

  bool Send(std::span<const uint8_t> frame) override {
    if (pending_ == kTxBatch) Flush();
    rte_mbuf* m = rte_pktmbuf_alloc(pool_);
    if (m == nullptr) return false;
    char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
    if (data == nullptr) {
      rte_pktmbuf_free(m);
      return false;
    }
    std::memcpy(data, frame.data(), frame.size());
    tx_[pending_++] = m;
    return true;
  }

  void Flush() override {
    uint16_t sent = 0;
    // Two tries, then the rest is dropped: the daemon never waits on the NIC.
    for (int attempt = 0; attempt < 2 && sent < pending_; attempt++)
      sent = static_cast<uint16_t>(sent + rte_eth_tx_burst(port_, 0, tx_ + sent,
                                                           static_cast<uint16_t>(pending_ - sent)));
    for (uint16_t i = sent; i < pending_; i++) rte_pktmbuf_free(tx_[i]);
    pending_ = 0;
  }

  int wake_fd() const override { return wake_fd_; }
  bool ArmWake() override {
    if (wake_fd_ >= 0) rte_eth_dev_rx_intr_enable(port_, 0);
    return rte_eth_rx_queue_count(port_, 0) > 0;
  }
  void DisarmWake() override {
    // The descriptor is level-triggered (for net_tap it is the TAP fd):
    // nothing to drain; the poll takes the frames.
    if (wake_fd_ >= 0) rte_eth_dev_rx_intr_disable(port_, 0);
  }

 private:
  uint16_t port_;
  rte_mempool* pool_;
  Mac mac_;
  int wake_fd_;
  rte_mbuf* tx_[kTxBatch];
  uint16_t pending_ = 0;
};

std::vector<std::string> EalArgs(const config::DaemonConfig& cfg) {
  const config::NicConfig& nic = cfg.nic;
  std::vector<std::string> a = {"junction", "--no-telemetry", "--log-level=notice",
                                "--file-prefix=" + DpdkFilePrefix(getpid())};
  if (cfg.hugepages) a.push_back("--in-memory");
  else a.insert(a.end(), {"--no-huge", "--no-shconf", "-m", "128"});
  // The EAL's main lcore is our own thread; the daemon pins itself after.
  long cpu = sched_getcpu();
  a.insert(a.end(), {"-l", std::to_string(cpu < 0 ? 0 : cpu)});
  switch (nic.kind) {
    case config::NicKind::kTap:
      a.push_back("--no-pci");
      // A fixed MAC: containers keep the host side's address in their ARP
      // caches across a daemon restart (which recreates the device).
      a.push_back("--vdev=net_tap0,iface=" + nic.interface + ",mac=fixed");
      break;
    case config::NicKind::kAfPacket:
      a.push_back("--no-pci");
      a.push_back("--vdev=net_af_packet0,iface=" + nic.interface + ",qpairs=1");
      break;
    case config::NicKind::kAfXdp:
      a.push_back("--no-pci");
      a.push_back("--vdev=net_af_xdp0,iface=" + nic.interface + ",start_queue=0,queue_count=1");
      break;
    case config::NicKind::kPci:
      a.insert(a.end(), {"-a", nic.pci_address});
      break;
    case config::NicKind::kNone: break;
  }
  return a;
}

// Configures queue 0 of `port` (with rx interrupts if the driver has them).
int SetupPort(uint16_t port, rte_mempool* pool, bool rx_interrupts) {
  rte_eth_conf conf{};
  conf.intr_conf.rxq = rx_interrupts ? 1 : 0;
  int rc = rte_eth_dev_configure(port, 1, 1, &conf);
  if (rc != 0) return rc;
  int socket = rte_eth_dev_socket_id(port);
  unsigned socket_id = socket < 0 ? 0 : static_cast<unsigned>(socket);
  uint16_t nrx = kRxDescriptors, ntx = kTxDescriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
  if ((rc = rte_eth_rx_queue_setup(port, 0, nrx, socket_id, nullptr, pool)) != 0) return rc;
  if ((rc = rte_eth_tx_queue_setup(port, 0, ntx, socket_id, nullptr)) != 0) return rc;
  return rte_eth_dev_start(port);
}

bool g_eal_initialised = false;

}  // namespace

std::unique_ptr<NicPort> OpenDpdkNic(const config::DaemonConfig& cfg, std::string* why,
                                     std::string* log) {
  if (g_eal_initialised) {
    *why = "the EAL can be initialised only once per process";
    return nullptr;
  }
  g_eal_initialised = true;
  SweepStaleDpdkRuntimeDirs(DpdkRuntimeParent());
  std::vector<std::string> storage = EalArgs(cfg);
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  EalLogCapture eal_log;
  if (rte_eal_init(static_cast<int>(storage.size()), argv.data()) < 0) {
    *why = std::string("DPDK EAL initialisation failed: ") + rte_strerror(rte_errno) + "\n" +
           eal_log.Text();
    RemoveDpdkRuntimeDir(DpdkRuntimeParent() + "/" + DpdkFilePrefix(getpid()));
    return nullptr;
  }
  auto fail = [&](const std::string& what) {
    *why = what + "\n" + eal_log.Text();
    rte_eal_cleanup();
    RemoveDpdkRuntimeDir(DpdkRuntimeParent() + "/" + DpdkFilePrefix(getpid()));
    return nullptr;
  };
  uint16_t port = RTE_MAX_ETHPORTS, p;
  RTE_ETH_FOREACH_DEV(p) {
    port = p;
    break;
  }
  if (port == RTE_MAX_ETHPORTS) return fail("DPDK created no port (see the EAL log below)");
  rte_mempool* pool = rte_pktmbuf_pool_create("junction_nic", kPoolMbufs, kPoolCache, 0,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (pool == nullptr) return fail(std::string("mbuf pool: ") + rte_strerror(rte_errno));
  bool interrupts = true;
  int rc = SetupPort(port, pool, true);
  if (rc != 0) {
    interrupts = false;
    rte_eth_dev_stop(port);
    rc = SetupPort(port, pool, false);
  }
  if (rc != 0) {
    rte_mempool_free(pool);
    return fail(std::string("starting the port: ") + rte_strerror(-rc));
  }
  rte_eth_promiscuous_enable(port);
  if (cfg.nic.mtu != 1500) rte_eth_dev_set_mtu(port, static_cast<uint16_t>(cfg.nic.mtu));
  int wake_fd = -1;
  if (interrupts) {
    wake_fd = rte_eth_dev_rx_intr_ctl_q_get_fd(port, 0);
    if (wake_fd < 0) interrupts = false;
  }
  rte_ether_addr ea{};
  rte_eth_macaddr_get(port, &ea);
  Mac mac;
  std::memcpy(mac.data(), ea.addr_bytes, 6);
  if (cfg.nic.kind == config::NicKind::kTap && cfg.nic.host_address) {
    std::string err;
    if (!ConfigureHostSide(cfg.nic.interface, *cfg.nic.host_address, cfg.nic.host_prefix, &err)) {
      rte_eth_dev_stop(port);
      rte_eth_dev_close(port);
      rte_mempool_free(pool);
      return fail(err);
    }
  }
  rte_eth_dev_info info{};
  rte_eth_dev_info_get(port, &info);
  char line[256];
  std::snprintf(line, sizeof line,
                "%s port %s (%s), MAC %02x:%02x:%02x:%02x:%02x:%02x, %s, %s", rte_version(),
                cfg.nic.interface.empty() ? cfg.nic.pci_address.c_str() : cfg.nic.interface.c_str(),
                info.driver_name ? info.driver_name : "?", mac[0], mac[1], mac[2], mac[3], mac[4],
                mac[5], cfg.hugepages ? "hugepages" : "no hugepages",
                interrupts ? "rx interrupts" : "polled while the daemon sleeps (1 ms)");
  *log = line;
  return std::make_unique<DpdkNic>(port, pool, mac, wake_fd);
}

#else  // !JUNCTION_HAVE_DPDK

std::unique_ptr<NicPort> OpenDpdkNic(const config::DaemonConfig&, std::string* why, std::string*) {
  *why = "this junction was built without DPDK (JUNCTION_WITH_DPDK=OFF); use nic.kind = \"none\"";
  return nullptr;
}

#endif

}  // namespace junction::net
