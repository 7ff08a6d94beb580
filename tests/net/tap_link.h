// A NetLink over a Linux TAP device, for testing the LibOS stack against
// Linux's own TCP/IP before the daemon's rings exist. Optional loss in both
// directions stands in for tc netem, which this kernel may lack.
#pragma once

#include <atomic>
#include <random>
#include <string>
#include <thread>

#include "net/link.h"
#include "net/stack/stack.h"

namespace junction::net::test {

class TapLink : public NetLink {
 public:
  // Creates TAP device `name` (needs CAP_NET_ADMIN in the current netns).
  explicit TapLink(const std::string& name, MacAddr mac);
  ~TapLink() override;
  MacAddr mac() const override { return mac_; }
  uint16_t mtu() const override { return 1500; }
  bool Transmit(std::span<const std::byte> frame) override;

  // Runs the receive poller: frames into `sink`, timers, until Stop().
  void Start(FrameSink* sink);
  void Stop();
  void set_loss(double p) { loss_ppm_ = static_cast<uint32_t>(p * 1e6); }
  uint64_t dropped() const { return dropped_; }

 private:
  bool Lose();
  int fd_ = -1;
  MacAddr mac_;
  std::atomic<uint32_t> loss_ppm_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> rng_state_{88172645463325252ull};
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace junction::net::test
