// Summary statistics of repeated measurements.
#pragma once

#include <vector>

namespace junction::bench {

// The median (mean of the two middle values for an even count); NaN for
// no samples.
double Median(std::vector<double> samples);

struct Percentiles {
  double p50 = 0, p99 = 0;
};

// A guest worker's latency report: sorts `us` (at least one sample) and
// prints "LABEL p50=.. p99=.. n=.." on stdout, flushed (the line the
// benchmark on the host parses).
Percentiles PrintPercentiles(const char* label, std::vector<double>& us);

}  // namespace junction::bench
