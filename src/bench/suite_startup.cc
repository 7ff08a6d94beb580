// Suite `startup`: whole-process wall time of a trivial program, natively
// and under `junction run` (fork+exec+wait, as a shell would see it).
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "bench/stats.h"

namespace junction::bench {

namespace {

// Median of `iterations` runs of /bin/true, in microseconds.
Measurement StartupTrue(const Context& ctx) {
  std::vector<std::string> argv = {"/bin/true"};
  if (ctx.side == Side::kJunction) argv = {ctx.self_exe, "run", ctx.app_config, "--", "/bin/true"};
  std::vector<double> us;
  for (uint64_t i = 0; i < ctx.iterations; i++) {
    ProcessResult r = RunProcess(argv, Output::kDiscard);
    if (!r.ok()) {
      // Once more, to say why.
      return {0, RunProcess(argv, Output::kCapture).Describe()};
    }
    us.push_back(static_cast<double>(r.wall_ns) / 1000.0);
  }
  if (us.empty()) return {0, "no iterations"};
  return {Median(us), ""};
}

constexpr Benchmark kStartup[] = {
    {"startup", "true", "us/run", Where::kHost, 50, StartupTrue,
     "/bin/true vs junction run APP.toml -- /bin/true: posix_spawn+wait, median of iterations runs"},
};

}  // namespace

std::span<const Benchmark> StartupSuite() { return kStartup; }

}  // namespace junction::bench
