// A timer claims the wake of the exact wait it was armed for (ClaimWakeUp
// with the wait's generation). The interleaving the timer heap's lock does
// not cover, step by step: the timer has found its entry due, then another
// waker (FUTEX_WAKE) ends that wait, the thread starts a new wait with no
// timeout, and only then does the timer claim: the claim must fail, else
// the untimed wait ends with ETIMEDOUT.
#include <doctest/doctest.h>

#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::sched {
namespace {

TEST_CASE("wait claim: a timer armed for an ended wait cannot end the next one") {
  Uthread u;
  u.BeginWait();  // timed FUTEX_WAIT
  const uint64_t armed = u.WaitGen();  // what Park queues with the timer
  // The timer pops the entry (deadline passed) and would claim now...
  CHECK(ClaimWakeUp(&u, WakeReason::kWoken, kAnyWait) == Uthread::kWaiting);  // FUTEX_WAKE first
  CHECK(u.EndWait() == Uthread::kWokenUp + static_cast<int>(WakeReason::kWoken));
  u.BeginWait();  // a new wait without a timeout
  CHECK(u.WaitGen() != armed);
  // ...and claims only now: it must not end the new wait.
  CHECK(ClaimWakeUp(&u, WakeReason::kTimeout, armed) == -1);
  CHECK(u.WaitState() == Uthread::kWaiting);
  // The same once the new wait has switched out (kParked).
  uint64_t waiting = u.WaitGen() | Uthread::kWaiting;
  REQUIRE(u.wait_word.compare_exchange_strong(waiting, u.WaitGen() | Uthread::kParked));
  CHECK(ClaimWakeUp(&u, WakeReason::kTimeout, armed) == -1);
  CHECK(u.WaitState() == Uthread::kParked);
  // Its own waker still ends it.
  CHECK(ClaimWakeUp(&u, WakeReason::kWoken, kAnyWait) == Uthread::kParked);
  CHECK(u.EndWait() == Uthread::kWokenUp + static_cast<int>(WakeReason::kWoken));
}

TEST_CASE("wait claim: a timer ends the wait it was armed for, once") {
  Uthread u;
  for (int parked = 0; parked < 2; parked++) {
    u.BeginWait();
    const uint64_t armed = u.WaitGen();
    if (parked) {
      uint64_t waiting = armed | Uthread::kWaiting;
      REQUIRE(u.wait_word.compare_exchange_strong(waiting, armed | Uthread::kParked));
    }
    CHECK(ClaimWakeUp(&u, WakeReason::kTimeout, armed) ==
          (parked ? Uthread::kParked : Uthread::kWaiting));
    CHECK(u.WaitGen() == armed);  // claiming does not end the wait
    // Already woken: neither a second claim nor another waker takes it.
    CHECK(ClaimWakeUp(&u, WakeReason::kTimeout, armed) == -1);
    CHECK(ClaimWakeUp(&u, WakeReason::kWoken, kAnyWait) == -1);
    CHECK(u.EndWait() == Uthread::kWokenUp + static_cast<int>(WakeReason::kTimeout));
  }
  // Not waiting: nothing to claim.
  CHECK(ClaimWakeUp(&u, WakeReason::kTimeout, u.WaitGen()) == -1);
  CHECK(u.WaitState() == Uthread::kNotWaiting);
}

}  // namespace
}  // namespace junction::sched
