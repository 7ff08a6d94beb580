// Child processes, pinning and temporary files for the benchmarks
// (src/bench/process.cc).
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "bench/process.h"

namespace junction::bench {
namespace {

TEST_CASE("bench process: status, stdout and stderr are captured") {
  ProcessResult r = RunProcess({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, Output::kCapture);
  CHECK(r.error.empty());
  CHECK(r.exit_status == 3);
  CHECK_FALSE(r.ok());
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.Describe() == "exit status 3: err");
  CHECK(r.wall_ns > 0);
}

TEST_CASE("bench process: a signal is 128+N, a missing program is an error") {
  ProcessResult k = RunProcess({"/bin/sh", "-c", "kill -9 $$"}, Output::kDiscard);
  CHECK(k.exit_status == 128 + 9);
  ProcessResult m = RunProcess({"/nonexistent/program"}, Output::kDiscard);
  CHECK_FALSE(m.ok());
  CHECK(m.Describe().find("/nonexistent/program") != std::string::npos);
  CHECK(RunProcess({"/bin/true"}, Output::kDiscard).ok());
}

TEST_CASE("bench process: the executable's absolute path") {
  std::string self = SelfExe();
  REQUIRE_FALSE(self.empty());
  CHECK(self[0] == '/');
  CHECK(access(self.c_str(), X_OK) == 0);
}

TEST_CASE("bench process: ScopedPin pins to one CPU and restores the mask") {
  cpu_set_t before;
  REQUIRE(sched_getaffinity(0, sizeof(before), &before) == 0);
  {
    ScopedPin pin(-1);
    REQUIRE(pin.pinned());
    CHECK(pin.placement().rfind("pinned cpu", 0) == 0);
    cpu_set_t now;
    REQUIRE(sched_getaffinity(0, sizeof(now), &now) == 0);
    CHECK(CPU_COUNT(&now) == 1);
    // Children inherit it.
    ProcessResult r = RunProcess({"/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"},
                                 Output::kCapture);
    CHECK(r.out.find(pin.placement().substr(10)) != std::string::npos);
  }
  cpu_set_t after;
  REQUIRE(sched_getaffinity(0, sizeof(after), &after) == 0);
  CHECK(CPU_EQUAL(&before, &after));
}

TEST_CASE("bench process: an impossible CPU leaves the process unpinned and says why") {
  ScopedPin pin(CPU_SETSIZE - 1);
  CHECK_FALSE(pin.pinned());
  CHECK(pin.placement().rfind("unpinned (", 0) == 0);
}

TEST_CASE("bench process: TempFile holds its contents until destroyed") {
  std::string path;
  {
    TempFile f(".toml", "name = \"bench\"\n");
    REQUIRE(f.error().empty());
    path = f.path();
    CHECK(path.size() > 5);
    CHECK(path.substr(path.size() - 5) == ".toml");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK(ss.str() == "name = \"bench\"\n");
  }
  CHECK(access(path.c_str(), F_OK) != 0);
}

}  // namespace
}  // namespace junction::bench
