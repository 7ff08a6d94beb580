// The daemon's tick: read every container's signals, collect cores given
// back, run the policy, carry out its decisions (daemon.h).
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "sched/daemon.h"

namespace junction::sched {

namespace {

constexpr uint64_t kYieldSignalAfterNs = 100'000;
constexpr uint64_t kYieldGraceNs = 2'000'000;
// For a latency-critical container: a kthread that has not given the core
// back this soon after the signal is not running (the host runs something
// else on the core); grant the core anyway. The host then shares it until
// the kthread runs its signal handler and parks, which it does first thing.
constexpr uint64_t kUrgentGraceNs = 100'000;

void FutexWakeShared(std::atomic<uint32_t>* word) {
  // No FUTEX_PRIVATE_FLAG: the word lives in a MAP_SHARED memfd that
  // another process waits on.
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

}  // namespace

void Daemon::Tick(uint64_t now_ns) {
  for (auto& [id, c] : containers_) {
    c->totals = ReadContainer(c->region, static_cast<uint64_t>(id), now_ns, &c->signals, c->member_in_use);
    c->delay_stats.Record(now_ns, c->totals.queue_delay_ns);
    if ((!c->totals.header_intact || c->totals.rejected_values != 0) && !c->warned_scribble) {
      c->warned_scribble = true;
      Log(config::LogLevel::kWarn,
          "container %lld \"%s\" wrote invalid values into its shared region (%u this tick%s); "
          "ignoring them",
          static_cast<long long>(id), c->info.name.c_str(), c->totals.rejected_values,
          c->totals.header_intact ? "" : ", header overwritten");
    }
  }
  CollectReleases(now_ns);
  RotateWithinContainers(now_ns);

  ClusterView view;
  view.now_ns = now_ns;
  for (const Core& k : cores_)
    view.cores.push_back(CoreView{k.id, k.owner, k.releasing, k.reserved_for, k.previous_owner,
                                  k.owner_since_ns});
  for (const auto& [id, c] : containers_) {
    ContainerView v;
    v.id = id;
    v.cls = c->info.cls;
    v.guaranteed = static_cast<int>(c->info.guaranteed);
    v.max = static_cast<int>(c->info.max);
    for (const Core& k : cores_) {
      if (k.owner == id && !k.releasing) v.held++;
      if (k.reserved_for == id) v.incoming++;
    }
    // Frames waiting in its rx rings and a due timer count as queued work:
    // a container with either and no running kthread gets a core.
    uint64_t rx_wait = switch_.RxWaitNs(static_cast<uint64_t>(id), now_ns);
    v.queue_delay_ns = std::max({c->totals.queue_delay_ns, rx_wait, c->totals.timer_lateness_ns});
    // A latency-critical container whose timer is about to fire counts as
    // waiting since kTimerLeadNs before it: the core is taken and granted
    // ahead of the deadline instead of after it.
    uint64_t timer = c->totals.next_timer_ns;
    if (c->info.cls == config::CpuClass::kLatencyCritical && v.held == 0 && timer > now_ns &&
        timer - now_ns < kTimerLeadNs)
      v.queue_delay_ns = std::max(v.queue_delay_ns, kTimerLeadNs - (timer - now_ns));
    v.runnable = c->totals.runnable;
    v.has_work = v.runnable > 0 || v.queue_delay_ns > 0 || switch_.RxBacklog(static_cast<uint64_t>(id)) > 0;
    for (size_t s = 0; s < c->slot_core.size(); s++)
      if (c->slot_core[s] >= 0 && c->signals[s].state == KthreadState::kRunning) v.has_work = true;
    view.containers.push_back(v);
  }
  decisions_.clear();
  policy_->Tick(view, &decisions_);
  for (const Decision& d : decisions_) {
    Core* core = FindCore(d.core);
    auto it = containers_.find(d.container);
    if (core == nullptr || it == containers_.end()) continue;
    if (d.kind == Decision::Kind::kGrant) {
      if (core->owner != kNoContainer || core->releasing || core->reserved_for != kNoContainer)
        continue;
      // Lent to its idle kthread (which has not resumed on it yet, or this
      // tick's TrackLentCore had re-adopted it): a new grant on the same
      // slot wakes it, for work it may not see by itself (frames in its
      // rings). Lent to another container: the grant is taken back first.
      if (core->lent_to == d.container)
        core->lent_to = kNoContainer;
      else
        TakeBackLentCore(core);
      Grant(core, it->second.get(), now_ns, d.reason);
    } else {
      if (core->owner == kNoContainer || core->releasing || core->owner == d.container) continue;
      Revoke(core, d.container, now_ns, d.reason);
    }
    decisions_made_++;
  }
}

void Daemon::CollectReleases(uint64_t now_ns) {
  for (Core& core : cores_) {
    if (core.owner == kNoContainer) {
      if (core.lent_to != kNoContainer) TrackLentCore(&core, now_ns);
      continue;
    }
    auto it = containers_.find(core.owner);
    if (it == containers_.end()) continue;
    DaemonContainer* c = it->second.get();
    const SlotSignals& s = c->signals[static_cast<size_t>(core.slot)];
    bool acked = s.acked_seq == c->slot_seq[static_cast<size_t>(core.slot)];
    bool parked = s.state == KthreadState::kParked && acked;
    bool idle = s.state == KthreadState::kIdle && acked;
    if (core.releasing) {
      // (An idle kthread asked to yield sees the taken grant when it wakes.)
      if (parked || idle || now_ns >= core.release_deadline_ns) {
        if (!parked)
          Log(config::LogLevel::kDebug,
              "container %lld ignored a yield request on core %d; core taken (kthread %s, "
              "acknowledged grant %u of %u)",
              static_cast<long long>(c->id), core.id,
              s.state == KthreadState::kParked ? "parked" : "running", s.acked_seq,
              c->slot_seq[static_cast<size_t>(core.slot)]);
        ContainerId next = core.reserved_for;
        FreeCore(&core, now_ns);
        auto to = containers_.find(next);
        if (to != containers_.end()) Grant(&core, to->second.get(), now_ns, "reserved core released");
      } else if (now_ns >= core.signal_at_ns) {
        // Again every kYieldSignalAfterNs: a signal that found the kthread
        // between scheduling decisions changed nothing.
        core.signalled = false;
        SignalYield(&core, c);
        core.signal_at_ns = now_ns + kYieldSignalAfterNs;
      }
    } else if (parked) {
      FreeCore(&core, now_ns);  // the kthread ran out of work and parked
    } else if (idle) {
      LendIdleCore(&core, now_ns);  // out of work, keeping its grant
    }
  }
}

void Daemon::LendIdleCore(Core* core, uint64_t now_ns) {
  DaemonContainer* c = containers_.at(core->owner).get();
  size_t slot = static_cast<size_t>(core->slot);
  core->lent_to = core->owner;
  core->lent_slot = core->slot;
  core->lent_seq = c->slot_seq[slot];
  c->slot_core[slot] = -1;
  core->previous_owner = core->owner;
  core->owner = kNoContainer;
  core->slot = -1;
  core->signalled = false;
  core->owner_since_ns = now_ns;
}

void Daemon::TrackLentCore(Core* core, uint64_t now_ns) {
  auto it = containers_.find(core->lent_to);
  size_t slot = static_cast<size_t>(core->lent_slot);
  if (it == containers_.end() || it->second->slot_seq[slot] != core->lent_seq) {
    core->lent_to = kNoContainer;  // gone, or its slot has a newer grant
    return;
  }
  DaemonContainer* c = it->second.get();
  const SlotSignals& s = c->signals[slot];
  if (s.acked_seq != core->lent_seq) return;
  if (s.state == KthreadState::kRunning) {
    Readopt(core, c, now_ns);  // work came: it runs on its grant again
  } else if (s.state == KthreadState::kParked) {
    TakeBackLentCore(core);  // it gave the grant up itself
  }
}

void Daemon::Readopt(Core* core, DaemonContainer* c, uint64_t now_ns) {
  size_t slot = static_cast<size_t>(core->lent_slot);
  core->owner = c->id;
  core->slot = core->lent_slot;
  core->owner_since_ns = now_ns;
  c->slot_core[slot] = core->id;
  core->lent_to = kNoContainer;
}

void Daemon::TakeBackLentCore(Core* core) {
  auto it = containers_.find(core->lent_to);
  size_t slot = static_cast<size_t>(core->lent_slot);
  ContainerId lent_to = core->lent_to;
  core->lent_to = kNoContainer;
  if (lent_to == kNoContainer || it == containers_.end() ||
      it->second->slot_seq[slot] != core->lent_seq)
    return;  // (a newer grant on that slot is not ours to take)
  DaemonContainer* c = it->second.get();
  KthreadSlot* ks = c->region.slot(static_cast<uint32_t>(slot));
  ks->grant_core.store(kNoCore, std::memory_order_release);
  FutexWakeShared(&ks->grant_core);
  // It may have resumed on the grant since this tick read its state: then
  // it runs on the core until its next scheduling point, which the yield
  // signal brings now. (A fresh read, validated like every other.)
  uint32_t rejected = 0;
  SlotSignals s = ReadSlot(*ks, MonotonicNowNs(), &rejected);
  if (s.state == KthreadState::kRunning && s.acked_seq == core->lent_seq &&
      c->totals.yield_signal != 0 && s.tid != 0)
    syscall(SYS_tgkill, c->SlotPid(slot), s.tid, c->totals.yield_signal);
}

void Daemon::SignalYield(Core* core, DaemonContainer* c) {
  const SlotSignals& s = c->signals[static_cast<size_t>(core->slot)];
  if (core->signalled || c->totals.yield_signal == 0 || s.tid == 0) return;
  // tgkill checks that the thread belongs to the slot's process (one of
  // the container's), so a bogus tid cannot make us signal anyone else.
  syscall(SYS_tgkill, c->SlotPid(static_cast<size_t>(core->slot)), s.tid, c->totals.yield_signal);
  core->signalled = true;
}

void Daemon::Grant(Core* core, DaemonContainer* c, uint64_t now_ns, const char* reason) {
  int slot = c->PickSlotFor(core->id);
  if (slot < 0) return;
  size_t i = static_cast<size_t>(slot);
  core->owner = c->id;
  core->slot = slot;
  core->releasing = false;
  core->reserved_for = kNoContainer;
  core->signalled = false;
  core->owner_since_ns = now_ns;
  c->slot_core[i] = core->id;
  c->slot_last_core[i] = core->id;
  uint32_t seq = ++c->slot_seq[i];
  if (seq == 0) seq = ++c->slot_seq[i];  // 0 is a kthread's "never granted"
  KthreadSlot* ks = c->region.slot(static_cast<uint32_t>(slot));
  ks->yield_requested.store(0, std::memory_order_relaxed);
  ks->grant_seq.store(seq, std::memory_order_relaxed);
  ks->grant_time_ns.store(now_ns, std::memory_order_relaxed);
  // Release: the kthread that sees the core also sees seq and time.
  ks->grant_core.store(static_cast<uint32_t>(core->id), std::memory_order_release);
  FutexWakeShared(&ks->grant_core);
  Log(config::LogLevel::kDebug, "core %d -> container %lld slot %d (%s)", core->id,
      static_cast<long long>(c->id), slot, reason);
}

void Daemon::Revoke(Core* core, ContainerId for_container, uint64_t now_ns, const char* reason) {
  auto it = containers_.find(core->owner);
  if (it == containers_.end()) return;
  core->releasing = true;
  core->reserved_for = for_container;
  core->signalled = false;
  // A latency-critical container waits for this core: interrupt a guest
  // that may not reach a scheduling point soon right away.
  auto to = containers_.find(for_container);
  bool urgent = to != containers_.end() && to->second->info.cls == config::CpuClass::kLatencyCritical;
  core->signal_at_ns = now_ns + (urgent ? 0 : kYieldSignalAfterNs);
  core->release_deadline_ns = now_ns + (urgent ? kUrgentGraceNs : kYieldGraceNs);
  KthreadSlot* ks = it->second->region.slot(static_cast<uint32_t>(core->slot));
  ks->yield_requested.store(1, std::memory_order_relaxed);
  ks->grant_core.store(kNoCore, std::memory_order_release);
  if (urgent) {
    SignalYield(core, it->second.get());
    core->signal_at_ns = now_ns + kYieldSignalAfterNs;
  }
  Log(config::LogLevel::kDebug, "core %d: container %lld asked to yield for %lld (%s)", core->id,
      static_cast<long long>(core->owner), static_cast<long long>(for_container), reason);
}

void Daemon::FreeCore(Core* core, uint64_t now_ns) {
  auto it = containers_.find(core->owner);
  if (it != containers_.end() && core->slot >= 0) {
    DaemonContainer* c = it->second.get();
    c->slot_core[static_cast<size_t>(core->slot)] = -1;
    KthreadSlot* ks = c->region.slot(static_cast<uint32_t>(core->slot));
    ks->yield_requested.store(0, std::memory_order_relaxed);
    // No wake: the kthread is parked and stays parked until a grant.
    ks->grant_core.store(kNoCore, std::memory_order_release);
  }
  core->previous_owner = core->owner;
  core->owner = kNoContainer;
  core->slot = -1;
  core->releasing = false;
  core->reserved_for = kNoContainer;
  core->signalled = false;
  core->owner_since_ns = now_ns;
}

}  // namespace junction::sched
