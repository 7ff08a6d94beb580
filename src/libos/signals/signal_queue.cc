#include "libos/signals/signal_queue.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>

#include "libos/host/host.h"
#include "base/fork_written.h"

namespace junction::libos {

namespace {

// Pool capacity: the most real-time instances pending at once in one
// LibOS process, whatever RLIMIT_SIGPENDING allows (docs/architecture.md).
constexpr int kPoolSize = 4096;
constexpr int kWords = kPoolSize / 64;

enum NodeState : uint32_t { kFree, kFilling, kReady, kTaking };

struct RtNode {
  std::atomic<uint32_t> state{kFree};
  std::atomic<int> sig{0};
  std::atomic<const void*> owner{nullptr};
  std::atomic<uint64_t> seq{0};  // FIFO order within a signal number
  siginfo_t info{};  // value-initialised: the pool is constant-initialised (bss, untouched until used)
};

constinit RtNode g_nodes[kPoolSize];
// Not on the fork-written page: a child writes it only if the parent had
// signals queued (ResetSignalQueues reads it), and the page's room went to
// kthread 0 (sched/kthread.cc).
std::atomic<uint64_t> g_used[kWords];  // slots not free (any state)
std::atomic<int> g_count{0};            // slots holding an instance
std::atomic<uint64_t> g_seq{0};
std::atomic<long> g_rlimit{-1};
// The container-wide count and this process's share (SetSignalQueueAccount).
JUNCTION_FORK_WRITTEN std::atomic<std::atomic<int32_t>*> g_total{nullptr};
JUNCTION_FORK_WRITTEN std::atomic<std::atomic<int32_t>*> g_mine{nullptr};

uint64_t Bit(int sig) { return uint64_t{1} << (sig - 1); }

// Bumped when another process sets this one's limit (SetSignalQueueLimitChanges).
std::atomic<std::atomic<uint32_t>*> g_limit_changes{nullptr};
std::atomic<uint32_t> g_limit_changes_seen{0};

long Rlimit() {
  std::atomic<uint32_t>* changes = g_limit_changes.load(std::memory_order_relaxed);
  uint32_t now = changes ? changes->load(std::memory_order_relaxed) : 0;
  long v = g_rlimit.load(std::memory_order_relaxed);
  if (v >= 0 && now == g_limit_changes_seen.load(std::memory_order_relaxed)) return v;
  g_limit_changes_seen.store(now, std::memory_order_relaxed);
  struct rlimit r{};
  if (host::Syscall(SYS_prlimit64, 0, RLIMIT_SIGPENDING, 0, host::L(&r)) != 0) r.rlim_cur = kPoolSize;
  v = r.rlim_cur > 0x7fffffff ? 0x7fffffff : static_cast<long>(r.rlim_cur);
  g_rlimit.store(v, std::memory_order_relaxed);
  return v;
}

int AllocSlot() {
  for (int w = 0; w < kWords; w++) {
    uint64_t v = g_used[w].load(std::memory_order_relaxed);
    while (~v) {
      int b = __builtin_ctzll(~v);
      if (g_used[w].compare_exchange_weak(v, v | (uint64_t{1} << b), std::memory_order_acquire))
        return w * 64 + b;
    }
  }
  return -1;
}

// Counts one more instance container-wide; false at the limit.
bool Reserve(long limit) {
  std::atomic<int32_t>* total = g_total.load(std::memory_order_acquire);
  std::atomic<int32_t>* mine = g_mine.load(std::memory_order_acquire);
  if (!total || !mine) return true;
  if (total->fetch_add(1, std::memory_order_relaxed) >= limit) {
    total->fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  mine->fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Unreserve() {
  std::atomic<int32_t>* total = g_total.load(std::memory_order_acquire);
  std::atomic<int32_t>* mine = g_mine.load(std::memory_order_acquire);
  if (!total || !mine) return;
  mine->fetch_sub(1, std::memory_order_relaxed);
  total->fetch_sub(1, std::memory_order_relaxed);
}

void FreeSlot(int i) {
  g_nodes[i].state.store(kFree, std::memory_order_relaxed);
  g_used[i / 64].fetch_and(~(uint64_t{1} << (i % 64)), std::memory_order_release);
  g_count.fetch_sub(1, std::memory_order_relaxed);
  Unreserve();
}

bool Matches(const RtNode& n, const void* owner, int sig) {
  return n.state.load(std::memory_order_acquire) == kReady &&
         n.owner.load(std::memory_order_relaxed) == owner &&
         n.sig.load(std::memory_order_relaxed) == sig;
}

// The oldest ready instance of `sig` for `owner`, or -1.
int Oldest(const void* owner, int sig) {
  int best = -1;
  uint64_t best_seq = 0;
  for (int w = 0; w < kWords; w++) {
    uint64_t v = g_used[w].load(std::memory_order_acquire);
    while (v) {
      int i = w * 64 + __builtin_ctzll(v);
      v &= v - 1;
      const RtNode& n = g_nodes[i];
      if (!Matches(n, owner, sig)) continue;
      uint64_t s = n.seq.load(std::memory_order_relaxed);
      if (best < 0 || s < best_seq) best = i, best_seq = s;
    }
  }
  return best;
}

// Claims the oldest ready instance (kTaking), or -1 if there is none.
int ClaimOldest(const void* owner, int sig) {
  for (;;) {
    int i = Oldest(owner, sig);
    if (i < 0) return -1;
    RtNode& n = g_nodes[i];
    uint32_t ready = kReady;
    if (!n.state.compare_exchange_strong(ready, kTaking, std::memory_order_acquire)) continue;
    // The slot may have been taken and reused since Oldest looked.
    if (n.owner.load(std::memory_order_relaxed) == owner && n.sig.load(std::memory_order_relaxed) == sig)
      return i;
    n.state.store(kReady, std::memory_order_release);
  }
}

// What a signal whose siginfo was lost reads as (Linux: kill()'s).
siginfo_t LostInfo(int sig) {
  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  info.si_signo = sig;
  info.si_code = SI_USER;
  return info;
}

}  // namespace

bool EnqueueSignal(const void* owner, uint64_t* mask, siginfo_t* std_info, const siginfo_t& info) {
  int sig = info.si_signo;
  if (sig < kFirstRtSignal) {
    // Coalesced: the first instance's siginfo stays.
    if (__atomic_load_n(mask, __ATOMIC_ACQUIRE) & Bit(sig)) return true;
    std_info[sig] = info;
    __atomic_or_fetch(mask, Bit(sig), __ATOMIC_SEQ_CST);
    return true;
  }
  // The container-wide count against RLIMIT_SIGPENDING, then this
  // process's pool (alone it also stands for the limit).
  bool container = g_total.load(std::memory_order_acquire) != nullptr;
  long local_limit = container || Rlimit() >= kPoolSize ? kPoolSize : Rlimit();
  int slot = -1;
  if (Reserve(Rlimit())) {
    if (g_count.fetch_add(1, std::memory_order_relaxed) < local_limit) slot = AllocSlot();
    if (slot < 0) {
      g_count.fetch_sub(1, std::memory_order_relaxed);
      Unreserve();
    }
  }
  if (slot < 0) {
    if (info.si_code != SI_USER) return false;
    __atomic_or_fetch(mask, Bit(sig), __ATOMIC_SEQ_CST);  // pending, siginfo lost
    return true;
  }
  RtNode& n = g_nodes[slot];
  n.info = info;
  n.sig.store(sig, std::memory_order_relaxed);
  n.owner.store(owner, std::memory_order_relaxed);
  n.seq.store(g_seq.fetch_add(1, std::memory_order_relaxed), std::memory_order_relaxed);
  n.state.store(kReady, std::memory_order_release);
  __atomic_or_fetch(mask, Bit(sig), __ATOMIC_SEQ_CST);
  return true;
}

bool PeekSignal(const void* owner, const uint64_t* mask, const siginfo_t* std_info, int sig,
                siginfo_t* out) {
  if (!(__atomic_load_n(mask, __ATOMIC_ACQUIRE) & Bit(sig))) return false;
  if (sig < kFirstRtSignal) {
    *out = std_info[sig];
    return true;
  }
  int i = ClaimOldest(owner, sig);
  if (i < 0) {
    *out = LostInfo(sig);
    return true;
  }
  *out = g_nodes[i].info;
  g_nodes[i].state.store(kReady, std::memory_order_release);
  return true;
}

bool DequeueSignal(const void* owner, uint64_t* mask, const siginfo_t* std_info, int sig,
                   siginfo_t* out) {
  if (sig < kFirstRtSignal) {
    siginfo_t info = std_info[sig];
    if (!(__atomic_fetch_and(mask, ~Bit(sig), __ATOMIC_SEQ_CST) & Bit(sig))) return false;
    *out = info;
    return true;
  }
  int i = ClaimOldest(owner, sig);
  if (i >= 0) {
    *out = g_nodes[i].info;
    FreeSlot(i);
  }
  // Cleared, then set again if instances remain: one queued meanwhile sets
  // it itself after becoming ready.
  bool was_set = __atomic_fetch_and(mask, ~Bit(sig), __ATOMIC_SEQ_CST) & Bit(sig);
  if (Oldest(owner, sig) >= 0) __atomic_or_fetch(mask, Bit(sig), __ATOMIC_SEQ_CST);
  if (i >= 0) return true;
  if (!was_set) return false;
  *out = LostInfo(sig);
  return true;
}

void DiscardSignals(const void* owner, uint64_t* mask, uint64_t sigs) {
  __atomic_and_fetch(mask, ~sigs, __ATOMIC_SEQ_CST);
  if (!(sigs & (~uint64_t{0} << (kFirstRtSignal - 1)))) return;
  // No slot in use (g_count counts a slot from before it is taken until
  // after it is freed): nothing to scan, the usual case at thread exit.
  if (g_count.load(std::memory_order_seq_cst) == 0) return;
  // One pass over the used slots (every exiting thread comes here: a scan
  // per real-time signal number cost ~1 µs per thread). An instance queued
  // meanwhile was queued after the mask was cleared: discarding it too or
  // not are both what a racing Linux could do.
  for (int w = 0; w < kWords; w++) {
    uint64_t v = g_used[w].load(std::memory_order_acquire);
    while (v) {
      int i = w * 64 + __builtin_ctzll(v);
      v &= v - 1;
      RtNode& n = g_nodes[i];
      int sig = n.sig.load(std::memory_order_relaxed);
      if (sig < kFirstRtSignal || !(sigs & Bit(sig)) || !Matches(n, owner, sig)) continue;
      uint32_t ready = kReady;
      if (!n.state.compare_exchange_strong(ready, kTaking, std::memory_order_acquire)) continue;
      // Taken and reused since Matches looked: not ours.
      if (n.owner.load(std::memory_order_relaxed) == owner && n.sig.load(std::memory_order_relaxed) == sig)
        FreeSlot(i);
      else
        n.state.store(kReady, std::memory_order_release);
    }
  }
}

void DiscardThreadSignals(const void* thread) {
  uint64_t none = 0;
  DiscardSignals(thread, &none, ~uint64_t{0} << (kFirstRtSignal - 1));
}

void ResetSignalQueues() {
  // Only the slots in use: a free slot is already kFree (FreeSlot), and
  // writing all 4096 nodes (~600 KiB) cost a forked child ~150
  // copy-on-write faults.
  for (int w = 0; w < kWords; w++) {
    uint64_t v = g_used[w].load(std::memory_order_relaxed);
    if (!v) continue;
    for (; v; v &= v - 1) g_nodes[w * 64 + __builtin_ctzll(v)].state.store(kFree, std::memory_order_relaxed);
    g_used[w].store(0, std::memory_order_relaxed);
  }
  if (g_count.load(std::memory_order_relaxed) != 0) g_count.store(0, std::memory_order_relaxed);
}

void SetSignalQueueAccount(std::atomic<int32_t>* total, std::atomic<int32_t>* mine) {
  g_total.store(nullptr, std::memory_order_release);  // never one without the other
  g_mine.store(mine, std::memory_order_release);
  g_total.store(total, std::memory_order_release);
}

int QueuedRtSignals() {
  std::atomic<int32_t>* total = g_total.load(std::memory_order_acquire);
  return total ? total->load(std::memory_order_relaxed) : g_count.load(std::memory_order_relaxed);
}

int SignalQueueLimit() { return static_cast<int>(Rlimit()); }

void ForgetSignalQueueLimit() { g_rlimit.store(-1, std::memory_order_relaxed); }

void SetSignalQueueLimitChanges(std::atomic<uint32_t>* changes) {
  g_limit_changes.store(changes, std::memory_order_relaxed);
}

}  // namespace junction::libos
