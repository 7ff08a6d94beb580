// ByteQueue (src/net/stack/byte_queue.h): a TCP connection's ring of
// bytes, against a std::deque doing the same appends, pops and reads.
#include <doctest/doctest.h>

#include <deque>
#include <random>
#include <vector>

#include "net/stack/byte_queue.h"

namespace junction::net {
namespace {

TEST_CASE("net byte queue: appends, pops and reads across the wrap and growth agree with a deque") {
  std::mt19937 rng(11);
  ByteQueue q;
  std::deque<std::byte> model;
  uint8_t next = 0;
  for (int step = 0; step < 20000; step++) {
    int op = static_cast<int>(rng() % 4);
    if (op <= 1) {  // append up to 3000 bytes (growth from 4 KiB and past 16 KiB)
      std::vector<std::byte> d(rng() % 3000);
      for (auto& b : d) b = std::byte{next++};
      q.Append(d);
      model.insert(model.end(), d.begin(), d.end());
    } else if (op == 2 && !model.empty()) {
      size_t n = rng() % (model.size() + 1);
      q.PopFront(n);
      model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(n));
    } else if (!model.empty()) {
      size_t off = rng() % model.size();
      size_t n = rng() % (model.size() - off + 1);
      std::vector<std::byte> out(n);
      q.CopyOut(off, out);
      auto [a, b] = q.Range(off, n);
      CHECK(a.size() + b.size() == n);
      CHECK(std::equal(out.begin(), out.end(), model.begin() + static_cast<ptrdiff_t>(off)));
    }
    REQUIRE(q.size() == model.size());
    CHECK(q.empty() == model.empty());
  }
  std::vector<std::byte> all(q.size());
  q.CopyOut(0, all);
  CHECK(std::equal(all.begin(), all.end(), model.begin()));
  q.Assign(std::span<const std::byte>(all).first(all.size() / 2));
  CHECK(q.size() == all.size() / 2);
  q.clear();
  CHECK(q.empty());
  q.PopFront(0);
  CHECK(q.Range(0, 0).first.empty());
}

}  // namespace
}  // namespace junction::net
