// Which process of a bypass container owns each TCP connection that
// several of its processes hold since a fork (docs/network.md "Processes").
// The table lives in the container's shared region (sched/shm_protocol.h)
// after the port table; every process of the container (they inherit the
// mapping across fork) and the daemon see it.
//
// At a fork the forking process *shares* its connections: one slot per
// connection, keyed by (remote address, remote port, local port), says
// how many processes hold a copy and that none owns it yet (undecided).
// The first process that uses its copy *claims* the slot (a CAS naming
// its member number); the others forget theirs when they see that. The
// last holder to close an unclaimed copy claims it to close it properly.
// The owner *removes* the slot when its connection has left its stack.
// A generation in the state tells copies made by different forks apart:
// re-sharing an owned connection starts a new one, so a copy of an older
// generation (its process never looked) cannot claim the new one.
//
// Written by the container's processes (CAS on their own slots), read by
// the daemon (ClaimedBy), which trusts nothing here: a slot only names a
// member whose rings the daemon then checks are attached, so a container
// that scribbles on it misroutes its own packets and nobody else's.
#pragma once

#include <atomic>
#include <cstdint>

namespace junction::net {

inline constexpr uint32_t kFlowSlots = 4096;   // power of two
inline constexpr uint32_t kFlowProbes = 16;    // slots looked at per key
inline constexpr uint64_t kFlowFree = 0;       // keys: never used
inline constexpr uint64_t kFlowRemoved = ~uint64_t{0};  // used before (probes go on)
inline constexpr uint64_t kFlowBusy = ~uint64_t{1};     // being filled in (probes go on)
// (Neither can be a key: no TCP peer has address 255.255.255.255.)
inline constexpr uint32_t kFlowUndecided = 0xffff;      // owner: nobody yet

struct FlowSlot {
  std::atomic<uint64_t> key;    // FlowKey, kFlowFree or kFlowRemoved
  std::atomic<uint64_t> state;  // FlowState
};

struct NetFlowTable {
  FlowSlot slots[kFlowSlots];
};
static_assert(sizeof(NetFlowTable) % 4096 == 0);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// A connection of the container: the remote end and the local port (the
// local address is the container's: loopback connections are never shared).
inline constexpr uint64_t FlowKey(uint32_t remote_ip, uint16_t remote_port, uint16_t local_port) {
  return uint64_t{remote_ip} << 32 | uint64_t{remote_port} << 16 | local_port;
}

// The state word: generation (32 bits), holders (16), owner (16).
struct FlowState {
  uint32_t gen = 0;
  uint32_t holders = 0;
  uint32_t owner = kFlowUndecided;
  static FlowState Of(uint64_t w) {
    return {static_cast<uint32_t>(w >> 32), static_cast<uint32_t>(w >> 16 & 0xffff),
            static_cast<uint32_t>(w & 0xffff)};
  }
  uint64_t word() const {
    return uint64_t{gen} << 32 | uint64_t{holders & 0xffff} << 16 | (owner & 0xffff);
  }
};

inline uint32_t FlowSlotIndex(uint64_t key, uint32_t probe) {
  uint64_t h = key * 0x9e3779b97f4a7c15ull;
  return static_cast<uint32_t>((h >> 40) + probe) & (kFlowSlots - 1);
}

// The slot holding `key`, or nullptr.
inline FlowSlot* FindFlow(NetFlowTable* t, uint64_t key) {
  for (uint32_t i = 0; i < kFlowProbes; i++) {
    FlowSlot* s = &t->slots[FlowSlotIndex(key, i)];
    uint64_t k = s->key.load(std::memory_order_acquire);
    if (k == key) return s;
    if (k == kFlowFree) return nullptr;
  }
  return nullptr;
}

// The daemon's question: the member that owns the connection, or -1
// (none: undecided, unknown, or a word no member could have written).
inline int ClaimedBy(NetFlowTable* t, uint64_t key) {
  FlowSlot* s = FindFlow(t, key);
  if (s == nullptr) return -1;
  uint32_t owner = FlowState::Of(s->state.load(std::memory_order_acquire)).owner;
  return owner < 32 ? static_cast<int>(owner) : -1;
}

// Takes a free slot for `key` (not in the table) with `holders` and
// `owner`; the generation is the slot's previous one + 1, so no copy of a
// connection that used the slot before matches it (`*gen` in: 0 = any;
// else the one to use). False: no free slot among its probes.
inline bool InsertFlow(NetFlowTable* t, uint64_t key, uint32_t owner, uint32_t holders, uint32_t* gen) {
  for (uint32_t i = 0; i < kFlowProbes; i++) {
    FlowSlot* s = &t->slots[FlowSlotIndex(key, i)];
    uint64_t k = s->key.load(std::memory_order_acquire);
    if (k != kFlowFree && k != kFlowRemoved) continue;
    if (!s->key.compare_exchange_strong(k, kFlowBusy, std::memory_order_acq_rel)) continue;
    FlowState st{*gen, holders, owner};
    if (st.gen == 0) st.gen = FlowState::Of(s->state.load(std::memory_order_relaxed)).gen + 1;
    if (st.gen == 0) st.gen = 1;
    // The state, then the key (release): whoever finds the key sees it.
    s->state.store(st.word(), std::memory_order_release);
    s->key.store(key, std::memory_order_release);
    *gen = st.gen;
    return true;
  }
  return false;
}

// --- the container's side: only a process holding a copy of the
// connection calls these for its key ---

// Before a fork: one more process holds the connection. `*gen` is the
// generation of the caller's copy (0: never shared); on success it is the
// generation both copies have now, undecided. False: the caller's copy is
// stale (another process owns the connection now: forget it), or the
// table has no room (then nothing changed and `*gen` stays 0).
inline bool ShareFlow(NetFlowTable* t, uint64_t key, uint32_t member, uint32_t* gen) {
  if (FlowSlot* s = FindFlow(t, key)) {
    uint64_t w = s->state.load(std::memory_order_acquire);
    for (;;) {
      FlowState st = FlowState::Of(w);
      if (st.gen != *gen && *gen != 0) return false;
      FlowState next = st;
      if (*gen == 0 || st.owner == member) {
        // Ours (a new generation, undecided), or left over from a process
        // that died holding it: never shared, our copy is the connection.
        next = {st.gen + 1 == 0 ? 1 : st.gen + 1, 2, kFlowUndecided};
      } else if (st.owner == kFlowUndecided) {
        if (st.holders >= 0xffff) return false;
        next.holders++;
      } else {
        return false;
      }
      if (s->state.compare_exchange_weak(w, next.word(), std::memory_order_acq_rel)) {
        *gen = next.gen;
        return true;
      }
    }
  }
  if (*gen != 0) return false;  // shared once, gone since: not ours
  return InsertFlow(t, key, kFlowUndecided, 2, gen);
}

enum class FlowClaim { kOurs, kTheirs };

// The change an undecided copy of generation `gen` makes: `release`
// drops one holder (the last one takes it instead), else it takes it.
// kOurs: the caller owns it (now or before); kTheirs: another does, or
// (release) others still hold it.
inline FlowClaim DecideFlow(NetFlowTable* t, uint64_t key, uint32_t member, uint32_t gen,
                            bool release) {
  FlowSlot* s = FindFlow(t, key);
  if (s == nullptr) return FlowClaim::kTheirs;
  uint64_t w = s->state.load(std::memory_order_acquire);
  for (;;) {
    FlowState st = FlowState::Of(w);
    if (st.gen != gen) return FlowClaim::kTheirs;
    if (st.owner == member) return FlowClaim::kOurs;
    if (st.owner != kFlowUndecided) return FlowClaim::kTheirs;
    bool take = !release || st.holders <= 1;
    FlowState next = st;
    if (take) next.owner = member;
    else next.holders--;
    if (s->state.compare_exchange_weak(w, next.word(), std::memory_order_acq_rel))
      return take ? FlowClaim::kOurs : FlowClaim::kTheirs;
  }
}

// Before using an undecided copy: whether it is this process's (claimed
// now, or before) or another's (forget the copy).
inline FlowClaim ClaimFlow(NetFlowTable* t, uint64_t key, uint32_t member, uint32_t gen) {
  return DecideFlow(t, key, member, gen, false);
}

// Closing an undecided copy: kOurs if the caller was its last holder (it
// owns it now and must close it properly), else kTheirs (forget it; one
// holder fewer).
inline FlowClaim ReleaseFlow(NetFlowTable* t, uint64_t key, uint32_t member, uint32_t gen) {
  return DecideFlow(t, key, member, gen, true);
}

// The owner's connection left its stack: the slot is free for others.
inline void RemoveFlow(NetFlowTable* t, uint64_t key, uint32_t member, uint32_t gen) {
  FlowSlot* s = FindFlow(t, key);
  if (s == nullptr) return;
  FlowState st = FlowState::Of(s->state.load(std::memory_order_acquire));
  if (st.gen != gen || st.owner != member) return;
  uint64_t k = key;
  s->key.compare_exchange_strong(k, kFlowRemoved, std::memory_order_acq_rel);
}

// After a daemon restart the owner has member number `member`: its slot
// names it again, or is made anew (the new daemon removed those of
// members that were not the first process). False: no room.
inline bool RenumberFlow(NetFlowTable* t, uint64_t key, uint32_t old_member, uint32_t member,
                         uint32_t gen) {
  if (FlowSlot* s = FindFlow(t, key)) {
    uint64_t w = s->state.load(std::memory_order_acquire);
    FlowState st = FlowState::Of(w);
    if (st.gen != gen || st.owner != old_member) return false;
    st.owner = member;
    return s->state.compare_exchange_strong(w, st.word(), std::memory_order_acq_rel);
  }
  return InsertFlow(t, key, member, 1, &gen);
}

// The daemon, when member `member` leaves (or, with `member` < 0, when it
// adopts the region after a restart: every slot owned by a member but 0):
// their slots are removed so the next process given the number starts
// clean. Undecided slots stay (their holders may still use them).
inline void RemoveFlowsOf(NetFlowTable* t, int member) {
  for (FlowSlot& s : t->slots) {
    uint64_t k = s.key.load(std::memory_order_relaxed);
    if (k == kFlowFree || k == kFlowRemoved || k == kFlowBusy) continue;
    uint32_t owner = FlowState::Of(s.state.load(std::memory_order_relaxed)).owner;
    bool gone = member < 0 ? owner != 0 && owner != kFlowUndecided : owner == static_cast<uint32_t>(member);
    if (gone) s.key.compare_exchange_strong(k, kFlowRemoved, std::memory_order_relaxed);
  }
}

}  // namespace junction::net
