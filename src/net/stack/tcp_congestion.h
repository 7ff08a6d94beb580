// How far the congestion window falls on a loss and how it grows in
// congestion avoidance: CUBIC (RFC 9438, the default, as on Linux) or
// NewReno (RFC 5681). Slow start and the recovery mechanics (fast
// retransmit, NewReno partial ACKs, SACK) are shared and stay in the TCP
// input and timer code. Integer arithmetic only: windows in bytes, time in
// nanoseconds like the rest of the stack.
#pragma once

#include <cstdint>
#include <string_view>

namespace junction::net {

enum class CongestionAlgo : uint8_t { kCubic, kNewReno };

// "cubic" / "reno", the names Linux's TCP_CONGESTION uses.
std::string_view CongestionName(CongestionAlgo a);
bool CongestionByName(std::string_view name, CongestionAlgo* out);

// Integer cube root (floor) of x.
uint64_t CubeRoot(uint64_t x);

class CongestionControl {
 public:
  CongestionAlgo algo = CongestionAlgo::kCubic;

  // A congestion event (three duplicate ACKs, or the first RTO of a
  // series): returns the new ssthresh for a window of `cwnd` bytes with
  // `flight` bytes outstanding.
  uint32_t OnCongestion(uint32_t cwnd, uint32_t flight, uint32_t mss);
  // The window after `acked` new bytes were acknowledged in congestion
  // avoidance (cwnd >= ssthresh, cwnd-limited), at time `now` with smoothed
  // RTT `srtt` (0 when not yet measured).
  uint32_t Avoidance(uint32_t cwnd, uint32_t acked, uint32_t mss, uint64_t now, uint64_t srtt);
  // Recovery ended or the window was reset: CUBIC starts a new epoch at the
  // next ACK in congestion avoidance.
  void EndEpoch() { epoch_start_ = 0; }

  // Exposed for the unit tests.
  uint64_t w_max() const { return w_max_; }
  uint64_t k_ms() const { return k_ms_; }

 private:
  static constexpr uint64_t kMs = 1'000'000;  // ns
  // RFC 9438 4: C = 0.4 (segments per s^3), beta = 0.7, alpha = 3(1-beta)/(1+beta).
  static constexpr uint64_t kBetaNum = 7, kBetaDen = 10;
  static constexpr uint64_t kAlphaNum = 9, kAlphaDen = 17;

  uint64_t WindowAt(uint64_t t_ms, uint32_t mss) const;  // W_cubic(t), bytes

  uint64_t w_max_ = 0;        // window before the last reduction, bytes
  uint64_t k_ms_ = 0;         // time to climb back to w_max_ (RFC 9438 eq. 2)
  uint64_t origin_ = 0;       // the plateau of the curve, bytes
  uint64_t epoch_start_ = 0;  // ns, 0 = no epoch
  uint64_t w_est_ = 0;        // Reno-friendly estimate, bytes << kEstShift
  uint64_t grow_acc_ = 0;     // fractional growth carried between ACKs
  static constexpr int kEstShift = 10;
};

}  // namespace junction::net
