// A process's list of children (libos/process.h): the first few in place,
// more on the heap, in fork order, as a vector would hold them.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "libos/process.h"

namespace junction::libos {
namespace {

std::vector<int> Pids(const ChildList& l) {
  std::vector<int> out;
  for (const ChildProcess& c : l) out.push_back(c.pid);
  return out;
}

TEST_CASE("child list: order kept across the inline slots and the heap") {
  ChildList l;
  CHECK(l.empty());
  for (int pid = 1; pid <= 6; pid++) l.push_back(ChildProcess{pid, 100 + pid, 10 + pid, false});
  CHECK(l.size() == 6);
  CHECK(Pids(l) == std::vector<int>{1, 2, 3, 4, 5, 6});
  l.erase(l.begin() + 1);
  CHECK(Pids(l) == std::vector<int>{1, 3, 4, 5, 6});
  CHECK(l.begin()[1].pidfd == 13);
  while (!l.empty()) l.erase(l.begin());
  // Empty again: the next ones go in place.
  l.push_back(ChildProcess{7, 107, 17, true});
  CHECK(Pids(l) == std::vector<int>{7});
  CHECK(l.begin()->in_set);
  l.clear();
  CHECK(l.empty());
  CHECK(l.begin() == l.end());
}

TEST_CASE("child list: random pushes and erases match a vector") {
  std::mt19937 rng(8);
  ChildList l;
  std::vector<int> model;
  int next = 1;
  for (int step = 0; step < 5000; step++) {
    if (model.empty() || rng() % 3 != 0) {
      l.push_back(ChildProcess{next, next, next, false});
      model.push_back(next++);
    } else {
      size_t i = rng() % model.size();
      auto it = std::find_if(l.begin(), l.end(), [&](const ChildProcess& c) { return c.pid == model[i]; });
      REQUIRE(it != l.end());
      l.erase(it);
      model.erase(model.begin() + static_cast<long>(i));
    }
    if (rng() % 500 == 0) {
      l.clear();
      model.clear();
    }
    REQUIRE(l.size() == model.size());
    REQUIRE(Pids(l) == model);
  }
}

}  // namespace
}  // namespace junction::libos
