// Which slot of a container a granted core goes to (DaemonContainer::
// PickSlotFor, docs/daemon.md "Forked processes"): a forked process's
// member slot only while it has work, the one waiting longest, before the
// first process's kthreads only when it waited longer; among the first
// process's, one with work queued, else the one that held the core last.
#include <doctest/doctest.h>

#include <memory>

#include "sched/daemon_container.h"

using namespace junction::sched;

namespace {

std::unique_ptr<DaemonContainer> MakeContainer(uint32_t kthreads) {
  std::string why;
  std::optional<ShmRegion> r = ShmRegion::Create(kthreads, 1, &why);
  REQUIRE_MESSAGE(r, why);
  auto c = std::make_unique<DaemonContainer>(std::move(*r));
  c->signals.assign(c->slot_core.size(), SlotSignals{});
  for (SlotSignals& s : c->signals) s.state = KthreadState::kParked;
  return c;
}

}  // namespace

TEST_CASE("member slots: a forked process's slot gets a core only with work, longest wait first") {
  auto box = MakeContainer(2);
  DaemonContainer& c = *box;
  const int m0 = 2, m1 = 3;  // member slots follow the two kthread slots
  c.member_pid[0] = 100;
  c.member_in_use[0] = true;
  c.member_pid[1] = 101;
  c.member_in_use[1] = true;
  // No work anywhere: a first-process kthread (for frames or a due timer).
  CHECK(c.PickSlotFor(1) < 2);
  // A member with work, the first process without: the member.
  c.signals[m1].runnable = 1;
  c.signals[m1].queue_delay_ns = 5'000;
  CHECK(c.PickSlotFor(1) == m1);
  // Both members: the one waiting longest.
  c.signals[m0].runnable = 2;
  c.signals[m0].queue_delay_ns = 9'000;
  CHECK(c.PickSlotFor(1) == m0);
  // The first process waiting longer than either: one of its kthreads.
  c.signals[1].runnable = 1;
  c.signals[1].queue_delay_ns = 20'000;
  CHECK(c.PickSlotFor(1) == 1);  // the one with the work queued
  // A member holding a core already is not picked again.
  c.signals[1] = SlotSignals{};
  c.slot_core[m0] = 1;
  CHECK(c.PickSlotFor(2) == m1);
  // A slot no process was assigned is never picked, whatever it reads.
  c.member_in_use[1] = false;
  CHECK(c.PickSlotFor(2) < 2);
  CHECK(c.SlotPid(static_cast<size_t>(m0)) == 100);
  c.pid = 7;
  CHECK(c.SlotPid(0) == 7);
}

TEST_CASE("member slots: among the first process's kthreads, queued work, then locality") {
  auto box = MakeContainer(3);
  DaemonContainer& c = *box;
  c.slot_last_core[2] = 5;
  CHECK(c.PickSlotFor(5) == 2);  // held core 5 last
  CHECK(c.PickSlotFor(6) == 0);  // any
  c.signals[1].runnable = 1;     // a uthread only kthread 1 may run
  c.signals[1].queue_delay_ns = 1'000;
  CHECK(c.PickSlotFor(5) == 1);
  c.slot_core[1] = 4;  // holding a core: the next one goes by locality
  CHECK(c.PickSlotFor(5) == 2);
}
