// The default core allocation policy (src/sched/policy_default.cc), one
// test case per rule, on a simulated clock: fake containers with a number
// of runnable threads, fake cores, and a mechanism that behaves like the
// daemon's (a revoked core is released at the next tick and goes to whom
// it was reserved for; a core its holder no longer needs is given back).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <vector>

#include "sched/policy.h"

namespace junction::sched {
namespace {

using config::CpuClass;
constexpr uint64_t kTick = 10'000;  // 10 us

struct FakeContainer {
  CpuClass cls = CpuClass::kBestEffort;
  int guaranteed = 0;
  int max = 1;
  int demand = 0;               // threads that want a core
  uint64_t waiting_since = 0;   // when it last became short of cores (0: not short)
};

class Sim {
 public:
  explicit Sim(int cores, DefaultPolicyParams p = {}) : policy_(MakeDefaultPolicy(p)) {
    for (int i = 0; i < cores; i++) cores_.push_back(CoreView{.core = i});
  }
  FakeContainer& Add(ContainerId id, CpuClass cls, int guaranteed, int max, int demand) {
    FakeContainer& c = containers_[id];
    c = FakeContainer{cls, guaranteed, max, demand, 0};
    return c;
  }
  FakeContainer& operator[](ContainerId id) { return containers_[id]; }
  // Gives core `core` to `id` directly (set-up).
  void Give(int core, ContainerId id) {
    cores_[core].owner = id;
    cores_[core].owner_since_ns = now_;
  }
  void SetPreviousOwner(int core, ContainerId id) { cores_[core].previous_owner = id; }

  // One daemon tick: mechanism, then the policy; returns its decisions.
  std::vector<Decision> Step() {
    now_ += kTick;
    Mechanism();
    ClusterView view;
    view.now_ns = now_;
    view.cores = cores_;
    for (auto& [id, c] : containers_) {
      ContainerView v;
      v.id = id;
      v.cls = c.cls;
      v.guaranteed = c.guaranteed;
      v.max = c.max;
      for (const CoreView& k : cores_) {
        if (k.owner == id && !k.releasing) v.held++;
        if (k.reserved_for == id) v.incoming++;
      }
      int owned = Owned(id);
      if (owned < c.demand) {
        if (c.waiting_since == 0) c.waiting_since = now_;
        v.queue_delay_ns = now_ - c.waiting_since;
        v.runnable = static_cast<uint64_t>(c.demand - owned);
      } else {
        c.waiting_since = 0;
      }
      v.has_work = c.demand > 0;
      view.containers.push_back(v);
    }
    std::vector<Decision> out;
    policy_->Tick(view, &out);
    for (const Decision& d : out) {
      CoreView& k = cores_[d.core];
      if (d.kind == Decision::Kind::kGrant) {
        REQUIRE(k.owner == kNoContainer);
        REQUIRE_FALSE(k.releasing);
        k.owner = d.container;
        k.owner_since_ns = now_;
      } else {
        REQUIRE(k.owner != kNoContainer);
        REQUIRE_FALSE(k.releasing);
        k.releasing = true;
        k.reserved_for = d.container;
      }
    }
    return out;
  }
  void Run(uint64_t ns) {
    for (uint64_t t = 0; t < ns; t += kTick) Step();
  }
  // Cores `id` holds (including one it is releasing).
  int Owned(ContainerId id) const {
    int n = 0;
    for (const CoreView& k : cores_) n += k.owner == id ? 1 : 0;
    return n;
  }
  ContainerId OwnerOf(int core) const { return cores_[core].owner; }
  uint64_t now() const { return now_; }

 private:
  void Release(CoreView& k) {
    k.previous_owner = k.owner;
    k.owner = kNoContainer;
    k.releasing = false;
    k.owner_since_ns = now_;
  }
  void Mechanism() {
    for (CoreView& k : cores_) {
      if (k.releasing) {  // the kthread yielded
        ContainerId next = k.reserved_for;
        k.reserved_for = kNoContainer;
        Release(k);
        k.owner = next;
        k.owner_since_ns = now_;
      }
    }
    // Kthreads without work park: the daemon takes their cores back.
    for (auto& [id, c] : containers_) {
      int extra = Owned(id) - c.demand;
      for (CoreView& k : cores_)
        if (extra > 0 && k.owner == id && !k.releasing) Release(k), extra--;
    }
  }

  std::unique_ptr<CorePolicy> policy_;
  std::vector<CoreView> cores_;
  std::map<ContainerId, FakeContainer> containers_;
  uint64_t now_ = 1'000'000;
};

TEST_CASE("policy: an idle core goes to a congested container once its delay reaches the threshold") {
  Sim sim(2);
  sim.Add(1, CpuClass::kBestEffort, 0, 1, 1);  // threshold 20 us
  sim.Step();  // becomes short of a core: delay 0
  CHECK(sim.Owned(1) == 0);
  sim.Step();  // 10 us
  CHECK(sim.Owned(1) == 0);
  std::vector<Decision> d = sim.Step();  // 20 us
  REQUIRE(d.size() == 1);
  CHECK(d[0].kind == Decision::Kind::kGrant);
  CHECK(sim.Owned(1) == 1);

  SUBCASE("latency-critical has the lower threshold: granted one tick after it queued") {
    Sim lc(2);
    lc.Add(7, CpuClass::kLatencyCritical, 0, 1, 1);
    lc.Step();
    CHECK(lc.Owned(7) == 0);
    lc.Step();
    CHECK(lc.Owned(7) == 1);
  }
}

TEST_CASE("policy: no work, no core; demand is met one core per tick up to the maximum") {
  Sim sim(4);
  sim.Add(1, CpuClass::kLatencyCritical, 2, 3, 0);  // guaranteed 2 but idle
  sim.Run(100 * kTick);
  CHECK(sim.Owned(1) == 0);
  sim[1].demand = 4;  // more than max
  sim.Step();          // guarantee: 2 at once (it has work)
  CHECK(sim.Owned(1) == 2);
  sim.Step();          // congested: one more
  CHECK(sim.Owned(1) == 3);
  sim.Run(50 * kTick);
  CHECK(sim.Owned(1) == 3);  // max
}

TEST_CASE("policy: guarantees are enforced, taking from a best-effort container above its own") {
  Sim sim(1);
  sim.Add(1, CpuClass::kBestEffort, 0, 1, 1);
  sim.Give(0, 1);
  sim.Add(2, CpuClass::kBestEffort, 1, 1, 1);
  std::vector<Decision> d = sim.Step();
  REQUIRE(d.size() == 1);
  CHECK(d[0].kind == Decision::Kind::kRevoke);
  CHECK(d[0].container == 2);
  CHECK(std::string(d[0].reason) == "guarantee");
  sim.Step();
  CHECK(sim.OwnerOf(0) == 2);
  sim.Run(1000 * kTick);  // 10 ms: rotation never takes a guaranteed core away
  CHECK(sim.OwnerOf(0) == 2);

  SUBCASE("a latency-critical container above its guarantee gives way too, after best-effort") {
    Sim s2(2);
    s2.Add(1, CpuClass::kLatencyCritical, 0, 2, 2);
    s2.Give(0, 1);
    s2.Give(1, 1);
    s2.Add(2, CpuClass::kBestEffort, 1, 1, 1);
    s2.Step();
    s2.Step();
    CHECK(s2.Owned(2) == 1);
    CHECK(s2.Owned(1) == 1);
  }
}

TEST_CASE("policy: a container at its own guarantee keeps its core") {
  Sim sim(1);
  sim.Add(1, CpuClass::kBestEffort, 1, 1, 1);
  sim.Give(0, 1);
  sim.Add(2, CpuClass::kLatencyCritical, 1, 1, 1);  // guarantees overcommitted
  sim.Run(100 * kTick);
  CHECK(sim.OwnerOf(0) == 1);
  CHECK(sim.Owned(2) == 0);
}

TEST_CASE("policy: latency-critical takes a core from best-effort at once, and gives it back") {
  Sim sim(1);
  sim.Add(1, CpuClass::kBestEffort, 0, 1, 1);  // CPU-bound
  sim.Run(5 * kTick);
  REQUIRE(sim.OwnerOf(0) == 1);
  sim.Add(2, CpuClass::kLatencyCritical, 0, 1, 0);
  sim.Run(20 * kTick);  // idle: nothing happens
  CHECK(sim.OwnerOf(0) == 1);

  sim[2].demand = 1;  // work arrives
  uint64_t runnable_at = sim.now() + kTick;
  while (sim.OwnerOf(0) != 2) {
    std::vector<Decision> d = sim.Step();
    for (const Decision& x : d)
      if (x.kind == Decision::Kind::kRevoke)
        CHECK(std::string(x.reason) == "latency-critical over best-effort");
    REQUIRE(sim.now() - runnable_at < 10 * kTick);
  }
  CHECK(sim.now() - runnable_at <= 2 * kTick);  // revoke on the 2nd tick (2 us), held on the 3rd

  sim[2].demand = 0;  // done: the best-effort container gets its core back
  sim.Run(5 * kTick);
  CHECK(sim.OwnerOf(0) == 1);
}

TEST_CASE("policy: latency-critical does not take from latency-critical above its guarantee") {
  Sim sim(1);
  sim.Add(1, CpuClass::kLatencyCritical, 0, 1, 1);
  sim.Give(0, 1);
  sim.Add(2, CpuClass::kLatencyCritical, 0, 1, 1);
  sim.Run(1000 * kTick);
  CHECK(sim.OwnerOf(0) == 1);
}

TEST_CASE("policy: best-effort containers share short cores by rotation") {
  DefaultPolicyParams p;
  p.rotation_quantum_ns = 2'000'000;
  Sim sim(1, p);
  sim.Add(1, CpuClass::kBestEffort, 0, 1, 1);
  sim.Add(2, CpuClass::kBestEffort, 0, 1, 1);
  std::map<ContainerId, uint64_t> held_ns;
  int switches = 0;
  ContainerId last = kNoContainer;
  for (int i = 0; i < 10'000; i++) {  // 100 ms
    sim.Step();
    ContainerId o = sim.OwnerOf(0);
    held_ns[o] += kTick;
    if (o != last && last != kNoContainer && o != kNoContainer) switches++;
    last = o;
  }
  // Each gets about half; the core changes hands about once per quantum.
  CHECK(held_ns[1] > 45'000'000);
  CHECK(held_ns[2] > 45'000'000);
  CHECK(switches >= 40);
  CHECK(switches <= 50);
}

TEST_CASE("policy: rotation only takes from a container holding more than the one waiting") {
  Sim sim(2);
  sim.Add(1, CpuClass::kBestEffort, 0, 2, 1);
  sim.Add(2, CpuClass::kBestEffort, 0, 2, 1);
  sim.Give(0, 1);
  sim.Give(1, 2);
  sim[2].demand = 2;  // wants a second core; 1 holds only one
  sim.Run(1000 * kTick);
  CHECK(sim.OwnerOf(0) == 1);
  CHECK(sim.OwnerOf(1) == 2);
}

TEST_CASE("policy: locality: a container gets back the core it held, then a never-used one") {
  Sim sim(3);
  sim.SetPreviousOwner(0, 9);  // someone else's
  sim.SetPreviousOwner(1, 1);  // container 1's
  sim.Add(1, CpuClass::kLatencyCritical, 0, 1, 1);
  sim.Add(2, CpuClass::kLatencyCritical, 0, 1, 1);
  sim.Run(3 * kTick);
  CHECK(sim.OwnerOf(1) == 1);
  CHECK(sim.OwnerOf(2) == 2);  // core 2 was never used; core 0 is warm for container 9
  CHECK(sim.OwnerOf(0) == kNoContainer);

  SUBCASE("a core taken away is one the beneficiary held before") {
    Sim s2(2);
    s2.Add(1, CpuClass::kBestEffort, 0, 2, 2);
    s2.SetPreviousOwner(0, 2);
    s2.Give(0, 1);
    s2.Give(1, 1);
    s2.Add(2, CpuClass::kLatencyCritical, 0, 1, 1);
    s2.Run(3 * kTick);
    CHECK(s2.OwnerOf(0) == 2);
    CHECK(s2.OwnerOf(1) == 1);
  }
}

}  // namespace
}  // namespace junction::sched
