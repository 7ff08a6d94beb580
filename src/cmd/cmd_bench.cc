// `junction bench [--json] [--iterations N] [SUITE...]`: microbenchmarks,
// each run natively and under the LibOS in one invocation (src/bench).
//
// The LibOS side runs junction itself as the guest:
//   junction run APP.toml -- junction bench worker SUITE NAME ITERATIONS
// where `bench worker` is a hidden subcommand that runs one benchmark loop
// and prints its result.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/process.h"
#include "bench/result.h"
#include "bench/runner.h"
#include "cmd/commands.h"
#include "config/app_config.h"
#include "config/config_error.h"

namespace junction::cmd {

namespace {

struct BenchArgs {
  bool json = false;
  uint64_t iterations = 0;
  int repeats = 5;
  int cpu = -1;
  std::string config_path;
  std::vector<std::string> suites;
};

struct WorkerArgs {
  std::string suite;
  std::string name;
  uint64_t iterations = 0;
};

std::string SuiteList(const bench::Registry& registry) {
  std::string s;
  for (const std::string& suite : registry.Suites()) {
    s += "\n  " + suite + ":";
    for (const bench::Benchmark* b : registry.all())
      if (suite == b->suite && !b->guest_only) s += std::string(" ") + b->name;
  }
  return s;
}

int DoBench(const BenchArgs& a) {
  const bench::Registry& registry = bench::Registry::Builtin();
  std::vector<const bench::Benchmark*> selected;
  std::string unknown;
  if (!registry.Select(a.suites, &selected, &unknown)) {
    std::fprintf(stderr, "junction bench: unknown suite '%s'; suites:%s\n", unknown.c_str(),
                 SuiteList(registry).c_str());
    return config::kExitUsage;
  }

  bench::RunnerOptions opts;
  opts.iterations = a.iterations;
  opts.repeats = a.repeats;
  opts.cpu = a.cpu;
  opts.self_exe = bench::SelfExe();
  if (opts.self_exe.empty()) {
    std::fprintf(stderr, "junction bench: cannot resolve /proc/self/exe to an absolute path\n");
    return 1;
  }
  if (isatty(STDERR_FILENO)) opts.progress = stderr;

  // The LibOS side runs with the given app config, or the embedded default.
  std::optional<bench::TempFile> default_config;
  if (a.config_path.empty()) {
    default_config.emplace(".toml", "# junction bench: the embedded default app config\n" +
                                        config::ToToml(config::DefaultAppConfig()));
    if (default_config->path().empty()) {
      std::fprintf(stderr, "junction bench: %s\n", default_config->error().c_str());
      return 1;
    }
    opts.app_config = default_config->path();
  } else {
    auto cfg = config::LoadAppConfig(a.config_path);
    if (!cfg) {
      std::fprintf(stderr, "junction bench: %s\n", cfg.error().ToString().c_str());
      return config::kExitUsage;
    }
    opts.app_config = a.config_path;
  }

  bench::RunReport report = bench::RunBenchmarks(selected, opts);
  std::string text = a.json ? bench::FormatJson(report.results) : bench::FormatTable(report.results);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  for (const std::string& e : report.errors) std::fprintf(stderr, "junction bench: %s\n", e.c_str());
  return report.errors.empty() ? 0 : 1;
}

}  // namespace

Runner SetupBench(CLI::App* sub) {
  auto a = std::make_shared<BenchArgs>();
  sub->add_flag("--json", a->json, "Print one JSON array of results (stable; docs/cli.md)");
  sub->add_option("--iterations", a->iterations,
                  "Operations per measurement, for every benchmark (default: each benchmark's own)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--repeats", a->repeats,
                  "Measurements per side; the median is reported (a latency percentile: over all repeats' rounds)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--cpu", a->cpu, "Pin both sides to this CPU (default: the highest allowed one)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--config", a->config_path,
                  "App config for the LibOS side (default: the embedded default)");
  sub->add_option("suite", a->suites, "Suites to run (default: all)");
  sub->footer("Suites and their benchmarks:" + SuiteList(bench::Registry::Builtin()));

  // Hidden: one benchmark loop in this process (natively, or as the guest
  // of `junction run`), result on stdout.
  auto w = std::make_shared<WorkerArgs>();
  CLI::App* worker = sub->add_subcommand("worker", "Run one benchmark loop (internal)");
  worker->group("");
  worker->add_option("suite", w->suite)->required();
  worker->add_option("name", w->name)->required();
  worker->add_option("iterations", w->iterations)->required()->check(CLI::PositiveNumber);

  return [a, w, worker] {
    if (worker->parsed())
      return bench::RunWorker(bench::Registry::Builtin(), w->suite, w->name, w->iterations, stdout,
                              stderr);
    return DoBench(*a);
  };
}

}  // namespace junction::cmd
