#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

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

double Percentile(std::vector<double> samples, int percent) {
  if (samples.empty()) return std::nan("");
  // Integer arithmetic: ceil(percent * n / 100) exactly (0.99 * 300 is not).
  size_t rank = (samples.size() * static_cast<size_t>(percent) + 99) / 100;
  size_t at = std::clamp<size_t>(rank, 1, samples.size()) - 1;
  std::nth_element(samples.begin(), samples.begin() + static_cast<ptrdiff_t>(at), samples.end());
  return samples[at];
}

Percentiles PrintPercentiles(const char* label, std::vector<double>& us) {
  std::sort(us.begin(), us.end());
  Percentiles p{Percentile(us, 50), Percentile(us, 99)};
  std::printf("%s p50=%.2f p99=%.2f n=%zu\n", label, p.p50, p.p99, us.size());
  std::fflush(stdout);
  return p;
}

}  // namespace junction::bench

namespace junction::bench {

void PrintRounds(const char* label, const std::vector<double>& us) {
  std::string line = std::string(label) + "_rounds";
  char v[32];
  for (double x : us) {
    std::snprintf(v, sizeof v, " %.3f", x);
    line += v;
  }
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

bool ParseRounds(const std::string& output, const char* label, std::vector<double>* out) {
  std::string key = std::string(label) + "_rounds";
  size_t at = std::string::npos;
  // The last line that starts with the key (a worker's warm-up prints one too).
  for (size_t from = output.size(); from != 0;) {
    size_t hit = output.rfind(key, from - 1);
    if (hit == std::string::npos) break;
    if (hit == 0 || output[hit - 1] == '\n') {
      at = hit;
      break;
    }
    from = hit;
  }
  if (at == std::string::npos) return false;
  size_t end = output.find('\n', at);
  std::istringstream in(output.substr(at + key.size(), end == std::string::npos ? end : end - at - key.size()));
  out->clear();
  std::string word;
  while (in >> word) {
    char* stop = nullptr;
    double v = std::strtod(word.c_str(), &stop);
    if (*stop != '\0' || !std::isfinite(v)) return false;
    out->push_back(v);
  }
  return !out->empty();
}

}  // namespace junction::bench
