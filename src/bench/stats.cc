#include "bench/stats.h"

#include <algorithm>
#include <cmath>

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

}  // namespace junction::bench
