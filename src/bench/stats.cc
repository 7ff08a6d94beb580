#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace junction::bench {

double Median(std::vector<double> samples) {
  if (samples.empty()) return std::nan("");
  size_t mid = samples.size() / 2;
  std::nth_element(samples.begin(), samples.begin() + mid, samples.end());
  double upper = samples[mid];
  if (samples.size() % 2) return upper;
  double lower = *std::max_element(samples.begin(), samples.begin() + mid);
  return (lower + upper) / 2;
}

Percentiles PrintPercentiles(const char* label, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  Percentiles p{us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
  std::printf("%s p50=%.2f p99=%.2f n=%zu\n", label, p.p50, p.p99, us.size());
  std::fflush(stdout);
  return p;
}

}  // namespace junction::bench
