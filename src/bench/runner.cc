#include "bench/runner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "bench/process.h"
#include "bench/stats.h"

namespace junction::bench {

namespace {

const char* SideName(Side side) { return side == Side::kNative ? "native" : "junction"; }

Context MakeContext(Side side, uint64_t iterations, const RunnerOptions& opts) {
  Context ctx;
  ctx.side = side;
  ctx.iterations = iterations;
  ctx.self_exe = opts.self_exe;
  ctx.app_config = opts.app_config;
  return ctx;
}

// One repetition of `b` on one side.
Measurement MeasureOnce(const Benchmark& b, Side side, uint64_t iterations,
                        const RunnerOptions& opts) {
  if (b.where == Where::kHost) return b.run(MakeContext(side, iterations, opts));
  ProcessResult r = RunProcess(WorkerArgv(b, side, iterations, opts), Output::kCapture);
  if (!r.ok()) return {0, r.Describe()};
  double v;
  if (!ParseWorkerOutput(r.out, &v)) return {0, "worker printed no result: '" + r.out + "'"};
  return {v, ""};
}

// The rounds of one side's repeats, when every repeat handed them over
// with the same percentile (Measurement::pool_percent).
struct Pool {
  std::vector<double> rounds;
  int percent = 0;
  bool pooled = true;
  void Add(const Measurement& m) {
    if (m.pool_percent == 0 || m.rounds.empty() || (percent != 0 && m.pool_percent != percent)) {
      pooled = false;
      return;
    }
    percent = m.pool_percent;
    rounds.insert(rounds.end(), m.rounds.begin(), m.rounds.end());
  }
  // That percentile of all the rounds, else the median of the repeats' values.
  double Value(const std::vector<double>& values) const {
    return pooled && percent != 0 ? Percentile(rounds, percent) : Median(values);
  }
};

}  // namespace

uint64_t WarmupIterations(uint64_t iterations) {
  return std::clamp<uint64_t>(iterations / 10, 1, 10'000);
}

std::vector<std::string> WorkerArgv(const Benchmark& b, Side side, uint64_t iterations,
                                    const RunnerOptions& opts) {
  std::vector<std::string> argv;
  if (side == Side::kJunction) argv = {opts.self_exe, "run", opts.app_config, "--"};
  for (const char* a : {opts.self_exe.c_str(), "bench", "worker", b.suite, b.name})
    argv.emplace_back(a);
  argv.push_back(std::to_string(iterations));
  return argv;
}

bool ParseWorkerOutput(const std::string& out, double* value) {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t nl = s.rfind('\n');
  std::string line = nl == std::string::npos ? s : s.substr(nl + 1);
  if (line.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(line.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v < 0) return false;
  *value = v;
  return true;
}

RunReport RunBenchmarks(std::span<const Benchmark* const> benchmarks, const RunnerOptions& opts) {
  RunReport report;
  ScopedPin pin(opts.cpu);
  for (const Benchmark* b : benchmarks) {
    std::string id = std::string(b->suite) + "/" + b->name;
    uint64_t iterations = opts.iterations ? opts.iterations : b->default_iterations;
    if (opts.progress) std::fprintf(opts.progress, "bench: %s (%s)...\n", id.c_str(), pin.placement().c_str());
    // Host-side benchmarks warm up here (page cache, first exec); workers
    // warm up inside each worker process (the LibOS's first-trap rewrite).
    if (b->where == Where::kHost)
      for (Side side : {Side::kNative, Side::kJunction})
        b->run(MakeContext(side, WarmupIterations(iterations), opts));

    std::vector<double> samples[2];
    Pool pools[2];
    std::string error;
    for (int r = 0; r < opts.repeats && error.empty(); r++) {
      for (Side side : {Side::kNative, Side::kJunction}) {
        Measurement m = MeasureOnce(*b, side, iterations, opts);
        if (!m.ok()) {
          error = id + ": " + SideName(side) + ": " + m.error;
          break;
        }
        samples[side == Side::kJunction].push_back(m.value);
        pools[side == Side::kJunction].Add(m);
      }
    }
    if (!error.empty()) {
      report.errors.push_back(error);
      continue;
    }
    Result res;
    res.suite = b->suite;
    res.name = b->name;
    res.unit = b->unit;
    res.native = pools[0].Value(samples[0]);
    res.junction = pools[1].Value(samples[1]);
    res.ratio = Ratio(res.junction, res.native);
    res.iterations = iterations;
    res.repeats = opts.repeats;
    res.placement = pin.placement();
    res.note = b->note;
    report.results.push_back(res);
  }
  return report;
}

int RunWorker(const Registry& registry, const std::string& suite, const std::string& name,
              uint64_t iterations, std::FILE* out, std::FILE* err) {
  const Benchmark* b = registry.Find(suite, name);
  if (!b || b->where != Where::kWorker) {
    std::fprintf(err, "junction bench worker: no worker benchmark %s/%s\n", suite.c_str(), name.c_str());
    return 1;
  }
  Context ctx;
  ctx.self_exe = SelfExe();
  ctx.iterations = WarmupIterations(iterations);
  Measurement warm = b->run(ctx);
  if (!warm.ok()) {
    std::fprintf(err, "junction bench worker: %s/%s: %s\n", suite.c_str(), name.c_str(), warm.error.c_str());
    return 1;
  }
  ctx.iterations = iterations;
  Measurement m = b->run(ctx);
  if (!m.ok()) {
    std::fprintf(err, "junction bench worker: %s/%s: %s\n", suite.c_str(), name.c_str(), m.error.c_str());
    return 1;
  }
  std::fprintf(out, "%.4f\n", m.value);
  return 0;
}

}  // namespace junction::bench
