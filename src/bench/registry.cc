#include "bench/bench.h"

#include <algorithm>

namespace junction::bench {

namespace {

// Every suite built into junction, in the order `junction bench` runs them.
constexpr SuiteFn kSuites[] = {
    SyscallSuite,
    StartupSuite,
    ThreadsSuite,
    IpcSuite,
    SysvSuite,
    FileSuite,
    SchedSuite,
    ProcSuite,
    NetSuite,
};

}  // namespace

Registry::Registry(std::vector<const Benchmark*> benchmarks) : benchmarks_(std::move(benchmarks)) {}

const Registry& Registry::Builtin() {
  static const Registry registry = [] {
    std::vector<const Benchmark*> all;
    for (SuiteFn suite : kSuites)
      for (const Benchmark& b : suite()) all.push_back(&b);
    return Registry(std::move(all));
  }();
  return registry;
}

std::vector<std::string> Registry::Suites() const {
  std::vector<std::string> names;
  for (const Benchmark* b : benchmarks_)
    if (std::find(names.begin(), names.end(), b->suite) == names.end()) names.push_back(b->suite);
  return names;
}

const Benchmark* Registry::Find(const std::string& suite, const std::string& name) const {
  for (const Benchmark* b : benchmarks_)
    if (suite == b->suite && name == b->name) return b;
  return nullptr;
}

bool Registry::Select(const std::vector<std::string>& suites, std::vector<const Benchmark*>* out,
                      std::string* unknown) const {
  out->clear();
  std::vector<std::string> known = Suites();
  for (const std::string& s : suites) {
    if (std::find(known.begin(), known.end(), s) == known.end()) {
      *unknown = s;
      return false;
    }
  }
  for (const Benchmark* b : benchmarks_) {
    if (b->guest_only) continue;
    bool wanted = suites.empty() ||
                  std::find(suites.begin(), suites.end(), b->suite) != suites.end();
    if (wanted) out->push_back(b);
  }
  return true;
}

}  // namespace junction::bench
