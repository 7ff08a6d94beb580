// Microbenchmarks for `junction bench`: what one benchmark is, and the
// registry that lists them by suite (docs/performance.md, docs/cli.md).
//
// A benchmark is data: suite, name, unit and one function that measures.
// Adding a suite is one file (suite_<name>.cc defining a function that
// returns its benchmarks) plus one line in registry.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace junction::bench {

// Which side of the comparison a measurement is for.
enum class Side { kNative, kJunction };

// Where a benchmark's function runs.
enum class Where {
  // In a worker process (`junction bench worker ...`), started once
  // natively and once as a guest of `junction run`: the function sees the
  // same code either way and measures what the guest experiences.
  kWorker,
  // In the `junction bench` process itself; the function looks at
  // Context::side and measures the native or the LibOS variant (e.g. the
  // whole-process start-up of `junction run`).
  kHost,
};

struct Context {
  // For Where::kHost, the side to measure. A worker cannot tell which side
  // it is on (that is the point); it sees kNative.
  Side side = Side::kNative;
  uint64_t iterations = 0;
  std::string self_exe;    // absolute path of this junction binary
  std::string app_config;  // app config for `junction run`
};

// One measurement in the benchmark's unit, or why there is none.
struct Measurement {
  double value = 0;
  std::string error;  // empty on success
  // A latency run may also hand over every round's figure: with
  // pool_percent set, the runner reports that percentile of all repeats'
  // rounds together, not the median of the repeats' values (a p99 of 300
  // rounds rests on its 4 worst; over 5 repeats pooled, on the 16 worst of
  // 1500: docs/performance.md, "Busy grant tail, sixth session").
  std::vector<double> rounds;
  int pool_percent = 0;
  bool ok() const { return error.empty(); }
};

struct Benchmark {
  const char* suite;
  const char* name;
  const char* unit;  // e.g. "ns/op", "us/run"
  Where where;
  uint64_t default_iterations;
  Measurement (*run)(const Context& ctx);
  const char* note;  // one line for the JSON `note` field; may be ""
  // A guest program another benchmark runs (`bench worker` only): never
  // selected on its own.
  bool guest_only = false;
};

// The benchmarks of one suite, in the order they are printed.
using SuiteFn = std::span<const Benchmark> (*)();

class Registry {
 public:
  explicit Registry(std::vector<const Benchmark*> benchmarks);

  // Everything built into this binary (registry.cc).
  static const Registry& Builtin();

  const std::vector<const Benchmark*>& all() const { return benchmarks_; }
  // Suite names in registration order, each once.
  std::vector<std::string> Suites() const;
  const Benchmark* Find(const std::string& suite, const std::string& name) const;
  // The benchmarks of the given suites (all if `suites` is empty), in
  // registration order. On an unknown suite returns false and names it.
  bool Select(const std::vector<std::string>& suites, std::vector<const Benchmark*>* out,
              std::string* unknown) const;

 private:
  std::vector<const Benchmark*> benchmarks_;
};

// The suites (one file each).
std::span<const Benchmark> SyscallSuite();
std::span<const Benchmark> StartupSuite();
std::span<const Benchmark> ThreadsSuite();
std::span<const Benchmark> IpcSuite();
std::span<const Benchmark> SysvSuite();
std::span<const Benchmark> FileSuite();
std::span<const Benchmark> SchedSuite();
std::span<const Benchmark> ProcSuite();
std::span<const Benchmark> NetSuite();

}  // namespace junction::bench
