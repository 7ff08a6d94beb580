// The root-domain rule of SCHED_DEADLINE admission (libos/proc/task_deadline.h),
// for the host settings a test cannot make (sched_rt_runtime_us is the
// whole machine's).
#include <doctest/doctest.h>

#include "libos/proc/task_deadline.h"

namespace junction::libos::proc {
namespace {

constexpr uint64_t kBw95 = (uint64_t{950000} << 20) / 1000000;  // the default 95 %

TEST_CASE("deadline root domain: bandwidth controlled, affinity narrower: refused") {
  CHECK(DeadlineRootDomainRefusesFor(kBw95, false));
  CHECK_FALSE(DeadlineRootDomainRefusesFor(kBw95, true));
}

TEST_CASE("deadline root domain: no bandwidth (sched_rt_runtime_us 0): refused") {
  CHECK(DeadlineRootDomainRefusesFor(0, true));
  CHECK(DeadlineRootDomainRefusesFor(0, false));
}

TEST_CASE("deadline root domain: no control (sched_rt_runtime_us -1): neither check") {
  CHECK_FALSE(DeadlineRootDomainRefusesFor(kDeadlineNoLimit, true));
  CHECK_FALSE(DeadlineRootDomainRefusesFor(kDeadlineNoLimit, false));
}

}  // namespace
}  // namespace junction::libos::proc
