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

TEST_CASE("net byte queue: a large buffer is given back when the queue empties or drains far") {
  ByteQueue q;
  std::vector<std::byte> d(1 << 20);
  for (size_t i = 0; i < d.size(); i++) d[i] = std::byte(i * 7);
  q.Append(d);
  CHECK(q.capacity() == d.size());
  q.PopFront(d.size() - 1000);  // 1000 bytes left of 1 MiB: shrinks, bytes kept
  CHECK(q.capacity() <= ByteQueue::kKeepCapacity);
  std::vector<std::byte> out(1000);
  q.CopyOut(0, out);
  CHECK(std::equal(out.begin(), out.end(), d.end() - 1000));
  q.PopFront(1000);
  CHECK(q.capacity() <= ByteQueue::kKeepCapacity);
  q.Append(d);
  q.PopFront(d.size());  // empty: the 1 MiB buffer is freed
  CHECK(q.capacity() == 0);
  // A small buffer stays across reads that empty it.
  q.Append(std::span<const std::byte>(d).first(3000));
  size_t small = q.capacity();
  q.PopFront(3000);
  CHECK(q.capacity() == small);
}

}  // namespace
}  // namespace junction::net
