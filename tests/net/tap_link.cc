#include "tap_link.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace junction::net::test {

TapLink::TapLink(const std::string& name, MacAddr mac) : mac_(mac) {
  fd_ = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) throw std::runtime_error("open /dev/net/tun: " + std::string(strerror(errno)));
  struct ifreq ifr {};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd_, TUNSETIFF, &ifr) < 0)
    throw std::runtime_error("TUNSETIFF: " + std::string(strerror(errno)));
}

TapLink::~TapLink() {
  Stop();
  if (fd_ >= 0) close(fd_);
}

bool TapLink::Lose() {
  uint32_t ppm = loss_ppm_.load();
  if (ppm == 0) return false;
  uint64_t x = rng_state_.load();
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  rng_state_.store(x);
  if (x % 1'000'000 >= ppm) return false;
  dropped_++;
  return true;
}

bool TapLink::Transmit(std::span<const std::byte> frame) {
  if (Lose()) return true;  // lost on the wire, not refused
  return write(fd_, frame.data(), frame.size()) == static_cast<ssize_t>(frame.size());
}

void TapLink::Start(FrameSink* sink) {
  poller_ = std::thread([this, sink] {
    std::byte buf[2048];
    while (!stop_.load()) {
      timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
      uint64_t next = sink->NextTimerNs();
      int timeout_ms = next <= now ? 0 : static_cast<int>(std::min<uint64_t>((next - now) / 1'000'000 + 1, 10));
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, timeout_ms) > 0) {
        for (int i = 0; i < 64; ++i) {
          ssize_t n = read(fd_, buf, sizeof(buf));
          if (n <= 0) break;
          if (Lose()) continue;
          sink->Input(std::span<const std::byte>(buf, static_cast<size_t>(n)));
        }
      }
      sink->Poll();
    }
  });
}

void TapLink::Stop() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
}

}  // namespace junction::net::test
