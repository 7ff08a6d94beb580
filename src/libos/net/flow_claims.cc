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
};

Claims g_claims;

}  // namespace

jn::NetStack::FlowShares* FlowClaims() { return &g_claims; }

void SetFlowClaims(jn::NetFlowTable* table, uint32_t member) {
  sched::SpinGuard g(g_lock);
  g_table = table;
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
