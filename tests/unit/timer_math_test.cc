// The pure parts of the guest's timers: hrtimer_forward's arithmetic for
// periodic timers and overruns, timer_gettime's remaining time, and the
// user/system split of CPU time (cputime_adjust).
#include <doctest/doctest.h>

#include "libos/signals/timer_math.h"
#include "sched/cpu_time.h"

namespace junction {
namespace {

TEST_CASE("timer math: forwarding a periodic expiry counts the intervals that passed") {
  uint64_t expiry = 1000;
  CHECK(libos::ForwardExpiry(&expiry, 100, 999) == 0);  // not due yet
  CHECK(expiry == 1000);
  CHECK(libos::ForwardExpiry(&expiry, 100, 1000) == 1);  // due exactly: next is after now
  CHECK(expiry == 1100);
  CHECK(libos::ForwardExpiry(&expiry, 100, 1350) == 3);  // 1100, 1200, 1300 passed
  CHECK(expiry == 1400);
  CHECK(libos::ForwardExpiry(&expiry, 100, 1400) == 1);  // a multiple of the interval
  CHECK(expiry == 1500);
}

TEST_CASE("timer math: overruns as user space sees them") {
  CHECK(libos::OverrunToInt(-1) == 0);  // one expiry, no extra ones
  CHECK(libos::OverrunToInt(5) == 5);
  CHECK(libos::OverrunToInt(int64_t{1} << 40) == INT_MAX);
}

TEST_CASE("timer math: remaining time of armed, expired and disarmed timers") {
  CHECK(libos::RemainingNs(0, 500, false) == 0);    // disarmed
  CHECK(libos::RemainingNs(800, 500, false) == 300);
  CHECK(libos::RemainingNs(400, 500, false) == 1);  // expired, signal not handled yet
  CHECK(libos::RemainingNs(400, 500, true) == 0);   // expired SIGEV_NONE
}

TEST_CASE("timer math: timespec validity as timespec64_valid") {
  CHECK(libos::TimespecValid({0, 0}));
  CHECK(libos::TimespecValid({5, 999999999}));
  CHECK_FALSE(libos::TimespecValid({-1, 0}));
  CHECK_FALSE(libos::TimespecValid({0, 1000000000}));
  CHECK_FALSE(libos::TimespecValid({0, -1}));
  CHECK(libos::TimespecToNs(libos::NsToTimespec(3123456789ull)) == 3123456789ull);
}

TEST_CASE("cpu time: run time split by tick samples, never going backwards") {
  sched::CpuTimes prev;
  // No ticks yet: all user time.
  auto t = sched::SplitCpuTime(1000, 0, 0, &prev);
  CHECK(t.user_ns == 1000);
  CHECK(t.sys_ns == 0);
  // Three user ticks, one system tick: a quarter is system time, but the
  // user time already reported (1000) is not taken back.
  t = sched::SplitCpuTime(2000, 3, 1, &prev);
  CHECK(t.sys_ns == 500);
  CHECK(t.user_ns == 1500);
  // Half the ticks in the LibOS would give 1200/1200, but user time may not
  // shrink below 1500: system time gets the rest.
  t = sched::SplitCpuTime(2400, 1, 1, &prev);
  CHECK(t.user_ns == 1500);
  CHECK(t.sys_ns == 900);
  // A smaller total than already handed out changes nothing.
  t = sched::SplitCpuTime(2000, 0, 5, &prev);
  CHECK(t.user_ns == 1500);
  CHECK(t.sys_ns == 900);
}

}  // namespace
}  // namespace junction
