// The daemon's packet switching hooks (docs/network.md "Daemon"): a
// container with an address gets a port on the switch; the loop polls the
// switch after every wake-up and asks it before sleeping.
#include <cinttypes>

#include "net/switch_frame.h"
#include "sched/daemon.h"

namespace junction::sched {

namespace {

// A NIC without a wake-up descriptor is polled at least this often while
// the daemon sleeps (adaptive polling).
constexpr uint64_t kNicPollWhileAsleepNs = 1'000'000;

}  // namespace

bool Daemon::AttachNetwork(DaemonContainer* c, bool adopted, std::string* why) {
  uint32_t ip = *c->info.ip;
  net::Mac mac = c->info.mac ? net::MacFromU64(*c->info.mac) : net::ContainerMac(ip);
  if (net::IsMulticast(mac) || net::MacToU64(mac) == 0) {
    *why = "the MAC address must be a unicast address";
    return false;
  }
  if (!switch_.AddContainer(static_cast<uint64_t>(c->id), c->region.queues(0), c->region.slots(),
                            adopted, ip, mac)) {
    *why = "its IPv4 or MAC address belongs to another container";
    return false;
  }
  Log(config::LogLevel::kDebug,
      "container %lld: %u.%u.%u.%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, %u packet queues",
      static_cast<long long>(c->id), ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, mac[0],
      mac[1], mac[2], mac[3], mac[4], mac[5], c->region.slots());
  return true;
}

int Daemon::PollNetwork(uint64_t now_ns) {
  if (containers_.empty()) return 0;
  return switch_.Poll(now_ns);
}

bool Daemon::PrepareNetworkSleep(uint64_t* max_sleep_ns) {
  if (!switch_.PrepareSleep()) return false;
  if (nic_ != nullptr && nic_->wake_fd() < 0 && *max_sleep_ns > kNicPollWhileAsleepNs)
    *max_sleep_ns = kNicPollWhileAsleepNs;
  return true;
}

}  // namespace junction::sched
