// The default core allocation policy. Rules, in the order applied each
// tick (docs/daemon.md "Core allocation"):
//
// 1. Guarantees. A container with work that holds fewer than its
//    guaranteed cores gets an idle core; with none idle, one is taken from
//    a container above its own guarantee — best-effort first, then
//    latency-critical — the one with the largest surplus.
// 2. Congestion. A container whose oldest runnable uthread has waited at
//    least its class's threshold, and that is below its maximum, gets one
//    more core this tick: an idle one if any. Latency-critical containers
//    come first, then by queueing delay, longest first.
// 3. Latency-critical over best-effort. A congested latency-critical
//    container with no idle core takes one from a best-effort container
//    above its guarantee, at once.
// 4. Fair rotation. A congested best-effort container with no idle core
//    takes a core from a best-effort container that holds more cores than
//    it does (above its guarantee), once that core has been held for the
//    rotation quantum; so short cores rotate among best-effort containers.
// 5. Locality. An idle core goes preferably to the container that held it
//    last, then to a never-used core, then to the core idle longest; a
//    core taken away is preferably one the beneficiary held before, else
//    the victim's most recently granted core (it keeps its warm ones).
#include <algorithm>
#include <optional>

#include "sched/policy.h"

namespace junction::sched {

namespace {

using config::CpuClass;

class DefaultPolicy final : public CorePolicy {
 public:
  explicit DefaultPolicy(const DefaultPolicyParams& p) : params_(p) {}
  const char* name() const override { return "default"; }
  void Tick(const ClusterView& view, std::vector<Decision>* out) override;

 private:
  struct Work {
    std::vector<CoreView> cores;
    std::vector<ContainerView> containers;
    uint64_t now_ns = 0;
    std::vector<Decision>* out = nullptr;
  };

  uint64_t Threshold(const ContainerView& c) const {
    return c.cls == CpuClass::kLatencyCritical ? params_.lc_delay_threshold_ns
                                               : params_.be_delay_threshold_ns;
  }
  static bool GrantIdle(Work* w, ContainerView* c, const char* reason);
  // Takes a core from the best victim accepted by `eligible`; cores must
  // have been held at least `min_hold_ns`.
  template <typename Eligible>
  static bool RevokeFor(Work* w, ContainerView* c, uint64_t min_hold_ns, Eligible eligible,
                        const char* reason);

  DefaultPolicyParams params_;
};

int Effective(const ContainerView& c) { return c.held + c.incoming; }
bool IsLc(const ContainerView& c) { return c.cls == CpuClass::kLatencyCritical; }

bool DefaultPolicy::GrantIdle(Work* w, ContainerView* c, const char* reason) {
  CoreView* best = nullptr;
  auto rank = [c](const CoreView& k) {
    if (k.previous_owner == c->id) return 0;
    if (k.previous_owner == kNoContainer) return 1;
    return 2;
  };
  for (CoreView& k : w->cores) {
    if (k.owner != kNoContainer || k.releasing || k.reserved_for != kNoContainer) continue;
    if (best == nullptr || rank(k) < rank(*best) ||
        (rank(k) == rank(*best) && k.owner_since_ns < best->owner_since_ns))
      best = &k;
  }
  if (best == nullptr) return false;
  best->owner = c->id;
  best->owner_since_ns = w->now_ns;
  c->held++;
  w->out->push_back(Decision{Decision::Kind::kGrant, best->core, c->id, reason});
  return true;
}

template <typename Eligible>
bool DefaultPolicy::RevokeFor(Work* w, ContainerView* c, uint64_t min_hold_ns, Eligible eligible,
                              const char* reason) {
  auto core_ok = [&](const CoreView& k, const ContainerView& v) {
    return k.owner == v.id && !k.releasing && w->now_ns - k.owner_since_ns >= min_hold_ns;
  };
  ContainerView* victim = nullptr;
  for (ContainerView& v : w->containers) {
    if (v.id == c->id || v.held <= v.guaranteed || !eligible(v)) continue;
    bool has_core = std::any_of(w->cores.begin(), w->cores.end(),
                                [&](const CoreView& k) { return core_ok(k, v); });
    if (!has_core) continue;
    // Best-effort before latency-critical, then the largest surplus.
    auto key = [](const ContainerView& x) {
      return std::make_pair(IsLc(x) ? 1 : 0, -(x.held - x.guaranteed));
    };
    if (victim == nullptr || key(v) < key(*victim)) victim = &v;
  }
  if (victim == nullptr) return false;
  CoreView* pick = nullptr;
  for (CoreView& k : w->cores) {
    if (!core_ok(k, *victim)) continue;
    bool was_ours = k.previous_owner == c->id;
    bool pick_was_ours = pick != nullptr && pick->previous_owner == c->id;
    if (pick == nullptr || (was_ours && !pick_was_ours) ||
        (was_ours == pick_was_ours && k.owner_since_ns > pick->owner_since_ns))
      pick = &k;
  }
  pick->releasing = true;
  pick->reserved_for = c->id;
  victim->held--;
  c->incoming++;
  w->out->push_back(Decision{Decision::Kind::kRevoke, pick->core, c->id, reason});
  return true;
}

void DefaultPolicy::Tick(const ClusterView& view, std::vector<Decision>* out) {
  Work w{view.cores, view.containers, view.now_ns, out};
  // Latency-critical first, then registration order (ids grow).
  std::vector<ContainerView*> order;
  for (ContainerView& c : w.containers) order.push_back(&c);
  std::stable_sort(order.begin(), order.end(), [](const ContainerView* a, const ContainerView* b) {
    return std::make_pair(IsLc(*a) ? 0 : 1, a->id) < std::make_pair(IsLc(*b) ? 0 : 1, b->id);
  });

  // Rule 1: guarantees.
  for (ContainerView* c : order) {
    if (!c->has_work) continue;
    while (Effective(*c) < std::min(c->guaranteed, c->max)) {
      if (GrantIdle(&w, c, "guarantee")) continue;
      if (RevokeFor(&w, c, 0, [](const ContainerView&) { return true; }, "guarantee")) continue;
      break;
    }
  }

  // Rules 2-4: congestion, one more core per congested container per tick.
  std::vector<ContainerView*> congested;
  for (ContainerView* c : order)
    if (c->queue_delay_ns > 0 && c->queue_delay_ns >= Threshold(*c) && Effective(*c) < c->max)
      congested.push_back(c);
  std::stable_sort(congested.begin(), congested.end(),
                   [](const ContainerView* a, const ContainerView* b) {
                     if (IsLc(*a) != IsLc(*b)) return IsLc(*a);
                     return a->queue_delay_ns > b->queue_delay_ns;
                   });
  for (ContainerView* c : congested) {
    if (GrantIdle(&w, c, "congested: idle core")) continue;
    if (IsLc(*c)) {
      RevokeFor(&w, c, 0, [](const ContainerView& v) { return !IsLc(v); },
                "latency-critical over best-effort");
    } else {
      int mine = Effective(*c);
      RevokeFor(&w, c, params_.rotation_quantum_ns,
                [mine](const ContainerView& v) { return !IsLc(v) && v.held > mine; },
                "best-effort rotation");
    }
  }
}

}  // namespace

std::unique_ptr<CorePolicy> MakeDefaultPolicy(const DefaultPolicyParams& params) {
  return std::make_unique<DefaultPolicy>(params);
}

}  // namespace junction::sched
