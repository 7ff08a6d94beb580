// This process's claims in the container's flow table (see flow_claims.h).
#include "libos/net/flow_claims.h"

#include <map>

#include "sched/spinlock.h"

namespace junction::libos::net {

namespace {

namespace jn = junction::net;

constexpr uint32_t kNoMember = ~uint32_t{0};

sched::SpinLock g_lock;  // guards the three below (taken under the stack's lock)
jn::NetFlowTable* g_table = nullptr;  // null: no daemon
jn::ParkedArea* g_parked = nullptr;
uint32_t g_member = kNoMember;
// Connections this process owns: key -> generation (renumbered after a
// daemon restart).
std::map<uint64_t, uint32_t>* g_owned = nullptr;

uint64_t Key(jn::Endpoint remote, jn::Endpoint local) {
  return jn::FlowKey(remote.ip, remote.port, local.port);
}

class Claims final : public jn::NetStack::FlowShares {
 public:
  bool Share(jn::Endpoint local, jn::Endpoint remote, uint32_t* gen) override {
    sched::SpinGuard g(g_lock);
    if (!g_table || g_member == kNoMember) return false;
    uint64_t key = Key(remote, local);
    if (!jn::ShareFlow(g_table, key, g_member, gen)) return false;
    g_owned->erase(key);
    return true;
  }
  bool Claim(jn::Endpoint local, jn::Endpoint remote, uint32_t gen) override {
    sched::SpinGuard g(g_lock);
    if (!g_table || g_member == kNoMember) return false;
    uint64_t key = Key(remote, local);
    if (jn::ClaimFlow(g_table, key, g_member, gen) != jn::FlowClaim::kOurs) return false;
    (*g_owned)[key] = gen;
    return true;
  }
  bool Release(jn::Endpoint local, jn::Endpoint remote, uint32_t gen) override {
    sched::SpinGuard g(g_lock);
    if (!g_table) return false;
    uint64_t key = Key(remote, local);
    // Without a member number (a child that never joined: it could not
    // send the FIN) a last holder only leaves.
    uint32_t member = g_member == kNoMember ? jn::kFlowUndecided - 1 : g_member;
    bool ours = jn::ReleaseFlow(g_table, key, member, gen) == jn::FlowClaim::kOurs;
    if (ours && g_member == kNoMember) {
      jn::RemoveFlow(g_table, key, member, gen);
      return false;
    }
    if (ours) (*g_owned)[key] = gen;
    return ours;
  }
  void Remove(jn::Endpoint local, jn::Endpoint remote, uint32_t gen) override {
    sched::SpinGuard g(g_lock);
    if (!g_table || g_member == kNoMember) return;
    uint64_t key = Key(remote, local);
    jn::RemoveFlow(g_table, key, g_member, gen);
    g_owned->erase(key);
  }
  bool Held(jn::Endpoint local, jn::Endpoint remote) override {
    sched::SpinGuard g(g_lock);
    return g_table && jn::FindFlow(g_table, Key(remote, local)) != nullptr;
  }
  bool Park(jn::Endpoint local, jn::Endpoint remote, std::span<const std::byte> seg) override {
    sched::SpinGuard g(g_lock);
    if (!g_parked) return false;
    // Segments of connections that left every stack make room.
    jn::DropStaleParked(g_parked, [](uint64_t key) { return jn::FindFlow(g_table, key) == nullptr; });
    return jn::ParkSegment(g_parked, Key(remote, local), remote.ip, local.ip, seg);
  }
  void TakeParked(jn::Endpoint local, jn::Endpoint remote,
                  const std::function<void(std::span<const std::byte>)>& fn) override {
    jn::ParkedArea* area;
    {
      sched::SpinGuard g(g_lock);
      area = g_parked;
    }
    if (!area) return;
    jn::TakeParkedSegments(area, Key(remote, local),
                           [&](uint32_t, uint32_t, std::span<const std::byte> seg) { fn(seg); });
  }
};

Claims g_claims;

}  // namespace

jn::NetStack::FlowShares* FlowClaims() { return &g_claims; }

void SetFlowClaims(jn::NetFlowTable* table, jn::ParkedArea* parked, uint32_t member) {
  sched::SpinGuard g(g_lock);
  g_table = table;
  g_parked = parked;
  g_member = member;
  if (!g_owned) g_owned = new std::map<uint64_t, uint32_t>();
}

void RenumberFlowClaims(uint32_t member) {
  sched::SpinGuard g(g_lock);
  if (!g_table) return;
  uint32_t old = g_member;
  g_member = member;
  for (auto& [key, gen] : *g_owned) jn::RenumberFlow(g_table, key, old, member, gen);
}

void ForgetFlowClaimsAfterFork() {
  g_lock.unlock();  // the fork copied it; only this thread runs now
  g_member = kNoMember;
  g_owned = new std::map<uint64_t, uint32_t>();  // the parent's, not ours
}

}  // namespace junction::libos::net
