// `junction bench [--json] [SUITE...]`: microbenchmarks, native and under
// the LibOS in one invocation (src/bench).
#include <cstdio>

#include "cmd/commands.h"

namespace junction::cmd {

namespace {

struct BenchArgs {
  bool json = false;
  std::vector<std::string> suites;
};

int DoBench(const BenchArgs&) {
  std::fprintf(stderr, "junction bench: no benchmark suites are built into this version yet\n");
  return 1;
}

}  // namespace

Runner SetupBench(CLI::App* sub) {
  auto a = std::make_shared<BenchArgs>();
  sub->add_flag("--json", a->json, "Print one JSON array of results");
  sub->add_option("suite", a->suites, "Suites to run (default: all)");
  return [a] { return DoBench(*a); };
}

}  // namespace junction::cmd
