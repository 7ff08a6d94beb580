// Forked processes of a container on the daemon's cores (docs/daemon.md
// "Forked processes"): SCHED_JOIN gives a process a member slot of the
// container's region while its connection lasts; its kthread then takes
// grants there like the first process's. The container stays one unit for
// the policy (guarantees, max cores); within it, a unit (the first process,
// or one forked process) that waits at the container's max gets a turn.
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "sched/daemon.h"

namespace junction::sched {

namespace {

// A unit of a container that has waited this long without a core (the
// policy gave the container none: at its max, or none idle) gets one that
// another of its units has held as long (the policy's rotation period
// between best-effort containers).
constexpr uint64_t kRotateAfterNs = 2'000'000;

}  // namespace

bool Daemon::HandleSchedJoin(Connection* c, const SchedJoinRequest& req) {
  SchedJoinReply reply;
  int doorbell = -1;
  auto answer = [&](int err, const char* msg) {
    reply.error = err;
    reply.message = msg;
    if (err != 0) Log(config::LogLevel::kWarn, "refused a process's SCHED_JOIN: %s", msg);
    std::vector<uint8_t> frame = EncodeSchedJoinReply(reply);
    return SendFrame(c->fd, frame, std::span<const int>(&doorbell, err == 0 ? 1 : 0));
  };
  if (c->container != kNoContainer || c->member.slot >= 0 || c->net.rings != nullptr)
    return answer(EALREADY, "this connection already registered");
  auto it = containers_.find(static_cast<ContainerId>(req.container_id));
  if (it == containers_.end()) return answer(ENOENT, "no container with that id");
  DaemonContainer* ctr = it->second.get();
  ucred cred{};
  socklen_t len = sizeof cred;
  if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.pid <= 0 ||
      cred.pid == ctr->pid || !DescendsFrom(cred.pid, ctr->pid))
    return answer(EPERM, "the process is not a forked process of the container");
  // One slot per kthread: each of a process's kthreads joins on a
  // connection of its own (the first right after the fork).
  int joined = ctr->MemberSlotsOf(cred.pid);
  const char* why = nullptr;
  int free_slot = ctr->FreeMemberSlotFor(cred.pid, &why);
  if (free_slot < 0) return answer(ENOSPC, why);
  size_t slot = static_cast<size_t>(free_slot);
  reply.token = ctr->AssignMemberSlot(slot, cred.pid);
  c->member = SchedMember{ctr->id, static_cast<int>(slot), cred.pid};
  reply.slot = static_cast<uint32_t>(slot);
  doorbell = ctr->doorbell_fd;
  if (joined == 0)
    Log(config::LogLevel::kInfo, "container %lld: process %d joined (kthread slot %zu)",
        static_cast<long long>(ctr->id), cred.pid, slot);
  else
    Log(config::LogLevel::kInfo, "container %lld: process %d added a kthread (slot %zu, %d in all)",
        static_cast<long long>(ctr->id), cred.pid, slot, joined + 1);
  return answer(0, "");
}

void Daemon::ReleaseSchedMember(SchedMember* m) {
  if (m->slot < 0) return;
  auto it = containers_.find(m->container);
  size_t slot = static_cast<size_t>(m->slot);
  int32_t member = m->pid;
  *m = SchedMember{};
  if (it == containers_.end()) return;  // (the container went first)
  DaemonContainer* c = it->second.get();
  // (A container registered again under the id keeps its own slots.)
  if (slot < c->region.slots() || slot >= c->slot_core.size() ||
      c->member_pid[slot - c->region.slots()] != member)
    return;
  uint64_t now = MonotonicNowNs();
  int released = 0;
  for (Core& core : cores_) {
    if (core.lent_to == c->id && core.lent_slot == static_cast<int>(slot)) {
      core.lent_to = kNoContainer;  // idle and free in the books already
      released++;
    }
    if (core.owner != c->id || core.slot != static_cast<int>(slot)) continue;
    ContainerId next = core.reserved_for;
    FreeCore(&core, now);
    released++;
    auto to = containers_.find(next);
    if (to != containers_.end()) Grant(&core, to->second.get(), now, "reserved (the process holding it left)");
  }
  // A process that is still alive (its connection closed) runs standalone:
  // the slot no longer names it.
  c->FreeMemberSlot(slot);
  KthreadSlot* ks = c->region.slot(static_cast<uint32_t>(slot));
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&ks->grant_core), FUTEX_WAKE, 1, nullptr, nullptr, 0);
  Log(config::LogLevel::kInfo, "container %lld: process %d left (kthread slot %zu); %d core(s) released",
      static_cast<long long>(c->id), member, slot, released);
  doorbell_rang_ = true;  // reallocate the freed core now
}

void Daemon::RotateWithinContainers(uint64_t now_ns) {
  for (auto& [id, c] : containers_) {
    if (c->signals.size() != c->slot_core.size()) continue;
    // One turn at a time. (Not only at its max: a container below it may
    // get no more cores either, none being idle: 2 ms without a core says so.)
    bool rotating = false;
    for (const Core& k : cores_) rotating |= k.reserved_for == id;
    if (rotating) continue;
    size_t first_slots = c->region.slots();
    // The unit waiting longest without a core, named by its host pid (the
    // first process's or a forked one's): one of its slots is free and the
    // queues of its kthreads (which steal from each other) wait.
    using Unit = RotateUnit;
    std::vector<Unit>& units = rotate_units_;
    units.assign(1, Unit{c->pid, false, 0});
    for (size_t i = 0; i < c->slot_core.size(); i++) {
      Unit* u = &units[0];
      if (i >= first_slots) {
        if (!c->member_in_use[i - first_slots]) continue;
        int32_t pid = c->member_pid[i - first_slots];
        u = nullptr;
        for (size_t k = 1; k < units.size() && u == nullptr; k++)
          if (units[k].pid == pid) u = &units[k];
        if (u == nullptr) u = &units.emplace_back(Unit{pid, false, 0});
      }
      u->free |= c->slot_core[i] < 0;
      u->wait = std::max(u->wait, c->signals[i].queue_delay_ns);
    }
    const Unit* waiter = nullptr;
    for (const Unit& u : units)
      if (u.free && u.wait >= kRotateAfterNs && (waiter == nullptr || u.wait > waiter->wait)) waiter = &u;
    if (waiter == nullptr) continue;
    // The core another unit has held longest, once it has held it as long.
    Core* victim = nullptr;
    for (Core& k : cores_) {
      if (k.owner != id || k.releasing || k.slot < 0) continue;
      bool same_unit = c->SlotPid(static_cast<size_t>(k.slot)) == waiter->pid;
      if (same_unit || now_ns - k.owner_since_ns < kRotateAfterNs) continue;
      if (victim == nullptr || k.owner_since_ns < victim->owner_since_ns) victim = &k;
    }
    if (victim != nullptr) Revoke(victim, id, now_ns, "a turn for another of the container's processes");
  }
}

}  // namespace junction::sched
