// Which slot of a container a granted core goes to (DaemonContainer::
// PickSlotFor, docs/daemon.md "Forked processes"): a forked process's
// member slot only while it has work, the one waiting longest, before the
// first process's kthreads only when it waited longer; among the first
// process's, one with work queued, else the one that held the core last.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "sched/daemon_container.h"
#include "sched/status_format.h"

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

TEST_CASE("member slots: one per kthread of a forked process, at most the container's max cores") {
  auto box = MakeContainer(2);
  DaemonContainer& c = *box;
  c.info.max = 2;
  const char* why = nullptr;
  int a = c.FreeMemberSlotFor(100, &why);
  REQUIRE(a == 2);  // the first member slot, after the two kthread slots
  uint32_t token = c.AssignMemberSlot(static_cast<size_t>(a), 100);
  // The slot's daemon words afresh: no grant, the pid and token say whose it is.
  KthreadSlot* ks = c.region.slot(static_cast<uint32_t>(a));
  CHECK(ks->member_pid.load() == 100);
  CHECK(token != 0);
  CHECK(ks->member_token.load() == token);
  CHECK(ks->grant_core.load() == kNoCore);
  CHECK(ks->grant_seq.load() == c.slot_seq[static_cast<size_t>(a)]);
  int b = c.FreeMemberSlotFor(100, &why);
  REQUIRE(b == 3);
  uint32_t token_b = c.AssignMemberSlot(static_cast<size_t>(b), 100);
  CHECK(token_b != token);  // the process's other kthread tells its slot by it
  CHECK(c.MemberSlotsOf(100) == 2);
  // A third kthread of the process: refused (two cores at most), while
  // another process still gets one.
  CHECK(c.FreeMemberSlotFor(100, &why) < 0);
  CHECK(std::string(why) == "the process has a kthread slot for each of the container's max cores");
  int other = c.FreeMemberSlotFor(101, &why);
  CHECK(other == 4);
  // Listed once, with the cores its kthreads hold.
  c.slot_core[static_cast<size_t>(a)] = 0;
  c.slot_core[static_cast<size_t>(b)] = 1;
  c.pid = 7;
  ContainerStatus st = c.Status(MonotonicNowNs());
  CHECK(st.pids == std::vector<int32_t>{7, 100});
  CHECK(st.scheduled_pids == std::vector<int32_t>{7, 100});
  CHECK(st.scheduled_cores == std::vector<uint32_t>{0, 2});
  CHECK(st.active == 2);
  // Freed (its connection closed): the process runs standalone there.
  c.slot_core[static_cast<size_t>(a)] = -1;
  c.FreeMemberSlot(static_cast<size_t>(a));
  CHECK(ks->member_pid.load() == 0);
  CHECK(ks->grant_core.load() == kStandaloneGrant);
  CHECK(ks->member_token.load() == 0);
  CHECK(c.MemberSlotsOf(100) == 1);
  CHECK(c.FreeMemberSlotFor(100, &why) == a);
  // Every member slot taken: refused for anyone.
  for (size_t j = 0; j < kMemberSlots; j++)
    if (!c.member_in_use[j]) c.AssignMemberSlot(c.region.slots() + j, static_cast<int32_t>(1000 + j));
  CHECK(c.FreeMemberSlotFor(555, &why) < 0);
  CHECK(std::string(why) == "the container has as many scheduled kthreads of forked processes as it may");
}

TEST_CASE("member slots: a process's kthreads share its work: a free slot of it gets the core") {
  auto box = MakeContainer(2);
  DaemonContainer& c = *box;
  const int a = 2, b = 3, other = 4;
  for (int s : {a, b}) {
    c.member_pid[static_cast<size_t>(s - 2)] = 100;
    c.member_in_use[static_cast<size_t>(s - 2)] = true;
  }
  c.member_pid[2] = 101;
  c.member_in_use[2] = true;
  // Slot a runs (core 0) with uthreads queued behind it: its sibling b,
  // free and without work of its own, gets the next core (it steals).
  c.slot_core[a] = 0;
  c.signals[a].state = KthreadState::kRunning;
  c.signals[a].runnable = 1;
  c.signals[a].queue_delay_ns = 50'000;
  CHECK(c.PickSlotFor(1) == b);
  // Another process waiting longer goes first.
  c.signals[other].runnable = 1;
  c.signals[other].queue_delay_ns = 80'000;
  CHECK(c.PickSlotFor(1) == other);
  // Without work in it, a process's free slots get nothing.
  c.signals[other] = SlotSignals{};
  c.signals[a].runnable = 0;
  c.signals[a].queue_delay_ns = 0;
  CHECK(c.PickSlotFor(1) < 2);
  // Within a process: the free slot with work queued on it, else the one
  // that held the core last.
  c.slot_core[a] = -1;
  c.slot_last_core[b] = 1;
  c.signals[a].runnable = 1;
  c.signals[a].queue_delay_ns = 10'000;
  CHECK(c.PickSlotFor(1) == a);
  c.signals[a] = SlotSignals{};
  c.signals[b].timer_lateness_ns = 5'000;  // a late timer is work too
  c.slot_last_core[a] = 1;
  c.slot_last_core[b] = 0;
  CHECK(c.PickSlotFor(1) == a);
}
