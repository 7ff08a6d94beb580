// The LibOS side of core grants (sched/core_grant.h) against a slot in
// memory, this test playing the daemon: taking a grant, giving it back
// (asked, or out of work), a grant revoked before the kthread ran on it,
// the daemon's death, an idle kthread keeping its grant, and waiting with a
// deadline, a kick and a grant.
#include <doctest/doctest.h>

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "sched/core_grant.h"
#include "sched/kthread.h"

using namespace junction::sched;

namespace {

uint64_t Status(const KthreadSlot& s) { return s.status.load(); }

void DaemonGrants(KthreadSlot& s, uint32_t core, uint32_t seq) {
  s.yield_requested.store(0);
  s.grant_seq.store(seq);
  s.grant_core.store(core, std::memory_order_release);
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&s.grant_core), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

}  // namespace

TEST_CASE("core grant: take, yield, give back, untaken grants, standalone") {
  SaveStandaloneAffinity();
  // Pin to the CPU we are on anyway; the affinity is restored at the end.
  uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  slot.status.store(PackStatus(KthreadState::kParked, 0));
  CoreGrant g;
  g.slot = &slot;

  CHECK_FALSE(MayRun(g));  // never granted
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 0));

  DaemonGrants(slot, cpu, 5);
  CHECK(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 5));
  CHECK(MayRun(g));  // the fast path: still ours

  // Asked to yield: parked, acknowledging grant 5.
  slot.yield_requested.store(1);
  slot.grant_core.store(kNoCore);
  CHECK_FALSE(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 5));
  CHECK_FALSE(g.holds.load());

  // A grant taken back before the kthread looked is answered, parked.
  DaemonGrants(slot, cpu, 6);
  slot.yield_requested.store(1);
  slot.grant_core.store(kNoCore);
  CHECK_FALSE(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 6));

  // Re-granted the same core: a new grant.
  DaemonGrants(slot, cpu, 7);
  CHECK(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 7));

  // Out of work: given back; the grant word still names the core, but the
  // same grant is never taken again.
  ReleaseCore(g);
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 7));
  CHECK_FALSE(MayRun(g));

  // The core taken in the daemon's books while the kthread still ran on it
  // (it ignored the request): it must stop at its next scheduling point.
  DaemonGrants(slot, cpu, 8);
  CHECK(MayRun(g));
  slot.grant_core.store(kNoCore);
  CHECK_FALSE(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 8));

  // The daemon died: run standalone.
  slot.grant_core.store(kStandaloneGrant);
  CHECK(MayRun(g));
  CHECK(RunsStandalone(g));

  ReleaseGrantAfterFork(g);  // restores the affinity
  CHECK(g.slot == nullptr);
  CHECK(MayRun(g));
}

TEST_CASE("core grant: an idle kthread keeps its grant until the daemon takes it back") {
  SaveStandaloneAffinity();
  uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  CoreGrant g;
  g.slot = &slot;

  DaemonGrants(slot, cpu, 3);
  CHECK(MayRun(g));
  // Out of work: idle, still naming grant 3; it may not run meanwhile.
  IdleCore(g);
  CHECK(Status(slot) == PackStatus(KthreadState::kIdle, 3));
  CHECK_FALSE(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kIdle, 3));
  // Work came and the grant is still ours: running again on grant 3.
  CHECK(ResumeIdleCore(g));
  CHECK(g.holds.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 3));
  CHECK(MayRun(g));

  // Idle again; the daemon lends the core elsewhere and takes the grant back.
  IdleCore(g);
  slot.grant_core.store(kNoCore);
  CHECK_FALSE(ResumeIdleCore(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 3));
  CHECK_FALSE(g.idle.load());
  CHECK_FALSE(ResumeIdleCore(g));  // not idle any more

  // Idle, and a scheduling point sees the grant taken back: parked too.
  DaemonGrants(slot, cpu, 4);
  CHECK(MayRun(g));
  IdleCore(g);
  slot.grant_core.store(kNoCore);
  CHECK_FALSE(MayRun(g));
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 4));

  // Idle, and the daemon grants the same slot anew (work the kthread could
  // not see): a new grant, taken at the next look.
  DaemonGrants(slot, cpu, 5);
  CHECK(MayRun(g));
  IdleCore(g);
  DaemonGrants(slot, cpu, 6);
  CHECK(MayRun(g));
  CHECK_FALSE(g.idle.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 6));
  ReleaseGrantAfterFork(g);  // restores the affinity
}

TEST_CASE("core grant: waiting ends at the deadline, on a kick, on a grant") {
  SaveStandaloneAffinity();
  uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  CoreGrant g;
  g.slot = &slot;

  CHECK_FALSE(WaitForGrant(g, NowNs() + 2'000'000, GrantPoll::kSleep));   // deadline, sleeping
  CHECK_FALSE(WaitForGrant(g, NowNs() + 2'000'000, GrantPoll::kPolite));  // deadline, polling
  CHECK_FALSE(WaitForGrant(g, NowNs() + 100'000, GrantPoll::kHard));      // deadline, polling hard

  std::atomic<bool> done{false};
  std::thread kicker([&] {
    while (!done.load()) {
      KickGrantWaiter(g);
      usleep(1000);
    }
  });
  CHECK_FALSE(WaitForGrant(g, 0, GrantPoll::kSleep));  // no deadline: only the kick ends it
  done = true;
  kicker.join();
  g.kicked.store(0);

  std::thread daemon([&] {
    usleep(5000);  // past the polling window: the waiter sleeps in FUTEX_WAIT
    DaemonGrants(slot, cpu, 9);
  });
  CHECK(WaitForGrant(g, 0, GrantPoll::kSleep));
  daemon.join();
  CHECK(g.holds.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 9));
  ReleaseGrantAfterFork(g);
}

TEST_CASE("core grant: a spinning waiter polls its own idle core, and sleeps once it is taken back") {
  SaveStandaloneAffinity();
  uint32_t cpu = static_cast<uint32_t>(sched_getcpu());
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  CoreGrant g;
  g.slot = &slot;
  g.spins = true;
  DaemonGrants(slot, cpu, 3);
  REQUIRE(MayRun(g));
  IdleCore(g);  // out of work, keeping the grant

  std::atomic<bool> slept{false};
  std::atomic<bool> waiting{true};
  std::thread watcher([&] {  // would see the waiter announce a FUTEX_WAIT
    while (waiting.load())
      if (g.sleeping.load() != 0) slept = true;
  });
  CHECK_FALSE(WaitForGrant(g, NowNs() + 20'000'000, GrantPoll::kSleep));  // past kGrantSpinNs: still polling
  CHECK_FALSE(slept.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kIdle, 3));

  std::thread daemon([&] {
    usleep(5000);
    // A new grant of the same core, the grant word only, no FUTEX_WAKE:
    // only a poller sees it.
    slot.grant_seq.store(4, std::memory_order_relaxed);
    slot.grant_core.store(cpu, std::memory_order_release);
  });
  CHECK(WaitForGrant(g, NowNs() + 2'000'000'000, GrantPoll::kSleep));  // a sleeper would time out
  daemon.join();
  CHECK_FALSE(slept.load());
  CHECK(g.holds.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kRunning, 4));

  // Idle again, and the daemon lends the core away (takes the grant back):
  // the core is another container's now, so the spinner sleeps.
  IdleCore(g);
  slot.grant_core.store(kNoCore, std::memory_order_release);
  CHECK_FALSE(WaitForGrant(g, NowNs() + 20'000'000, GrantPoll::kSleep));
  waiting = false;
  watcher.join();
  CHECK(slept.load());
  CHECK(Status(slot) == PackStatus(KthreadState::kParked, 4));
  ReleaseGrantAfterFork(g);
}

TEST_CASE("core grant: after a wake-up without a grant, a waiter polls only for a grant on its way") {
  // The keeper just woke its timer's uthread: the grant (or resuming on its
  // own idle core) is due now.
  CHECK(NextGrantPoll(true, false) == GrantPoll::kHard);
  CHECK(NextGrantPoll(true, true) == GrantPoll::kHard);
  // Work queued for it: the doorbell asked the daemon for a core.
  CHECK(NextGrantPoll(false, true) == GrantPoll::kPolite);
  // A preemption tick, an early wake-up, a kick whose work went elsewhere:
  // nothing is coming, so no polling.
  CHECK(NextGrantPoll(false, false) == GrantPoll::kSleep);
}

TEST_CASE("core grant: the timer keeper polls longer ahead under a busy daemon") {
  // Adaptive: the daemon shares its CPUs, and so does the keeper's poll.
  CHECK(KeeperLeadNs(false) == 150'000);
  // Busy: dedicated cores; the lead covers a halted vCPU's late host
  // timer (p99 90-130 µs quiet) with room.
  CHECK(KeeperLeadNs(true) == 300'000);
}

TEST_CASE("core grant: polling hard for a deadline past the polling window never sleeps") {
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  CoreGrant g;
  g.slot = &slot;
  GrantTraceSample sample;  // records a FUTEX_WAIT (keeper_sleep) if there is one
  g.trace = &sample;
  CHECK_FALSE(WaitForGrant(g, NowNs() + 3 * kGrantSpinNs, GrantPoll::kHard));
  CHECK(sample.keeper_sleep == 0);
  CHECK(sample.keeper_woke == 0);
}

TEST_CASE("core grant: a member slot given to another kthread of the same process is not ours") {
  SaveStandaloneAffinity();
  KthreadSlot slot{};
  slot.grant_core.store(kNoCore);
  slot.member_pid.store(4242);
  slot.member_token.store(7);
  CoreGrant g;
  g.slot = &slot;
  g.member_pid = 4242;
  g.member_token = 7;
  CHECK_FALSE(MayRun(g));  // ours, not granted yet
  CHECK(g.slot == &slot);
  // A new daemon freed it and gave it to a sibling kthread (same pid, a
  // new token): this kthread runs standalone, and leaves it to the other.
  slot.member_token.store(8);
  CHECK(MayRun(g));
  CHECK(g.slot == nullptr);
  CHECK(g.member_pid == 0);
  CHECK(g.member_token == 0);
}
