// Summary statistics of repeated measurements.
#pragma once

#include <string>
#include <vector>

namespace junction::bench {

// The median (mean of the two middle values for an even count); NaN for
// no samples.
double Median(std::vector<double> samples);

// The nearest-rank percentile: the smallest sample that at least
// `percent` % of the samples are at or below (the ceil(percent/100 * n)-th
// smallest). For 300 samples the p99 is the 297th smallest, the 4th-worst:
// three rounds in 300 may be slower. NaN for no samples.
double Percentile(std::vector<double> samples, int percent);

struct Percentiles {
  double p50 = 0, p99 = 0;
};

// A guest worker's latency report: sorts `us` (at least one sample) and
// prints "LABEL p50=.. p99=.. n=.." on stdout, flushed (the line the
// benchmark on the host parses).
Percentiles PrintPercentiles(const char* label, std::vector<double>& us);

// Every round of a latency run, for a host that pools the rounds of all
// repeats (Measurement::pool_percent): prints "LABEL_rounds V V ..." on
// stdout. ParseRounds reads the last such line of a worker's output into
// `out`; false if there is none or a value is not a number.
void PrintRounds(const char* label, const std::vector<double>& us);
bool ParseRounds(const std::string& output, const char* label, std::vector<double>* out);

}  // namespace junction::bench
