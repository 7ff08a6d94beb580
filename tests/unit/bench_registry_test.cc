// The benchmark registry, medians and the worker protocol (src/bench).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
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
