#include "net/stack/tcp_congestion.h"

#include <algorithm>

namespace junction::net {

std::string_view CongestionName(CongestionAlgo a) {
  return a == CongestionAlgo::kCubic ? "cubic" : "reno";
}

bool CongestionByName(std::string_view name, CongestionAlgo* out) {
  if (name == "cubic") *out = CongestionAlgo::kCubic;
  else if (name == "reno") *out = CongestionAlgo::kNewReno;
  else return false;
  return true;
}

uint64_t CubeRoot(uint64_t x) {
  // cbrt(2^64) < 2^22: a 22-step binary search on the answer's bits.
  uint64_t r = 0;
  for (int bit = 21; bit >= 0; --bit) {
    uint64_t c = r | (uint64_t{1} << bit);
    if (static_cast<unsigned __int128>(c) * c * c <= x) r = c;
  }
  return r;
}

uint32_t CongestionControl::OnCongestion(uint32_t cwnd, uint32_t flight, uint32_t mss) {
  uint32_t floor = 2 * mss;
  if (algo == CongestionAlgo::kNewReno) return std::max(flight / 2, floor);
  epoch_start_ = 0;
  // Fast convergence (RFC 9438 4.7): a window that stopped short of the
  // previous plateau leaves room for newer flows by aiming lower.
  if (cwnd < w_max_) w_max_ = uint64_t{cwnd} * (kBetaDen + kBetaNum) / (2 * kBetaDen);
  else w_max_ = cwnd;
  return static_cast<uint32_t>(std::max<uint64_t>(uint64_t{cwnd} * kBetaNum / kBetaDen, floor));
}

uint64_t CongestionControl::WindowAt(uint64_t t_ms, uint32_t mss) const {
  // W_cubic(t) = C (t - K)^3 + W_max with C = 0.4 segments/s^3 (RFC 9438
  // eq. 1); in bytes and milliseconds: 4 * mss * (t - K)^3 / 10^10.
  int64_t d = static_cast<int64_t>(std::min<uint64_t>(t_ms, 1u << 22)) -
              static_cast<int64_t>(std::min<uint64_t>(k_ms_, 1u << 22));
  __int128 delta = static_cast<__int128>(d) * d * d * 4 * mss / 10'000'000'000LL;
  __int128 w = static_cast<__int128>(origin_) + delta;
  return w <= 0 ? 0 : static_cast<uint64_t>(std::min<__int128>(w, UINT32_MAX));
}

uint32_t CongestionControl::Avoidance(uint32_t cwnd, uint32_t acked, uint32_t mss, uint64_t now,
                                      uint64_t srtt) {
  if (algo == CongestionAlgo::kNewReno || cwnd == 0) {
    return cwnd + std::max<uint32_t>(1, mss * mss / std::max<uint32_t>(cwnd, 1));
  }
  if (epoch_start_ == 0) {
    epoch_start_ = now ? now : 1;
    grow_acc_ = 0;
    w_est_ = uint64_t{cwnd} << kEstShift;
    if (cwnd < w_max_) {
      // K = cbrt((W_max - cwnd) / C) seconds (RFC 9438 eq. 2), in ms.
      unsigned __int128 x = static_cast<unsigned __int128>(w_max_ - cwnd) * 2'500'000'000ULL / mss;
      k_ms_ = CubeRoot(static_cast<uint64_t>(std::min<unsigned __int128>(x, UINT64_MAX)));
      origin_ = w_max_;
    } else {
      k_ms_ = 0;
      origin_ = cwnd;
    }
  }
  uint64_t t_ms = (now - epoch_start_) / kMs;
  // The Reno-friendly estimate grows by alpha segments per window of ACKs,
  // and by one once it passed the old plateau (RFC 9438 4.3).
  uint64_t est_bytes = w_est_ >> kEstShift;
  uint64_t an = est_bytes >= w_max_ ? 1 : kAlphaNum, ad = est_bytes >= w_max_ ? 1 : kAlphaDen;
  w_est_ += (uint64_t{acked} * mss * an << kEstShift) / (ad * cwnd);
  est_bytes = w_est_ >> kEstShift;
  if (WindowAt(t_ms, mss) < est_bytes) {
    return static_cast<uint32_t>(std::clamp<uint64_t>(est_bytes, cwnd, UINT32_MAX / 2));
  }
  // Concave or convex region: aim at where the curve will be one RTT from
  // now, never more than 1.5 times the window (RFC 9438 4.4, 4.5).
  uint64_t target = std::clamp<uint64_t>(WindowAt(t_ms + srtt / kMs, mss), cwnd, uint64_t{cwnd} * 3 / 2);
  grow_acc_ += (target - cwnd) * acked;
  uint64_t inc = grow_acc_ / cwnd;
  grow_acc_ %= cwnd;
  return static_cast<uint32_t>(std::min<uint64_t>(cwnd + inc, UINT32_MAX / 2));
}

}  // namespace junction::net
