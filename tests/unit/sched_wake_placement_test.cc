// Wake-affine placement (sched/wake_placement.h): a uthread woken by a
// uthread on another kthread queues there only while its own kthread
// idles, and an idle kthread steals it only after kAffineStealCycles.
#include <doctest/doctest.h>

#include "sched/wake_placement.h"

namespace junction::sched {
namespace {

WakePlacement HandOff() {
  WakePlacement p;
  p.waker = 0;
  p.home = 1;
  p.home_idle = true;
  p.waker_allowed = true;
  p.standalone = true;
  return p;
}

TEST_CASE("wake placement: a hand-off to an idle kthread's uthread stays on the waker's") {
  CHECK(WakeTarget(HandOff()) == 0);
}

TEST_CASE("wake placement: the wakee's own kthread when it is busy, or the rule does not apply") {
  WakePlacement busy = HandOff();
  busy.home_idle = false;  // parallel work there already: queue behind it as before
  CHECK(WakeTarget(busy) == 1);
  WakePlacement no_waker = HandOff();
  no_waker.waker = -1;  // a timer or the reactor wakes it: nothing to hand off
  CHECK(WakeTarget(no_waker) == 1);
  WakePlacement pinned = HandOff();
  pinned.waker_allowed = false;  // sched_setaffinity excludes the waker's kthread
  CHECK(WakeTarget(pinned) == 1);
  WakePlacement daemon = HandOff();
  daemon.standalone = false;  // the daemon's grants decide where work runs
  CHECK(WakeTarget(daemon) == 1);
  WakePlacement same = HandOff();
  same.waker = 1;
  CHECK(WakeTarget(same) == 1);
}

TEST_CASE("wake placement: stealable at once unless placed, then after kAffineStealCycles") {
  CHECK(AffineStealable(0, 5));
  const uint64_t placed = 1'000'000;
  CHECK_FALSE(AffineStealable(placed, placed));
  CHECK_FALSE(AffineStealable(placed, placed + kAffineStealCycles - 1));
  CHECK(AffineStealable(placed, placed + kAffineStealCycles));
}

}  // namespace
}  // namespace junction::sched
