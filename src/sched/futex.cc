#include "sched/futex.h"

#include <linux/futex.h>

#include <atomic>
#include <cerrno>

#include "libos/entry/safe_copy.h"
#include "sched/doorbell.h"
#include "sched/kthread.h"
#include "sched/single_kthread.h"
#include "sched/spinlock.h"

namespace junction::sched {

namespace {

struct Bucket;

struct Waiter {
  uint32_t* uaddr;
  uint32_t bitset;
  Uthread* u;
  Waiter* next;
  Waiter* prev;
  bool queued;
  // FUTEX_WAIT_REQUEUE_PI: the PI futex it may be requeued to.
  uint32_t* pi_target = nullptr;
  // The bucket it is queued in (a requeue moves it; changed under both
  // buckets' locks).
  Bucket* bucket = nullptr;
  // Waited without FUTEX_PRIVATE_FLAG: only a non-private operation
  // finds it (Linux keys the two kinds apart for every kind of memory).
  bool shared = false;
  // FutexWaitShared: its slot's count of waiters, which counts it until a
  // wake takes it off its bucket (WakeLocked) or it ends the wait itself.
  std::atomic<uint32_t>* slot_waiters = nullptr;
};

bool Is(const Waiter* w, const uint32_t* uaddr, bool shared) {
  return w->uaddr == uaddr && w->shared == shared;
}

struct alignas(64) Bucket {
  SpinLock lock;
  Waiter* head = nullptr;
};

constexpr int kBuckets = 256;
Bucket g_buckets[kBuckets];

Bucket& BucketFor(const uint32_t* uaddr) {
  auto a = reinterpret_cast<uintptr_t>(uaddr);
  return g_buckets[(a >> 2) * 0x9E3779B97F4A7C15ull >> 56 & (kBuckets - 1)];
}

// The two buckets of a two-word operation held for its scope: lower
// address first (the lock order), once if they are the same bucket.
class BucketPairGuard {
 public:
  BucketPairGuard(Bucket& a, Bucket& b) : first_(&a < &b ? &a : &b), second_(&a < &b ? &b : &a) {
    first_->lock.lock();
    if (second_ != first_) second_->lock.lock();
  }
  ~BucketPairGuard() {
    if (second_ != first_) second_->lock.unlock();
    first_->lock.unlock();
  }
  BucketPairGuard(const BucketPairGuard&) = delete;
  BucketPairGuard& operator=(const BucketPairGuard&) = delete;

 private:
  Bucket* first_;
  Bucket* second_;
};

void Enqueue(Bucket& b, Waiter* w) {
  __atomic_store_n(&w->bucket, &b, __ATOMIC_RELEASE);
  w->prev = nullptr;
  w->next = b.head;
  if (b.head) b.head->prev = w;
  b.head = w;
  w->queued = true;
}

void Dequeue(Bucket& b, Waiter* w) {
  if (!w->queued) return;
  if (w->prev)
    w->prev->next = w->next;
  else
    b.head = w->next;
  if (w->next) w->next->prev = w->prev;
  w->queued = false;
}

// The guest's futex word, read with the fault-tolerant load (a word past a
// mapped file's end, or unmapped meanwhile, is EFAULT, not a LibOS crash):
// false if it faulted. A plain `mov` is a seq_cst load on x86.
bool Load(const uint32_t* p, uint32_t* v) { return libos::SafeLoad32(p, v); }

// Takes a waiter off its bucket to wake it: from then on it no longer
// counts in its shared slot (FutexWaitShared).
[[gnu::always_inline]] inline void TakeOff(Bucket& b, Waiter* w) {
  Dequeue(b, w);
  if (w->slot_waiters) w->slot_waiters->fetch_sub(1, std::memory_order_seq_cst);
}

// Takes the caller's own waiter off whatever bucket it is in now (a
// requeue may have moved it). Returns true if it was still queued.
bool DequeueSelf(Waiter* w) {
  for (;;) {
    Bucket* b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
    SchedGuard g(b->lock);
    if (__atomic_load_n(&w->bucket, __ATOMIC_RELAXED) != b) continue;
    bool was = w->queued;
    Dequeue(*b, w);
    return was;
  }
}

// The caller has checked the guest may touch *uaddr. Inline: a futex
// wait's frames are part of every ping-pong round trip.
// `taken`: set when a timeout or signal came first but a waker had taken
// the waiter off its bucket meanwhile (WakeLocked with `count_taken`).
[[gnu::always_inline]] inline long ParkOn(Bucket& b, Waiter& w, uint64_t deadline_ns, bool* taken = nullptr) {
  // Called with b.lock held; releases it.
  Uthread* u = Current();
  w.u = u;
  u->BeginWait();
  Enqueue(b, &w);
  b.lock.unlock();
  WakeReason why = Park(deadline_ns, true);
  if (why == WakeReason::kWoken) return 0;
  bool was_queued = DequeueSelf(&w);
  if (taken) *taken = !was_queued;
  return why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
}

// Wakes up to n waiters on uaddr matching bitset; b.lock held.
// `count_taken`: a waiter whose timeout or signal came first is counted
// too: it finds itself taken off the bucket and returns 0, as Linux's
// futex_wait does for a waiter a wake unqueued (FutexWaitShared). Inline:
// a wake's frames are part of every ping-pong round trip, as a wait's.
[[gnu::always_inline]] inline int WakeLocked(Bucket& b, uint32_t* uaddr, int n, uint32_t bitset, bool shared, bool count_taken = false) {
  int woken = 0;
  Waiter* w = b.head;
  while (w && woken < n) {
    Waiter* next = w->next;
    if (Is(w, uaddr, shared) && (w->bitset & bitset)) {
      TakeOff(b, w);
      if (WakeUp(w->u, WakeReason::kWoken) || count_taken) woken++;
    }
    w = next;
  }
  return woken;
}

}  // namespace

long FutexWait(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns, bool shared) {
  if (bitset == 0) return -EINVAL;
  Bucket& b = BucketFor(uaddr);
  LockSched(b.lock);
  uint32_t cur;
  bool loaded = Load(uaddr, &cur);
  if (!loaded || cur != val) {
    b.lock.unlock();
    return loaded ? -EAGAIN : -EFAULT;
  }
  // Field by field: ParkOn and Enqueue set the links, the owner and
  // `queued` (aggregate initialisation zeroed all 72 bytes first).
  Waiter w;
  w.uaddr = uaddr;
  w.bitset = bitset;
  w.shared = shared;
  return ParkOn(b, w, deadline_ns);
}

long FutexWake(uint32_t* uaddr, int n, uint32_t bitset, bool shared) {
  if (bitset == 0) return -EINVAL;
  if (n <= 0) return 0;
  Bucket& b = BucketFor(uaddr);
  SchedGuard g(b.lock);
  return WakeLocked(b, uaddr, n, bitset, shared);
}

namespace {

// A waiter of FutexWaitShared: also on this process's list of shared
// waiters, which a ring of its doorbell looks through.
struct SharedWaiter : Waiter {
  SharedWaitSlot* slot = nullptr;
  uint32_t gen = 0;  // slot->wakes when it was listed
  SharedWaiter* xnext = nullptr;
  SharedWaiter* xprev = nullptr;
};

// Lock order: a bucket's lock, then this one, then run queues (WakeUp).
SpinLock g_shared_lock;
SharedWaiter* g_shared_head = nullptr;  // under g_shared_lock

void LinkShared_locked(SharedWaiter* w) {
  w->xprev = nullptr;
  w->xnext = g_shared_head;
  if (g_shared_head) g_shared_head->xprev = w;
  g_shared_head = w;
}

void UnlinkShared_locked(SharedWaiter* w) {
  if (w->xprev) w->xprev->xnext = w->xnext;
  else g_shared_head = w->xnext;
  if (w->xnext) w->xnext->xprev = w->xprev;
}

}  // namespace

long FutexWaitShared(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns,
                     SharedWaitSlot* slot) {
  if (bitset == 0) return -EINVAL;
  Bucket& b = BucketFor(uaddr);
  Uthread* u = Current();
  SharedWaiter w{};
  w.uaddr = uaddr;
  w.bitset = bitset;
  w.u = u;
  w.shared = true;
  w.slot_waiters = &slot->waiters;
  w.slot = slot;
  // Counted in the slot from before the value check (a waker in another
  // process that sees no waiter changed the value before that check, so
  // the check fails) until a wake takes it off the bucket or it returns,
  // and counted under the bucket's lock, as it is queued and taken off:
  // a waker here then finds every counted waiter of this process queued,
  // and credits only the rest to other processes (FutexWakeShared). Listed
  // in the slot (which processes to ring) and on this process's list with
  // the counter's value before the check too: a wake after that bumps the
  // counter and rings us, and the ring finds us listed.
  b.lock.lock();
  slot->waiters.fetch_add(1, std::memory_order_seq_cst);
  bool listed;
  {
    SpinGuard g(g_shared_lock);
    listed = RegisterSlotWaiter_locked(slot);
    w.gen = slot->wakes.load(std::memory_order_seq_cst);
    LinkShared_locked(&w);
  }
  long ret;
  bool counted = true;  // a waker that takes it off the bucket uncounts it
  for (bool first = true;; first = false) {
    uint32_t cur;  // b.lock held
    bool loaded = Load(uaddr, &cur);
    if (!loaded || cur != val) {
      ret = !loaded ? -EFAULT : first ? -EAGAIN : 0;
      break;
    }
    w.uaddr = uaddr;
    u->BeginWait();
    Enqueue(b, &w);
    // A ring that came before the announcement found it not waiting
    // (FutexWakeRungSharedWaiters): the counter says so now.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (slot->wakes.load(std::memory_order_seq_cst) != w.gen) {
      Dequeue(b, &w);
      u->EndWait();  // (a signal that claimed it stays pending)
      ret = 0;
      break;
    }
    b.lock.unlock();
    WakeReason why = Park(deadline_ns, true);
    bool was_queued = why != WakeReason::kWoken && DequeueSelf(&w);
    b.lock.lock();
    // Woken, or a waker took it off the bucket (and counted it) just as
    // a ring, the deadline or a signal ended the wait: the waker uncounted it.
    if (!was_queued) {
      counted = false;
      ret = 0;
      break;
    }
    if (why == WakeReason::kRung) {
      if (slot->wakes.load(std::memory_order_acquire) == w.gen) continue;
      ret = 0;  // a wake from another process (or of another word of the slot)
      break;
    }
    ret = why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
    break;
  }
  if (counted) slot->waiters.fetch_sub(1, std::memory_order_seq_cst);
  {
    SpinGuard g(g_shared_lock);
    UnlinkShared_locked(&w);
    UnregisterSlotWaiter_locked(slot, listed);
  }
  b.lock.unlock();
  return ret;
}

long FutexWakeShared(uint32_t* uaddr, int n, uint32_t bitset, SharedWaitSlot* slot) {
  if (bitset == 0) return -EINVAL;
  if (n <= 0) return 0;
  Bucket& b = BucketFor(uaddr);
  uint32_t waiting;
  int local = 0, woken;
  {
    SpinGuard g(b.lock);
    waiting = slot->waiters.load(std::memory_order_seq_cst);
    if (waiting) slot->wakes.fetch_add(1, std::memory_order_seq_cst);
    for (Waiter* w = b.head; w; w = w->next) local += Is(w, uaddr, true);
    woken = WakeLocked(b, uaddr, n, bitset, true, true);
  }
  // Others wait on the slot: in other processes (rung, after the lock:
  // ringing may take a host call), or here on another word of the slot (the
  // same file page mapped twice).
  int dead = 0;  // counted waiters of processes that died waiting
  if (static_cast<int>(waiting) > local) {
    dead = RingSlotWaiters(slot);
    if (OwnSlotWaiters(slot) > local) FutexWakeRungSharedWaiters(uaddr);
  }
  // Waiters in other processes were told; count them as Linux would.
  int remote = static_cast<int>(waiting) - local - dead;
  if (remote > 0 && woken < n) woken += remote < n - woken ? remote : n - woken;
  return woken;
}

void FutexNotifyShared(SharedWaitSlot* slot) {
  if (!slot->waiters.load(std::memory_order_seq_cst)) return;
  slot->wakes.fetch_add(1, std::memory_order_seq_cst);
  RingSlotWaiters(slot);
}

void FutexWakeRungSharedWaiters(const uint32_t* except) {
  SpinGuard g(g_shared_lock);
  for (SharedWaiter* w = g_shared_head; w; w = w->xnext) {
    if (__atomic_load_n(&w->uaddr, __ATOMIC_RELAXED) == except) continue;
    // Not yet waiting: it sees the counter itself (FutexWaitShared).
    if (w->slot->wakes.load(std::memory_order_seq_cst) != w->gen) WakeUp(w->u, WakeReason::kRung);
  }
}

long FutexRequeue(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue, bool check,
                  uint32_t cmpval, bool shared) {
  if (n_wake < 0 || n_requeue < 0) return -EINVAL;
  Bucket& b1 = BucketFor(uaddr);
  Bucket& b2 = BucketFor(uaddr2);
  BucketPairGuard g(b1, b2);
  long result = 0;
  uint32_t cur = cmpval;
  if (check && !Load(uaddr, &cur)) {
    result = -EFAULT;
  } else if (cur != cmpval) {
    result = -EAGAIN;
  } else {
    result = WakeLocked(b1, uaddr, n_wake, FUTEX_BITSET_MATCH_ANY, shared);
    int moved = 0;
    Waiter* w = b1.head;
    while (w && moved < n_requeue) {
      Waiter* next = w->next;
      if (Is(w, uaddr, shared)) {
        Dequeue(b1, w);
        w->uaddr = uaddr2;
        Enqueue(b2, w);
        moved++;
      }
      w = next;
    }
    result += moved;
  }
  return result;
}

long FutexWakeOp(uint32_t* uaddr, uint32_t* uaddr2, int n, int n2, uint32_t encoded, bool shared) {
  int op = (encoded >> 28) & 0xf, cmp = (encoded >> 24) & 0xf;
  uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
  if (op & FUTEX_OP_OPARG_SHIFT) {
    op &= ~FUTEX_OP_OPARG_SHIFT;
    if (oparg > 31) return -EINVAL;
    oparg = 1u << oparg;
  }
  uint32_t old;
  if (!Load(uaddr2, &old)) return -EFAULT;
  for (;;) {
    uint32_t nv;
    switch (op) {
      case FUTEX_OP_SET: nv = oparg; break;
      case FUTEX_OP_ADD: nv = old + oparg; break;
      case FUTEX_OP_OR: nv = old | oparg; break;
      case FUTEX_OP_ANDN: nv = old & ~oparg; break;
      case FUTEX_OP_XOR: nv = old ^ oparg; break;
      default: return -ENOSYS;
    }
    int swapped = libos::SafeCmpxchg32(uaddr2, &old, nv);
    if (swapped < 0) return -EFAULT;
    if (swapped) break;
  }
  long woken = FutexWake(uaddr, n, FUTEX_BITSET_MATCH_ANY, shared);
  bool hit;
  switch (cmp) {
    case FUTEX_OP_CMP_EQ: hit = old == cmparg; break;
    case FUTEX_OP_CMP_NE: hit = old != cmparg; break;
    case FUTEX_OP_CMP_LT: hit = static_cast<int>(old) < static_cast<int>(cmparg); break;
    case FUTEX_OP_CMP_LE: hit = static_cast<int>(old) <= static_cast<int>(cmparg); break;
    case FUTEX_OP_CMP_GT: hit = static_cast<int>(old) > static_cast<int>(cmparg); break;
    case FUTEX_OP_CMP_GE: hit = static_cast<int>(old) >= static_cast<int>(cmparg); break;
    default: return -ENOSYS;
  }
  if (hit) woken += FutexWake(uaddr2, n2, FUTEX_BITSET_MATCH_ANY, shared);
  return woken;
}

long FutexLockPi(uint32_t* uaddr, int tid, uint64_t deadline_ns, bool try_only, bool shared) {
  Bucket& b = BucketFor(uaddr);
  for (;;) {
    b.lock.lock();
    uint32_t v;
    if (!Load(uaddr, &v)) {
      b.lock.unlock();
      return -EFAULT;
    }
    if ((v & FUTEX_TID_MASK) == 0) {
      // Free (or its owner died): take it, keeping the waiters bit.
      uint32_t nv = static_cast<uint32_t>(tid) | (v & FUTEX_WAITERS);
      int swapped = libos::SafeCmpxchg32(uaddr, &v, nv);
      b.lock.unlock();
      if (swapped < 0) return -EFAULT;
      if (swapped) return 0;
      continue;
    }
    if (static_cast<int>(v & FUTEX_TID_MASK) == tid) {
      b.lock.unlock();
      return -EDEADLK;
    }
    if (try_only) {
      b.lock.unlock();
      return -EBUSY;
    }
    if (!(v & FUTEX_WAITERS)) {
      int swapped = libos::SafeCmpxchg32(uaddr, &v, v | FUTEX_WAITERS);
      if (swapped <= 0) {
        b.lock.unlock();
        if (swapped < 0) return -EFAULT;
        continue;
      }
    }
    Waiter w{uaddr, FUTEX_BITSET_MATCH_ANY, nullptr, nullptr, nullptr, false};
    w.shared = shared;
    long r = ParkOn(b, w, deadline_ns);
    if (r == -ETIMEDOUT || r == -EINTR) return r == -EINTR ? -EINTR : -ETIMEDOUT;
    // Woken by an unlock that handed the lock to us (a word that faults
    // now: the next round says EFAULT).
    if (Load(uaddr, &v) && static_cast<int>(v & FUTEX_TID_MASK) == tid) return 0;
  }
}

long FutexUnlockPi(uint32_t* uaddr, int tid, bool shared) {
  Bucket& b = BucketFor(uaddr);
  SpinGuard g(b.lock);
  uint32_t v;
  if (!Load(uaddr, &v)) return -EFAULT;
  if (static_cast<int>(v & FUTEX_TID_MASK) != tid) return -EPERM;
  // Hand the lock to the first waiter that can still take it.
  for (;;) {
    Waiter* w = b.head;
    while (w && !Is(w, uaddr, shared)) w = w->next;
    if (!w) break;
    bool more = false;
    for (Waiter* o = w->next; o; o = o->next) more |= Is(o, uaddr, shared);
    TakeOff(b, w);
    // A word that faults: the waiter is woken all the same and finds it so.
    bool stored = libos::SafeStore32(uaddr, static_cast<uint32_t>(w->u->tid) | (more ? FUTEX_WAITERS : 0));
    bool woken = WakeUp(w->u, WakeReason::kWoken);
    if (!stored) return -EFAULT;
    if (woken) return 0;
    // It had already timed out or been interrupted: try the next one.
  }
  return libos::SafeStore32(uaddr, 0) ? 0 : -EFAULT;
}

long FutexWaitv(const FutexWaitvEntry* entries, int n, uint64_t deadline_ns) {
  if (n <= 0 || n > kFutexWaitvMax) return -EINVAL;
  Uthread* u = Current();
  Waiter waiters[kFutexWaitvMax];
  // Announce the wait first: a wake on a word already queued counts even
  // if a later word's value no longer matches.
  u->BeginWait();
  int queued = 0;
  bool mismatch = false;
  long mismatch_error = -EAGAIN;
  for (; queued < n; queued++) {
    Waiter& w = waiters[queued];
    w = Waiter{entries[queued].uaddr, FUTEX_BITSET_MATCH_ANY, u, nullptr, nullptr, false};
    w.shared = entries[queued].shared;
    Bucket& b = BucketFor(w.uaddr);
    SpinGuard g(b.lock);
    uint32_t cur;
    if (!Load(w.uaddr, &cur) || cur != entries[queued].val) {
      mismatch = true;
      if (!Load(w.uaddr, &cur)) mismatch_error = -EFAULT;
      break;
    }
    Enqueue(b, &w);
  }
  WakeReason why = WakeReason::kNone;
  if (mismatch) {
    // Not parked: take back the announcement (or a wake that came meanwhile).
    int st = u->EndWait();
    if (st >= Uthread::kWokenUp) why = static_cast<WakeReason>(st - Uthread::kWokenUp);
  } else {
    why = Park(deadline_ns, true);
  }
  // The index of the (last) word whose waiter a waker took off its queue.
  int woken = -1;
  for (int i = 0; i < queued; i++)
    if (!DequeueSelf(&waiters[i])) woken = i;
  if (woken >= 0) return woken;
  if (mismatch) return mismatch_error;
  return why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
}

long FutexWaitRequeuePi(uint32_t* uaddr, uint32_t val, uint32_t* uaddr2, int tid,
                        uint64_t deadline_ns, bool shared) {
  if (uaddr == uaddr2) return -EINVAL;
  Bucket& b = BucketFor(uaddr);
  b.lock.lock();
  uint32_t cur;
  bool loaded = Load(uaddr, &cur);
  if (!loaded || cur != val) {
    b.lock.unlock();
    return loaded ? -EAGAIN : -EFAULT;
  }
  Waiter w{uaddr, FUTEX_BITSET_MATCH_ANY, nullptr, nullptr, nullptr, false};
  w.pi_target = uaddr2;
  w.shared = shared;
  long r = ParkOn(b, w, deadline_ns);
  // Woken by FUTEX_CMP_REQUEUE_PI taking uaddr2 for it, or, once requeued,
  // by FUTEX_UNLOCK_PI handing it over: either way it owns uaddr2 now. A
  // timeout or signal racing the hand-over still returns with the lock.
  if (r == 0 || (Load(uaddr2, &cur) && static_cast<int>(cur & FUTEX_TID_MASK) == tid)) return 0;
  return r;
}

long FutexCmpRequeuePi(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue,
                       uint32_t cmpval, bool shared) {
  if (n_wake != 1 || n_requeue < 0 || uaddr == uaddr2) return -EINVAL;
  Bucket& b1 = BucketFor(uaddr);
  Bucket& b2 = BucketFor(uaddr2);
  BucketPairGuard g(b1, b2);
  long count = 0;
  uint32_t cur;
  if (!Load(uaddr, &cur)) {
    count = -EFAULT;
  } else if (cur != cmpval) {
    count = -EAGAIN;
  } else {
    // Every waiter on uaddr must be a FUTEX_WAIT_REQUEUE_PI waiter for uaddr2.
    for (Waiter* w = b1.head; w; w = w->next)
      if (Is(w, uaddr, shared) && w->pi_target != uaddr2) count = -EINVAL;
    bool top_done = false;
    int requeued = 0;
    Waiter* w = b1.head;
    while (count >= 0 && w) {
      Waiter* next = w->next;
      if (!Is(w, uaddr, shared)) {
        w = next;
        continue;
      }
      if (!top_done) {
        top_done = true;
        // The top waiter takes uaddr2 at once if it is free (the kernel's
        // futex_proxy_trylock_atomic).
        bool more = false;
        for (Waiter* o = next; o; o = o->next) more |= Is(o, uaddr, shared);
        uint32_t v;
        if (!Load(uaddr2, &v)) {
          count = -EFAULT;
          break;
        }
        if ((v & FUTEX_TID_MASK) == 0) {
          uint32_t nv = static_cast<uint32_t>(w->u->tid) | (v & FUTEX_WAITERS) |
                        (more && n_requeue > 0 ? FUTEX_WAITERS : 0);
          int swapped = libos::SafeCmpxchg32(uaddr2, &v, nv);
          if (swapped < 0) {
            count = -EFAULT;
            break;
          }
          if (swapped) {
            TakeOff(b1, w);
            w->pi_target = nullptr;
            if (WakeUp(w->u, WakeReason::kWoken)) count++;
            w = next;
            continue;
          }
        }
      }
      if (requeued >= n_requeue) break;
      // Requeued as a waiter of the PI lock uaddr2, which FUTEX_UNLOCK_PI
      // hands it.
      uint32_t v;
      int swapped = Load(uaddr2, &v) ? 0 : -1;
      while (swapped == 0 && !(v & FUTEX_WAITERS)) swapped = libos::SafeCmpxchg32(uaddr2, &v, v | FUTEX_WAITERS);
      if (swapped < 0) {
        count = count ? count : -EFAULT;
        break;
      }
      Dequeue(b1, w);
      w->uaddr = uaddr2;
      w->pi_target = nullptr;
      Enqueue(b2, w);
      requeued++;
      count++;
      w = next;
    }
  }
  return count;
}

void PrepareFutexesForFork() {
  // A bucket page nothing has touched is not mapped: the child's reset
  // below, reading it, would take a fault for each. Read once here, it
  // maps the zero page, whose entry the fork copies like any other.
  static std::atomic<bool> done{false};
  if (done.load(std::memory_order_relaxed) || done.exchange(true)) return;
  const auto* bytes = reinterpret_cast<const volatile char*>(g_buckets);
  for (size_t off = 0; off < sizeof(g_buckets); off += 4096) (void)bytes[off];
  (void)bytes[sizeof(g_buckets) - 1];
}

void ResetFutexesAfterFork() {
  // Only buckets in use are written (each page written is a copy-on-write
  // fault in the child).
  for (Bucket& b : g_buckets) {
    if (b.head) b.head = nullptr;
    if (b.lock.is_locked()) b.lock.unlock();
  }
  if (g_shared_head) g_shared_head = nullptr;
  if (g_shared_lock.is_locked()) g_shared_lock.unlock();
  ResetDoorbellAfterFork();
}

}  // namespace junction::sched
