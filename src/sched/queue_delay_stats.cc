#include "sched/queue_delay_stats.h"

#include <bit>

namespace junction::sched {

int QueueDelayStats::BucketOf(uint64_t ns) {
  if (ns < 4) return static_cast<int>(ns);
  int msb = std::bit_width(ns) - 1;                          // >= 2
  int quarter = static_cast<int>((ns >> (msb - 2)) & 3);     // next two bits
  int b = msb * 4 + quarter - 4;
  return b < kBuckets ? b : kBuckets - 1;
}

uint64_t QueueDelayStats::BucketMidpoint(int bucket) {
  if (bucket < 4) return static_cast<uint64_t>(bucket);
  int msb = (bucket + 4) / 4;
  uint64_t quarter = static_cast<uint64_t>((bucket + 4) % 4);
  uint64_t low = (uint64_t{4} | quarter) << (msb - 2);
  uint64_t width = uint64_t{1} << (msb - 2);
  return low + width / 2;
}

void QueueDelayStats::Record(uint64_t now_ns, uint64_t delay_ns) {
  if (started_ && now_ns > last_ns_) {
    // The previous sample held from last_ns_ until now (at most one window).
    uint64_t weight = now_ns - last_ns_;
    if (weight > kWindowNs) weight = kWindowNs;
    uint64_t epoch = now_ns / kWindowNs;
    Window& w = windows_[epoch % kWindows];
    if (w.epoch != epoch) {
      w.weight_ns.fill(0);
      w.epoch = epoch;
    }
    w.weight_ns[BucketOf(last_delay_ns_)] += weight;
  }
  started_ = true;
  last_ns_ = now_ns;
  last_delay_ns_ = delay_ns;
}

uint64_t QueueDelayStats::Percentile(uint64_t now_ns, double p) const {
  uint64_t newest = now_ns / kWindowNs;
  std::array<uint64_t, kBuckets> sum{};
  uint64_t total = 0;
  for (const Window& w : windows_) {
    if (w.epoch > newest || newest - w.epoch >= kWindows) continue;
    for (int b = 0; b < kBuckets; b++) {
      sum[b] += w.weight_ns[b];
      total += w.weight_ns[b];
    }
  }
  if (total == 0) return 0;
  double target = static_cast<double>(total) * p / 100.0;
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; b++) {
    seen += sum[b];
    if (static_cast<double>(seen) >= target && sum[b] != 0) return BucketMidpoint(b);
  }
  return BucketMidpoint(kBuckets - 1);
}

}  // namespace junction::sched
