// The benchmark registry, medians and the worker protocol (src/bench).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/runner.h"
#include "bench/stats.h"

namespace junction::bench {
namespace {

Measurement Fixed(const Context& ctx) { return {static_cast<double>(ctx.iterations) / 4, ""}; }
Measurement Fails(const Context&) { return {0, "broken"}; }

const Benchmark kFake[] = {
    {"alpha", "one", "ns/op", Where::kWorker, 100, Fixed, ""},
    {"beta", "one", "us/run", Where::kHost, 10, Fixed, ""},
    {"alpha", "two", "ns/op", Where::kWorker, 100, Fails, ""},
};

Registry FakeRegistry() { return Registry({&kFake[0], &kFake[1], &kFake[2]}); }

TEST_CASE("median") {
  CHECK(std::isnan(Median({})));
  CHECK(Median({7}) == 7);
  CHECK(Median({3, 1, 2}) == 2);
  CHECK(Median({4, 1, 3, 2}) == 2.5);
  CHECK(Median({5, 5, 1, 100, 5}) == 5);  // robust to an outlier
  CHECK(Median({2, 1}) == 1.5);
}

TEST_CASE("percentile: nearest rank") {
  CHECK(std::isnan(Percentile({}, 99)));
  CHECK(Percentile({7}, 99) == 7);
  CHECK(Percentile({3, 1, 2}, 50) == 2);
  CHECK(Percentile({4, 1, 3, 2}, 50) == 2);  // the 2nd of 4: half are at or below it
  CHECK(Percentile({4, 1, 3, 2}, 100) == 4);
  CHECK(Percentile({4, 1, 3, 2}, 1) == 1);
  // 300 rounds: the p99 is the 297th smallest. Three slow rounds are 1 %,
  // which a p99 leaves out; a fourth is in it.
  std::vector<double> rounds(297, 1.0);
  rounds.insert(rounds.end(), {50, 60, 70});
  CHECK(Percentile(rounds, 99) == 1.0);
  rounds[0] = 40;
  CHECK(Percentile(rounds, 99) == 40);
  // 1500: the 1485th smallest (0.99 * 1500 is not exact in floating point).
  std::vector<double> many(1485, 2.0);
  many.insert(many.end(), 15, 30.0);
  CHECK(Percentile(many, 99) == 2.0);
  many[0] = 30;
  CHECK(Percentile(many, 99) == 30);
}

TEST_CASE("rounds: printed by the worker, the last line parsed by the host") {
  std::vector<double> got;
  CHECK(ParseRounds("wake_us_rounds 1.5 2 300.25\n", "wake_us", &got));
  CHECK(got == std::vector<double>{1.5, 2, 300.25});
  // The warm-up's line comes first; other lines around are ignored.
  CHECK(ParseRounds("wake_us_rounds 9\nwake_us p50=1 p99=2 n=1\nwake_us_rounds 4 5\nwake_us p50=4 p99=5 n=2\n",
                    "wake_us", &got));
  CHECK(got == std::vector<double>{4, 5});
  CHECK(ParseRounds("x wake_us_rounds 3\nwake_us_rounds 6", "wake_us", &got));
  CHECK(got == std::vector<double>{6});
  CHECK_FALSE(ParseRounds("wake_us p50=1 p99=2 n=1\n", "wake_us", &got));
  CHECK_FALSE(ParseRounds("wake_us_rounds\n", "wake_us", &got));
  CHECK_FALSE(ParseRounds("wake_us_rounds 1 x2\n", "wake_us", &got));
  CHECK_FALSE(ParseRounds("rtt_us_rounds 1\n", "wake_us", &got));
}

TEST_CASE("registry: suites in registration order, each once") {
  Registry r = FakeRegistry();
  CHECK(r.Suites() == std::vector<std::string>{"alpha", "beta"});
}

TEST_CASE("registry: lookup by suite and name") {
  Registry r = FakeRegistry();
  CHECK(r.Find("alpha", "two") == &kFake[2]);
  CHECK(r.Find("beta", "one") == &kFake[1]);
  CHECK(r.Find("beta", "two") == nullptr);
  CHECK(r.Find("gamma", "one") == nullptr);
}

TEST_CASE("registry: select by suite") {
  Registry r = FakeRegistry();
  std::vector<const Benchmark*> out;
  std::string unknown;
  REQUIRE(r.Select({}, &out, &unknown));
  CHECK(out.size() == 3);
  REQUIRE(r.Select({"alpha"}, &out, &unknown));
  CHECK(out == std::vector<const Benchmark*>{&kFake[0], &kFake[2]});
  // Registration order, not command-line order.
  REQUIRE(r.Select({"beta", "alpha"}, &out, &unknown));
  CHECK(out == std::vector<const Benchmark*>{&kFake[0], &kFake[1], &kFake[2]});
  CHECK_FALSE(r.Select({"alpha", "nope"}, &out, &unknown));
  CHECK(unknown == "nope");
}

TEST_CASE("registry: the built-in suites") {
  const Registry& r = Registry::Builtin();
  std::vector<std::string> suites = r.Suites();
  CHECK(suites.size() >= 2);
  CHECK(r.Find("syscall", "getpid") != nullptr);
  CHECK(r.Find("syscall", "getpid_trap") != nullptr);
  CHECK(r.Find("startup", "true") != nullptr);
  for (const Benchmark* b : r.all()) {
    INFO(b->suite << "/" << b->name);
    CHECK(r.Find(b->suite, b->name) == b);  // names are unique
    CHECK(b->default_iterations > 0);
    CHECK(std::string(b->unit).find('/') != std::string::npos);
  }
}

TEST_CASE("worker argv: natively, and as the guest of junction run") {
  RunnerOptions o;
  o.self_exe = "/usr/bin/junction";
  o.app_config = "/tmp/app.toml";
  CHECK(WorkerArgv(kFake[0], Side::kNative, 1000, o) ==
        std::vector<std::string>{"/usr/bin/junction", "bench", "worker", "alpha", "one", "1000"});
  CHECK(WorkerArgv(kFake[0], Side::kJunction, 1000, o) ==
        std::vector<std::string>{"/usr/bin/junction", "run", "/tmp/app.toml", "--",
                                 "/usr/bin/junction", "bench", "worker", "alpha", "one", "1000"});
}

TEST_CASE("worker output parsing") {
  double v = -1;
  CHECK(ParseWorkerOutput("105.25\n", &v));
  CHECK(v == 105.25);
  CHECK(ParseWorkerOutput("a log line\n42\n\n", &v));
  CHECK(v == 42);
  CHECK_FALSE(ParseWorkerOutput("", &v));
  CHECK_FALSE(ParseWorkerOutput("12abc\n", &v));
  CHECK_FALSE(ParseWorkerOutput("nan\n", &v));
  CHECK_FALSE(ParseWorkerOutput("-3\n", &v));
}

TEST_CASE("warm-up size") {
  CHECK(WarmupIterations(1) == 1);
  CHECK(WarmupIterations(1000) == 100);
  CHECK(WarmupIterations(1'000'000'000) == 10'000);
}

// A latency row on the host: repeat r (1, 2, 3) of each side hands over
// the rounds 3r-2, 3r-1, 3r; the warm-up (a tenth of the iterations) is
// not counted.
int g_latency_calls[2];
Measurement Latency(const Context& ctx, int percent) {
  Measurement m{0, ""};
  if (ctx.iterations < 30) return m;
  int r = ++g_latency_calls[ctx.side == Side::kJunction];
  for (int i = 2; i >= 0; i--) m.rounds.push_back(3 * r - i);
  m.value = m.rounds[percent == 50 ? 1 : 2];  // this repeat's own percentile
  m.pool_percent = percent;
  return m;
}
Measurement LatencyP99(const Context& ctx) { return Latency(ctx, 99); }
Measurement LatencyP50(const Context& ctx) { return Latency(ctx, 50); }

TEST_CASE("runner: a latency row's percentile is over all repeats' rounds") {
  const Benchmark rows[] = {
      {"gamma", "p99", "us/wake", Where::kHost, 30, LatencyP99, ""},
      {"gamma", "p50", "us/wake", Where::kHost, 30, LatencyP50, ""},
      {"beta", "one", "us/run", Where::kHost, 40, Fixed, ""},
  };
  RunnerOptions o;
  o.repeats = 3;
  o.self_exe = "/bin/false";
  for (int row = 0; row < 3; row++) {
    g_latency_calls[0] = g_latency_calls[1] = 0;
    const Benchmark* b = &rows[row];
    RunReport rep = RunBenchmarks(std::span<const Benchmark* const>(&b, 1), o);
    REQUIRE(rep.errors.empty());
    REQUIRE(rep.results.size() == 1);
    const Result& res = rep.results[0];
    if (row == 0) {
      // Rounds 1..9 pooled: the p99 is 9 (the repeats' own p99s 3, 6, 9
      // have the median 6).
      CHECK(res.native == 9);
      CHECK(res.junction == 9);
    } else if (row == 1) {
      CHECK(res.native == 5);
      CHECK(res.junction == 5);
    } else {
      CHECK(res.native == 10);  // no rounds: the median of the repeats
    }
  }
}

TEST_CASE("worker: runs one benchmark and prints its result") {
  Registry r = FakeRegistry();
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  REQUIRE(out);
  REQUIRE(err);
  CHECK(RunWorker(r, "alpha", "one", 1000, out, err) == 0);
  CHECK(RunWorker(r, "alpha", "two", 1000, out, err) == 1);  // its function fails
  CHECK(RunWorker(r, "beta", "one", 1000, out, err) == 1);   // host-side, not a worker
  CHECK(RunWorker(r, "alpha", "zzz", 1000, out, err) == 1);
  char buf[256] = {};
  std::rewind(out);
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, out);
  CHECK(std::string(buf, n) == "250.0000\n");
  std::fclose(out);
  std::fclose(err);
}

}  // namespace
}  // namespace junction::bench
