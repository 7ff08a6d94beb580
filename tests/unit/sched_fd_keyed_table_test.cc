// The reactor's registration table (sched/fd_keyed_table.h): the first few
// descriptors in place, the rest in a map, each key in one place only,
// pointers stable until their key is erased, and a clear that writes
// nothing when empty.
#include <doctest/doctest.h>

#include <map>
#include <random>

#include "sched/fd_keyed_table.h"

namespace junction::sched {
namespace {

struct Value {
  int n = 0;
};

TEST_CASE("fd keyed table: add, find, erase across the inline slots and the map") {
  FdKeyedTable<Value, 2> t;
  CHECK(t.Empty());
  CHECK(t.Find(5) == nullptr);
  auto [a, fresh_a] = t.FindOrAdd(5);
  CHECK(fresh_a);
  a->n = 50;
  auto [b, fresh_b] = t.FindOrAdd(7);
  b->n = 70;
  auto [c, fresh_c] = t.FindOrAdd(1000);  // inline slots full: the map
  CHECK(fresh_c);
  c->n = 1;
  CHECK(t.FindOrAdd(5).first == a);
  CHECK_FALSE(t.FindOrAdd(5).second);
  CHECK(t.Find(1000)->n == 1);
  t.Erase(5);
  CHECK(t.Find(5) == nullptr);
  CHECK(t.Find(7) == b);
  // A freed inline slot is reused, its value fresh.
  auto [d, fresh_d] = t.FindOrAdd(9);
  CHECK(fresh_d);
  CHECK(d->n == 0);
  CHECK(t.Find(1000) == c);  // the map's entry stays where it is
  t.Erase(1000);
  t.Erase(1000);  // absent: nothing
  t.Erase(7);
  t.Erase(9);
  CHECK(t.Empty());
}

TEST_CASE("fd keyed table: matches a map under random operations, then clears") {
  FdKeyedTable<Value, 4> t;
  std::map<int, int> model;
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; i++) {
    int fd = static_cast<int>(rng() % 24);
    switch (rng() % 3) {
      case 0: {
        auto [v, fresh] = t.FindOrAdd(fd);
        CHECK(fresh == !model.count(fd));
        v->n = i;
        model[fd] = i;
        break;
      }
      case 1:
        t.Erase(fd);
        model.erase(fd);
        break;
      default: {
        Value* v = t.Find(fd);
        REQUIRE((v != nullptr) == (model.count(fd) == 1));
        if (v) CHECK(v->n == model[fd]);
      }
    }
    CHECK(t.Empty() == model.empty());
  }
  t.Clear();
  CHECK(t.Empty());
  for (int fd = 0; fd < 24; fd++) CHECK(t.Find(fd) == nullptr);
}

}  // namespace
}  // namespace junction::sched
