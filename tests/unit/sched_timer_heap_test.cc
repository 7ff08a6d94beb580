// The scheduler's timer heap (sched/timer_heap.h): earliest-first order,
// one entry per uthread that a new timed wait re-targets, and removal at a
// uthread's exit, so that no entry read at its deadline refers to a freed
// Uthread (the asan preset runs this: a stale entry is a use after free).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "sched/timer_heap.h"

namespace junction::sched {
namespace {

int g_calls = 0;
void CountCall(void*, uint64_t) { g_calls++; }

// What RunTimers does with a due entry: reads its uthread's wait generation.
bool FireMatches(const TimerEntry& t) {
  if (t.fn) return false;
  return t.u->WaitGen() == t.seq;
}

TEST_CASE("timer heap: entries come out earliest first, callbacks and waits mixed") {
  TimerHeap h;
  CHECK(h.next_deadline() == TimerHeap::kNone);
  auto a = std::make_unique<Uthread>(), b = std::make_unique<Uthread>();
  h.SetWaitTimer(a.get(), 300, 1);
  h.AddCallback(100, &CountCall, nullptr, 7);
  h.SetWaitTimer(b.get(), 200, 2);
  CHECK(h.size() == 3);
  CHECK(h.next_deadline() == 100);
  TimerEntry e = h.PopEarliest();
  CHECK((e.fn == &CountCall));
  CHECK(e.seq == 7);
  e = h.PopEarliest();
  CHECK(e.u == b.get());
  CHECK(b->timer_slot == -1);  // popped: b owns no entry
  e = h.PopEarliest();
  CHECK(e.u == a.get());
  CHECK(e.seq == 1);
  CHECK(h.empty());
}

TEST_CASE("timer heap: a uthread's next timed wait re-targets its one entry") {
  TimerHeap h;
  auto u = std::make_unique<Uthread>(), other = std::make_unique<Uthread>();
  h.SetWaitTimer(other.get(), 500, 9);
  h.SetWaitTimer(u.get(), 1000, 1);  // woken early: the entry stays
  h.SetWaitTimer(u.get(), 200, 2);   // the next wait: earlier deadline
  CHECK(h.size() == 2);
  CHECK(h.next_deadline() == 200);
  h.SetWaitTimer(u.get(), 900, 3);  // and a later one
  CHECK(h.size() == 2);
  CHECK(h.next_deadline() == 500);
  TimerEntry e = h.PopEarliest();
  CHECK(e.u == other.get());
  e = h.PopEarliest();
  CHECK(e.u == u.get());
  CHECK(e.deadline == 900);
  CHECK(e.seq == 3);
}

TEST_CASE("timer heap: exited uthreads leave no entry behind, more than the uthread cache holds") {
  // 200 threads (the uthread cache keeps 64) each end a timed wait early,
  // leaving its entry queued, and exit; their Uthreads are freed; new
  // threads wait; then every deadline passes.
  TimerHeap h;
  std::vector<std::unique_ptr<Uthread>> live;
  for (int i = 0; i < 200; i++) {
    auto* u = new Uthread();
    u->BeginWait();
    h.SetWaitTimer(u, 1000 + i, u->WaitGen());
    u->EndWait();  // woken by FUTEX_WAKE before the timeout
    h.RemoveWaitTimer(u);        // its exit (ExitCurrent)
    CHECK(u->timer_slot == -1);
    delete u;
    if (i % 3 == 0) h.AddCallback(1500 + i, &CountCall, nullptr, 0);
    if (i % 4 == 0) {
      live.push_back(std::make_unique<Uthread>());
      h.SetWaitTimer(live.back().get(), 2000 - i, 0);
    }
  }
  CHECK(h.size() == 67 + 50);  // the callbacks and the live waits only
  g_calls = 0;
  int timed_out = 0;
  uint64_t last = 0;
  while (!h.empty()) {
    TimerEntry t = h.PopEarliest();
    CHECK(t.deadline >= last);
    last = t.deadline;
    if (t.fn) t.fn(t.arg, t.seq);
    else if (FireMatches(t)) timed_out++;  // reads t.u: must be alive
  }
  CHECK(g_calls == 67);
  CHECK(timed_out == 50);
}

TEST_CASE("timer heap: random sets, removals and pops keep earliest-first order") {
  std::mt19937_64 rng(42);
  TimerHeap h;
  std::vector<std::unique_ptr<Uthread>> us;
  for (int i = 0; i < 40; i++) us.push_back(std::make_unique<Uthread>());
  std::map<Uthread*, uint64_t> want;  // the reference: u's current deadline
  int callbacks = 0;
  for (int step = 0; step < 20000; step++) {
    Uthread* u = us[rng() % us.size()].get();
    switch (rng() % 4) {
      case 0:
      case 1: {
        uint64_t d = rng() % 100000;
        h.SetWaitTimer(u, d, 0);
        want[u] = d;
        break;
      }
      case 2:
        h.RemoveWaitTimer(u);
        want.erase(u);
        break;
      default:
        if (rng() % 2) {
          h.AddCallback(rng() % 100000, &CountCall, nullptr, 0);
          callbacks++;
        } else if (!h.empty()) {
          uint64_t first = h.next_deadline();
          TimerEntry e = h.PopEarliest();
          CHECK(e.deadline == first);
          for (auto& [w, d] : want) CHECK(d >= first);
          if (e.u) {
            CHECK(want[e.u] == e.deadline);
            want.erase(e.u);
          } else {
            callbacks--;
          }
        }
    }
    REQUIRE(h.size() == want.size() + size_t(callbacks));
    for (auto& [w, d] : want) REQUIRE(w->timer_slot >= 0);
  }
}

}  // namespace
}  // namespace junction::sched
