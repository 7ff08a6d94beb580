// Summary statistics of repeated measurements.
#pragma once

#include <vector>

namespace junction::bench {

// The median (mean of the two middle values for an even count); NaN for
// no samples.
double Median(std::vector<double> samples);

}  // namespace junction::bench
