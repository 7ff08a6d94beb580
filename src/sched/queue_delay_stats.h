// Queueing delay of one container over the last second, for `junction
// ps`: a time-weighted histogram (each sample counts for the time until
// the next), kept in ten 100 ms windows. Buckets are a quarter of a power
// of two wide, so a percentile is within 19% of the truth.
#pragma once

#include <array>
#include <cstdint>

namespace junction::sched {

class QueueDelayStats {
 public:
  // The delay observed at `now_ns` (monotonic, non-decreasing).
  void Record(uint64_t now_ns, uint64_t delay_ns);
  // The time-weighted p-th percentile (0 < p < 100) over the second before
  // `now_ns`; 0 if nothing was recorded.
  uint64_t Percentile(uint64_t now_ns, double p) const;

  static constexpr uint64_t kWindowNs = 100'000'000;
  static constexpr int kWindows = 10;
  static constexpr int kBuckets = 160;
  static int BucketOf(uint64_t ns);
  static uint64_t BucketMidpoint(int bucket);

 private:
  struct Window {
    uint64_t epoch = ~uint64_t{0};  // now / kWindowNs of its samples
    std::array<uint64_t, kBuckets> weight_ns{};
  };
  std::array<Window, kWindows> windows_{};
  uint64_t last_ns_ = 0;
  uint64_t last_delay_ns_ = 0;
  bool started_ = false;
};

}  // namespace junction::sched
