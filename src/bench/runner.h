// The measurement protocol of `junction bench`: pin, warm up, run each
// benchmark natively and under the LibOS alternately `repeats` times, and
// report the medians side by side.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/result.h"

namespace junction::bench {

struct RunnerOptions {
  uint64_t iterations = 0;  // 0: each benchmark's default
  int repeats = 5;
  int cpu = -1;             // -1: the highest-numbered allowed CPU
  std::string self_exe;     // absolute path of junction
  std::string app_config;   // for `junction run`
  std::FILE* progress = nullptr;  // one line per benchmark, if set
};

struct RunReport {
  std::vector<Result> results;      // the benchmarks that succeeded
  std::vector<std::string> errors;  // "SUITE/NAME: native|junction: why"
};

RunReport RunBenchmarks(std::span<const Benchmark* const> benchmarks, const RunnerOptions& opts);

// The argv that runs one repetition of a Where::kWorker benchmark.
std::vector<std::string> WorkerArgv(const Benchmark& b, Side side, uint64_t iterations,
                                    const RunnerOptions& opts);

// Warm-up size: a tenth of the measured iterations, between 1 and 10,000.
uint64_t WarmupIterations(uint64_t iterations);

// `junction bench worker SUITE NAME ITERATIONS`: warms up, measures once
// and prints the result (in the benchmark's unit) on `out`. Exit status 0,
// or 1 with a message on `err`.
int RunWorker(const Registry& registry, const std::string& suite, const std::string& name,
              uint64_t iterations, std::FILE* out, std::FILE* err);

// Parses a worker's stdout: its last line, a finite non-negative number.
bool ParseWorkerOutput(const std::string& out, double* value);

}  // namespace junction::bench
