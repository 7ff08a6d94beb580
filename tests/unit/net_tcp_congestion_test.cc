// The congestion controllers of the LibOS TCP stack on simulated time:
// CUBIC's reduction, its cubic climb back to the old window (concave, then
// convex), its Reno-friendly region on short round trips, and NewReno.
#include <doctest/doctest.h>

#include <cstdint>

#include "net/stack/tcp_congestion.h"

namespace junction::net {
namespace {

constexpr uint32_t kMss = 1000;
constexpr uint64_t kMsNs = 1'000'000;

// One round trip of ACKs, one per segment of the window, at time `now`.
uint32_t AckOneRtt(CongestionControl& cc, uint32_t cwnd, uint64_t now, uint64_t rtt) {
  uint32_t segs = cwnd / kMss;
  for (uint32_t i = 0; i < segs; ++i) cwnd = cc.Avoidance(cwnd, kMss, kMss, now + rtt * i / segs, rtt);
  return cwnd;
}

TEST_CASE("tcp congestion: integer cube root") {
  CHECK(CubeRoot(0) == 0);
  CHECK(CubeRoot(1) == 1);
  CHECK(CubeRoot(7) == 1);
  CHECK(CubeRoot(8) == 2);
  CHECK(CubeRoot(26) == 2);
  CHECK(CubeRoot(27) == 3);
  CHECK(CubeRoot(1'000'000'000'000'000'000ULL) == 1'000'000);
  CHECK(CubeRoot(UINT64_MAX) == 2'642'245);
}

TEST_CASE("tcp congestion: names as TCP_CONGESTION spells them") {
  CongestionAlgo a{};
  CHECK(CongestionByName("reno", &a));
  CHECK(a == CongestionAlgo::kNewReno);
  CHECK(CongestionByName("cubic", &a));
  CHECK(a == CongestionAlgo::kCubic);
  CHECK_FALSE(CongestionByName("bbr", &a));
  CHECK_FALSE(CongestionByName("", &a));
  CHECK(CongestionName(CongestionAlgo::kCubic) == "cubic");
  CHECK(CongestionName(CongestionAlgo::kNewReno) == "reno");
}

TEST_CASE("tcp congestion: CUBIC cuts to 0.7 and converges fast below the old plateau") {
  CongestionControl cc;
  CHECK(cc.OnCongestion(100 * kMss, 100 * kMss, kMss) == 70 * kMss);
  CHECK(cc.w_max() == 100 * kMss);
  // A second loss before reaching the plateau: aim at (1 + 0.7) / 2 of it.
  CHECK(cc.OnCongestion(80 * kMss, 80 * kMss, kMss) == 56 * kMss);
  CHECK(cc.w_max() == 68 * kMss);
  // Never below two segments.
  CHECK(cc.OnCongestion(2 * kMss, 2 * kMss, kMss) == 2 * kMss);
}

TEST_CASE("tcp congestion: CUBIC climbs back to the old window in K seconds, then probes beyond") {
  CongestionControl cc;
  uint64_t rtt = 100 * kMsNs;  // long enough that the cubic curve, not Reno, rules
  uint32_t cwnd = cc.OnCongestion(100 * kMss, 100 * kMss, kMss);
  uint64_t now = 1'000'000'000;
  cwnd = cc.Avoidance(cwnd, kMss, kMss, now, rtt);
  // K = cbrt(30 segments / 0.4) = 4.217 s.
  CHECK(cc.k_ms() >= 4216);
  CHECK(cc.k_ms() <= 4218);
  uint64_t k = cc.k_ms() * kMsNs;
  uint32_t after_1s = 0, before_k = 0;
  for (uint64_t t = now; t < now + k - rtt; t += rtt) {
    cwnd = AckOneRtt(cc, cwnd, t, rtt);
    CHECK(cwnd <= 100 * kMss);  // concave: approaches the plateau from below
    if (t - now < 1'000'000'000) after_1s = cwnd;
    if (t + 2 * rtt >= now + k - rtt) before_k = cwnd;
  }
  // Fast first (most of the way in the first second), slow near the plateau.
  CHECK(after_1s - 70 * kMss > 15 * kMss);
  CHECK(before_k >= 99 * kMss);
  for (uint64_t t = now + k; t < now + k + 3'000'000'000; t += rtt) cwnd = AckOneRtt(cc, cwnd, t, rtt);
  // W(K + 3 s) = 100 + 0.4 * 27 = 110.8 segments: convex growth past the plateau.
  CHECK(cwnd > 108 * kMss);
  CHECK(cwnd < 116 * kMss);
}

TEST_CASE("tcp congestion: on short round trips CUBIC grows at least like Reno") {
  CongestionControl cc;
  uint64_t rtt = 100'000;  // 100 us
  uint32_t cwnd = cc.OnCongestion(100 * kMss, 100 * kMss, kMss);
  uint64_t now = 1'000'000'000;
  for (int i = 0; i < 50; ++i) cwnd = AckOneRtt(cc, cwnd, now + rtt * static_cast<uint64_t>(i), rtt);
  // alpha = 3 (1 - 0.7) / (1 + 0.7) = 0.53 segments per round trip: 70 + 26.5.
  CHECK(cwnd >= 95 * kMss);
  CHECK(cwnd <= 98 * kMss);
}

TEST_CASE("tcp congestion: NewReno halves the flight and adds one segment per window") {
  CongestionControl cc;
  cc.algo = CongestionAlgo::kNewReno;
  CHECK(cc.OnCongestion(100 * kMss, 60 * kMss, kMss) == 30 * kMss);
  uint32_t cwnd = 30 * kMss;
  cwnd = AckOneRtt(cc, cwnd, 1'000'000'000, 10 * kMsNs);
  CHECK(cwnd >= 31 * kMss - 30);  // mss*mss/cwnd per ACK, integer division
  CHECK(cwnd <= 31 * kMss);
}

}  // namespace
}  // namespace junction::net
