#include "sched/doorbell.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

#include <cerrno>

#include "libos/host/host.h"
#include "sched/futex.h"

namespace junction::sched {

namespace {

// This process's doorbell (null: none, e.g. a fork child before it attaches).
DoorbellTable* g_table = nullptr;
ProcessDoorbell* g_bell = nullptr;
int g_index = -1;
int g_host_pid = 0;
bool (*g_send)(int index, int host_pid) = nullptr;
// futex_waitv works on this host (cleared at the first ENOSYS or EPERM).
std::atomic<bool> g_waitv_ok{true};

// A cell: {index + 1, count, host pid}.
constexpr uint64_t kCountOne = uint64_t{1} << 16;
constexpr uint32_t kCountMax = 0xffff;
uint64_t Cell(int index, uint32_t count, int host_pid) {
  return static_cast<uint64_t>(index + 1) | (static_cast<uint64_t>(count) << 16) |
         (static_cast<uint64_t>(static_cast<uint32_t>(host_pid)) << 32);
}
int CellIndex(uint64_t c) { return static_cast<int>(c & 0xffff) - 1; }
uint32_t CellCount(uint64_t c) { return static_cast<uint32_t>(c >> 16) & 0xffff; }
int CellPid(uint64_t c) { return static_cast<int32_t>(c >> 32); }
bool IsOwnCell(uint64_t c) { return c != 0 && CellIndex(c) == g_index && CellPid(c) == g_host_pid; }

void SetWaitingBit(int index, bool on) {
  uint64_t bit = uint64_t{1} << (index % 64);
  if (on) g_table->waiting_mask[index / 64].fetch_or(bit, std::memory_order_seq_cst);
  else g_table->waiting_mask[index / 64].fetch_and(~bit, std::memory_order_seq_cst);
}

// Rings process `index` (host process `host_pid`): once until it looks.
void Ring(int index, int host_pid) {
  ProcessDoorbell& b = g_table->bells[index];
  // seq_cst, as the kthreads' side (IdleWaitWithDoorbell, EndIdleSpin):
  // either a kthread about to sleep or ending its spin sees the mark, or
  // we see it counted below.
  if (b.pending.exchange(1, std::memory_order_seq_cst) != 0) return;  // on its way
  if (b.spinners.load(std::memory_order_seq_cst) != 0) return;
  if (b.sleepers.load(std::memory_order_seq_cst) != 0) {
    b.word.fetch_add(1, std::memory_order_seq_cst);
    host::Syscall(SYS_futex, host::L(&b.word), FUTEX_WAKE, 1);
    return;
  }
  // Running (or waiting where no futex reaches it): a host signal. If it
  // could not be sent, the next ring tries again.
  if (!g_send || !g_send(index, host_pid)) b.pending.store(0, std::memory_order_seq_cst);
}

void RingAllWaiting() {
  for (int w = 0; w < kMaxDoorbells / 64; w++) {
    for (uint64_t m = g_table->waiting_mask[w].load(std::memory_order_seq_cst); m; m &= m - 1) {
      int index = w * 64 + __builtin_ctzll(m);
      int owner = g_table->bells[index].owner.load(std::memory_order_acquire);
      if (index != g_index && owner != 0) Ring(index, owner);
    }
  }
}

}  // namespace

void AttachDoorbell(DoorbellTable* table, int index, int host_pid) {
  if (!table || index < 0 || index >= kMaxDoorbells) return;
  ProcessDoorbell& b = table->bells[index];
  // A previous owner (exited, or killed from outside) left its state.
  b.pending.store(0, std::memory_order_relaxed);
  b.sleepers.store(0, std::memory_order_relaxed);
  b.spinners.store(0, std::memory_order_relaxed);
  b.waiting.store(0, std::memory_order_relaxed);
  g_table = table;
  g_index = index;
  g_host_pid = host_pid;
  SetWaitingBit(index, false);
  b.owner.store(host_pid, std::memory_order_seq_cst);
  g_bell = &b;
}

void DetachDoorbell() {
  // Its cells are stale from now on: wakers skip and clear them.
  if (g_bell) ForgetDoorbell(g_table, g_index);
}

bool DoorbellAttached() { return g_bell != nullptr; }

void ForgetDoorbell(DoorbellTable* table, int index) {
  if (!table || index < 0 || index >= kMaxDoorbells) return;
  table->bells[index].owner.store(0, std::memory_order_seq_cst);
  uint64_t bit = uint64_t{1} << (index % 64);
  table->waiting_mask[index / 64].fetch_and(~bit, std::memory_order_seq_cst);
}

void SetDoorbellSignal(bool (*send)(int index, int host_pid)) { g_send = send; }

bool RegisterSlotWaiter_locked(SharedWaitSlot* slot) {
  if (!g_bell) return false;
  if (g_bell->waiting.fetch_add(1, std::memory_order_relaxed) == 0) SetWaitingBit(g_index, true);
  for (auto& cell : slot->cells) {
    uint64_t c = cell.load(std::memory_order_seq_cst);
    if (!IsOwnCell(c)) continue;
    while (CellCount(c) < kCountMax) {
      if (cell.compare_exchange_weak(c, c + kCountOne, std::memory_order_seq_cst)) return true;
      if (!IsOwnCell(c)) break;  // scribbled over meanwhile
    }
    break;
  }
  for (auto& cell : slot->cells) {
    uint64_t empty = 0;
    if (cell.compare_exchange_strong(empty, Cell(g_index, 1, g_host_pid), std::memory_order_seq_cst)) return true;
  }
  slot->overflow.fetch_add(1, std::memory_order_seq_cst);
  return false;
}

void UnregisterSlotWaiter_locked(SharedWaitSlot* slot, bool listed) {
  if (!g_bell) return;
  if (g_bell->waiting.fetch_sub(1, std::memory_order_relaxed) == 1) SetWaitingBit(g_index, false);
  if (!listed) {
    uint32_t o = slot->overflow.load(std::memory_order_relaxed);
    while (o != 0 && !slot->overflow.compare_exchange_weak(o, o - 1, std::memory_order_seq_cst)) {
    }
    return;
  }
  for (auto& cell : slot->cells) {
    uint64_t c = cell.load(std::memory_order_relaxed);
    while (IsOwnCell(c)) {
      uint64_t next = CellCount(c) > 1 ? c - kCountOne : 0;
      if (cell.compare_exchange_weak(c, next, std::memory_order_seq_cst)) return;
    }
  }
}

int OwnSlotWaiters(const SharedWaitSlot* slot) {
  if (!g_bell) return 0;
  for (const auto& cell : slot->cells) {
    uint64_t c = cell.load(std::memory_order_relaxed);
    if (IsOwnCell(c)) return static_cast<int>(CellCount(c));
  }
  return 0;
}

namespace {

// A dead process's waiters stay counted in slot->waiters (they never ran
// to uncount themselves): its cell's count comes off, never below zero.
void UncountDeadWaiters(SharedWaitSlot* slot, uint32_t n) {
  uint32_t w = slot->waiters.load(std::memory_order_seq_cst);
  while (w != 0 && !slot->waiters.compare_exchange_weak(w, w - (n < w ? n : w), std::memory_order_seq_cst)) {
  }
}

}  // namespace

int RingSlotWaiters(SharedWaitSlot* slot) {
  if (!g_table) return 0;
  if (slot->overflow.load(std::memory_order_seq_cst) != 0) {
    RingAllWaiting();
    return 0;
  }
  int dropped = 0;
  for (auto& cell : slot->cells) {
    uint64_t c = cell.load(std::memory_order_seq_cst);
    if (c == 0 || IsOwnCell(c)) continue;
    int index = CellIndex(c);
    int pid = CellPid(c);
    // Garbage goes, uncounted (its count means nothing).
    if (index < 0 || index >= kMaxDoorbells || pid <= 0) {
      cell.compare_exchange_strong(c, 0, std::memory_order_relaxed);
      continue;
    }
    // A process that exited (or whose entry another took) no longer
    // waits: its record goes, and its waiters are uncounted.
    if (g_table->bells[index].owner.load(std::memory_order_acquire) != pid) {
      if (cell.compare_exchange_strong(c, 0, std::memory_order_seq_cst)) {
        UncountDeadWaiters(slot, CellCount(c));
        dropped += static_cast<int>(CellCount(c));
      }
      continue;
    }
    Ring(index, pid);
  }
  return dropped;
}

bool DoorbellPending() {
  ProcessDoorbell* b = g_bell;
  return b && b->pending.load(std::memory_order_relaxed) != 0;
}

void HandleDoorbell() {
  ProcessDoorbell* b = g_bell;
  if (!b || b->pending.load(std::memory_order_relaxed) == 0) return;
  // seq_cst: the wakes bumped before the ring are seen by the scan.
  if (b->pending.exchange(0, std::memory_order_seq_cst) == 0) return;
  FutexWakeRungSharedWaiters();
}

void EnterLoop(ProcessDoorbell** token) {
  ProcessDoorbell* b = g_bell;
  if (*token == b || !b) return;
  b->spinners.fetch_add(1, std::memory_order_seq_cst);
  *token = b;
}

void LeaveLoop(ProcessDoorbell** token) {
  ProcessDoorbell* b = *token;
  if (!b) return;
  *token = nullptr;
  if (b != g_bell) return;  // counted before a fork, in the parent's
  b->spinners.fetch_sub(1, std::memory_order_seq_cst);
  // A ring that saw us counted relied on us to look.
  HandleDoorbell();
}

bool WaitWithDoorbell(std::atomic<uint32_t>* word, uint32_t seen, bool private_word, uint64_t deadline_ns,
                      ProcessDoorbell** token, long* result) {
  ProcessDoorbell* b = g_bell;
  if (!b || !g_waitv_ok.load(std::memory_order_relaxed)) return false;
  b->sleepers.fetch_add(1, std::memory_order_seq_cst);
  // Counted as a sleeper first: a ring sees one or the other. (The
  // pending check below comes after both.)
  if (*token == b) b->spinners.fetch_sub(1, std::memory_order_seq_cst);
  *token = nullptr;
  uint32_t bell_seen = b->word.load(std::memory_order_seq_cst);
  *result = 1;
  if (b->pending.load(std::memory_order_seq_cst) == 0) {
    constexpr uint32_t kU32 = 0x02, kPrivate = 128;  // FUTEX2_SIZE_U32, FUTEX2_PRIVATE
    futex_waitv w[2] = {};
    w[0].val = seen;
    w[0].uaddr = reinterpret_cast<uintptr_t>(word);
    w[0].flags = kU32 | (private_word ? kPrivate : 0);
    w[1].val = bell_seen;
    w[1].uaddr = reinterpret_cast<uintptr_t>(&b->word);
    w[1].flags = kU32;
    timespec ts{};
    if (deadline_ns) {
      ts.tv_sec = static_cast<time_t>(deadline_ns / 1000000000);
      ts.tv_nsec = static_cast<long>(deadline_ns % 1000000000);
    }
    long r = host::Syscall(SYS_futex_waitv, host::L(w), 2, 0, deadline_ns ? host::L(&ts) : 0, CLOCK_MONOTONIC);
    *result = r;
    if (r == -ENOSYS || r == -EPERM) {
      g_waitv_ok.store(false, std::memory_order_relaxed);
      b->sleepers.fetch_sub(1, std::memory_order_seq_cst);
      HandleDoorbell();  // (out of every count for a moment)
      return false;
    }
  }
  b->sleepers.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

void ResetDoorbellAfterFork() {
  // The parent's doorbell stays the parent's; the child attaches its own.
  g_bell = nullptr;
  g_table = nullptr;
  g_index = -1;
}

}  // namespace junction::sched
