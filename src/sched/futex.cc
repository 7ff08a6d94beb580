#include "sched/futex.h"

#include <linux/futex.h>

#include <atomic>
#include <cerrno>

#include "sched/kthread.h"
#include "sched/spinlock.h"

namespace junction::sched {

namespace {

struct Waiter {
  uint32_t* uaddr;
  uint32_t bitset;
  Uthread* u;
  Waiter* next;
  Waiter* prev;
  bool queued;
};

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

void Enqueue(Bucket& b, Waiter* w) {
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

uint32_t Load(const uint32_t* p) {
  return reinterpret_cast<const std::atomic<uint32_t>*>(p)->load(std::memory_order_seq_cst);
}

// The caller has checked the guest may touch *uaddr.
long ParkOn(Bucket& b, Waiter& w, uint64_t deadline_ns) {
  // Called with b.lock held; releases it.
  Uthread* u = Current();
  w.u = u;
  u->wait_state.store(Uthread::kWaiting, std::memory_order_release);
  Enqueue(b, &w);
  b.lock.unlock();
  WakeReason why = Park(deadline_ns, true);
  if (why == WakeReason::kWoken) return 0;
  SpinGuard g(b.lock);
  Dequeue(b, &w);
  return why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
}

// Wakes up to n waiters on uaddr matching bitset; b.lock held.
int WakeLocked(Bucket& b, uint32_t* uaddr, int n, uint32_t bitset) {
  int woken = 0;
  Waiter* w = b.head;
  while (w && woken < n) {
    Waiter* next = w->next;
    if (w->uaddr == uaddr && (w->bitset & bitset)) {
      Dequeue(b, w);
      if (WakeUp(w->u, WakeReason::kWoken)) woken++;
    }
    w = next;
  }
  return woken;
}

}  // namespace

long FutexWait(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns) {
  if (bitset == 0) return -EINVAL;
  Bucket& b = BucketFor(uaddr);
  b.lock.lock();
  if (Load(uaddr) != val) {
    b.lock.unlock();
    return -EAGAIN;
  }
  Waiter w{uaddr, bitset, nullptr, nullptr, nullptr, false};
  return ParkOn(b, w, deadline_ns);
}

long FutexWake(uint32_t* uaddr, int n, uint32_t bitset) {
  if (bitset == 0) return -EINVAL;
  if (n <= 0) return 0;
  Bucket& b = BucketFor(uaddr);
  SpinGuard g(b.lock);
  return WakeLocked(b, uaddr, n, bitset);
}

long FutexWaitShared(uint32_t* uaddr, uint32_t val, uint32_t bitset, uint64_t deadline_ns,
                     SharedFutexSlot slot) {
  if (bitset == 0) return -EINVAL;
  constexpr uint64_t kFirstPollNs = 50000, kMaxPollNs = 2000000;
  uint64_t poll_ns = kFirstPollNs;
  Bucket& b = BucketFor(uaddr);
  for (bool first = true;; first = false) {
    // Counted before the value check: a waker that sees no waiter changed
    // the value before that check, so the check fails.
    slot.waiters->fetch_add(1, std::memory_order_seq_cst);
    uint32_t gen = slot.wakes->load(std::memory_order_seq_cst);
    b.lock.lock();
    if (Load(uaddr) != val) {
      b.lock.unlock();
      slot.waiters->fetch_sub(1, std::memory_order_relaxed);
      return first ? -EAGAIN : 0;
    }
    uint64_t poll_at = NowNs() + poll_ns;
    bool poll_first = deadline_ns == 0 || poll_at < deadline_ns;
    Waiter w{uaddr, bitset, nullptr, nullptr, nullptr, false};
    long r = ParkOn(b, w, poll_first ? poll_at : deadline_ns);
    slot.waiters->fetch_sub(1, std::memory_order_relaxed);
    if (r != -ETIMEDOUT || !poll_first) return r;
    if (slot.wakes->load(std::memory_order_acquire) != gen || Load(uaddr) != val) return 0;
    poll_ns = poll_ns * 2 < kMaxPollNs ? poll_ns * 2 : kMaxPollNs;
  }
}

long FutexWakeShared(uint32_t* uaddr, int n, uint32_t bitset, SharedFutexSlot slot) {
  if (bitset == 0) return -EINVAL;
  if (n <= 0) return 0;
  uint32_t waiting = slot.waiters->load(std::memory_order_seq_cst);
  if (waiting) slot.wakes->fetch_add(1, std::memory_order_seq_cst);
  Bucket& b = BucketFor(uaddr);
  SpinGuard g(b.lock);
  int local = 0;
  for (Waiter* w = b.head; w; w = w->next) local += w->uaddr == uaddr;
  int woken = WakeLocked(b, uaddr, n, bitset);
  // Waiters in other processes were told; count them as Linux would.
  int remote = static_cast<int>(waiting) - local;
  if (remote > 0 && woken < n) woken += remote < n - woken ? remote : n - woken;
  return woken;
}

void FutexNotifyShared(SharedFutexSlot slot) {
  if (slot.waiters->load(std::memory_order_seq_cst)) slot.wakes->fetch_add(1, std::memory_order_release);
}

long FutexRequeue(uint32_t* uaddr, uint32_t* uaddr2, int n_wake, int n_requeue, bool check,
                  uint32_t cmpval) {
  if (n_wake < 0 || n_requeue < 0) return -EINVAL;
  Bucket& b1 = BucketFor(uaddr);
  Bucket& b2 = BucketFor(uaddr2);
  // Lock order: lower address first.
  Bucket* first = &b1 < &b2 ? &b1 : &b2;
  Bucket* second = &b1 < &b2 ? &b2 : &b1;
  first->lock.lock();
  if (second != first) second->lock.lock();
  long result = 0;
  if (check && Load(uaddr) != cmpval) {
    result = -EAGAIN;
  } else {
    result = WakeLocked(b1, uaddr, n_wake, FUTEX_BITSET_MATCH_ANY);
    int moved = 0;
    Waiter* w = b1.head;
    while (w && moved < n_requeue) {
      Waiter* next = w->next;
      if (w->uaddr == uaddr) {
        Dequeue(b1, w);
        w->uaddr = uaddr2;
        Enqueue(b2, w);
        moved++;
      }
      w = next;
    }
    result += moved;
  }
  if (second != first) second->lock.unlock();
  first->lock.unlock();
  return result;
}

long FutexWakeOp(uint32_t* uaddr, uint32_t* uaddr2, int n, int n2, uint32_t encoded) {
  int op = (encoded >> 28) & 0xf, cmp = (encoded >> 24) & 0xf;
  uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
  if (op & FUTEX_OP_OPARG_SHIFT) {
    op &= ~FUTEX_OP_OPARG_SHIFT;
    if (oparg > 31) return -EINVAL;
    oparg = 1u << oparg;
  }
  auto* a2 = reinterpret_cast<std::atomic<uint32_t>*>(uaddr2);
  uint32_t old = a2->load();
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
    if (a2->compare_exchange_weak(old, nv)) break;
  }
  long woken = FutexWake(uaddr, n, FUTEX_BITSET_MATCH_ANY);
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
  if (hit) woken += FutexWake(uaddr2, n2, FUTEX_BITSET_MATCH_ANY);
  return woken;
}

long FutexLockPi(uint32_t* uaddr, int tid, uint64_t deadline_ns, bool try_only) {
  auto* word = reinterpret_cast<std::atomic<uint32_t>*>(uaddr);
  Bucket& b = BucketFor(uaddr);
  for (;;) {
    b.lock.lock();
    uint32_t v = word->load();
    if ((v & FUTEX_TID_MASK) == 0) {
      // Free (or its owner died): take it, keeping the waiters bit.
      uint32_t nv = static_cast<uint32_t>(tid) | (v & FUTEX_WAITERS);
      if (word->compare_exchange_strong(v, nv)) {
        b.lock.unlock();
        return 0;
      }
      b.lock.unlock();
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
    if (!(v & FUTEX_WAITERS) && !word->compare_exchange_strong(v, v | FUTEX_WAITERS)) {
      b.lock.unlock();
      continue;
    }
    Waiter w{uaddr, FUTEX_BITSET_MATCH_ANY, nullptr, nullptr, nullptr, false};
    long r = ParkOn(b, w, deadline_ns);
    if (r == -ETIMEDOUT || r == -EINTR) return r == -EINTR ? -EINTR : -ETIMEDOUT;
    // Woken by an unlock that handed the lock to us.
    if (static_cast<int>(word->load() & FUTEX_TID_MASK) == tid) return 0;
  }
}

long FutexUnlockPi(uint32_t* uaddr, int tid) {
  auto* word = reinterpret_cast<std::atomic<uint32_t>*>(uaddr);
  Bucket& b = BucketFor(uaddr);
  SpinGuard g(b.lock);
  uint32_t v = word->load();
  if (static_cast<int>(v & FUTEX_TID_MASK) != tid) return -EPERM;
  // Hand the lock to the first waiter that can still take it.
  for (;;) {
    Waiter* w = b.head;
    while (w && w->uaddr != uaddr) w = w->next;
    if (!w) break;
    bool more = false;
    for (Waiter* o = w->next; o; o = o->next) more |= o->uaddr == uaddr;
    Dequeue(b, w);
    word->store(static_cast<uint32_t>(w->u->tid) | (more ? FUTEX_WAITERS : 0));
    if (WakeUp(w->u, WakeReason::kWoken)) return 0;
    // It had already timed out or been interrupted: try the next one.
  }
  word->store(0);
  return 0;
}

void ResetFutexesAfterFork() {
  for (Bucket& b : g_buckets) {
    b.head = nullptr;
    b.lock.unlock();
  }
}

}  // namespace junction::sched
