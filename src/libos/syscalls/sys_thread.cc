// Threads: clone/clone3 with thread flags create uthreads; futexes, sleeps
// and yields are served by the user-level scheduler (src/sched) without
// blocking the kthread.
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <vector>

#include "libos/entry/libos_context.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"
#include "libos/proc/process_table.h"
#include "libos/process.h"
#include "libos/signals/delivery.h"
#include "libos/signals/posix_timers.h"
#include "libos/signals/rseq.h"
#include "libos/signals/signal_state.h"
#include "libos/strace.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"
#include "sched/futex.h"
#include "sched/guest_vectors.h"
#include "sched/kthread.h"

namespace junction::libos {

[[noreturn]] void ExitProcess(int status);  // sys_process.cc

namespace {

std::atomic<int> g_live_threads{1};

sched::Uthread* Self() { return sched::Current(); }

// The clone and exit paths' checks of guest memory, which run for every
// thread: this kthread's cache of guest VMAs first (libos_context.h,
// current while the address space's generation is), the address space's
// map (a lock and a tree walk) only on a miss. Like those, they hold at
// the moment of the check.
bool ThreadPathReadable(uintptr_t p, size_t n) {
  return KnownGuestRange(CurrentThread(), p, n, PROT_READ) || GuestReadable(p, n);
}
bool ThreadPathWritable(uintptr_t p, size_t n) {
  return KnownGuestRange(CurrentThread(), p, n, PROT_WRITE) || GuestWritable(p, n);
}

uint64_t TimespecNs(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1000000000ull + static_cast<uint64_t>(t.tv_nsec);
}

bool ValidTimespec(const timespec& t) {
  return t.tv_sec >= 0 && t.tv_nsec >= 0 && t.tv_nsec < 1000000000;
}

// A deadline on CLOCK_MONOTONIC for an absolute time on `clock`.
uint64_t MonotonicDeadline(clockid_t clock, const timespec& abs) {
  uint64_t now_mono = sched::NowNs();
  if (clock == CLOCK_MONOTONIC || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_BOOTTIME)
    return std::max<uint64_t>(TimespecNs(abs), 1);
  timespec now{};
  clock_gettime(clock, &now);
  int64_t delta = static_cast<int64_t>(TimespecNs(abs)) - static_cast<int64_t>(TimespecNs(now));
  return delta <= 0 ? 1 : now_mono + static_cast<uint64_t>(delta);
}

// Sleeps until `deadline` (monotonic ns) unless a signal interrupts.
// Returns 0 or -EINTR. A relative sleep of zero (`zero_length`) has no
// deadline the guest could see passed or not: it takes a plain Park, not
// ParkSleep, whose return reads the guest's clock (WaitOutEarlyTimeout; that
// read was +25-40 ns, +8-11%, on nanosleep({0,0})).
long SleepUntil(uint64_t deadline, bool zero_length = false) {
  sched::Uthread* u = Self();
  u->BeginWait();
  sched::WakeReason why = zero_length ? sched::Park(deadline, true) : sched::ParkSleep(deadline);
  return why == sched::WakeReason::kSignal ? -EINTR : 0;
}

sched::SharedWaitSlot* SharedSlotFor(uintptr_t addr, long op);

// Linux's exit of a thread (handle_futex_death): each robust futex it still
// owns gets FUTEX_OWNER_DIED and one waiter is woken, in this process and,
// for a word in MAP_SHARED memory, in the others of the container.
void ReleaseRobustFutexes(int tid, uintptr_t head) {
  if (!head || !ThreadPathReadable(head, 24)) return;
  // struct robust_list_head { next; long futex_offset; list_op_pending; }
  uintptr_t next;
  long offset;
  uintptr_t pending;
  if (!SafeCopy(&next, reinterpret_cast<void*>(head), 8) ||
      !SafeCopy(&offset, reinterpret_cast<void*>(head + 8), 8) ||
      !SafeCopy(&pending, reinterpret_cast<void*>(head + 16), 8))
    return;
  auto release = [&](uintptr_t entry) {
    uintptr_t addr = (entry & ~uintptr_t{1}) + static_cast<uintptr_t>(offset);
    if ((addr & 3) || !GuestWritable(addr, 4)) return;
    auto* word = reinterpret_cast<uint32_t*>(addr);
    uint32_t v;
    if (!SafeLoad32(word, &v)) return;  // faults now: nothing to release
    while ((v & FUTEX_TID_MASK) == static_cast<uint32_t>(tid)) {
      uint32_t nv = (v & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
      int swapped = SafeCmpxchg32(word, &v, nv);
      if (swapped < 0) return;
      if (swapped) {
        if (v & FUTEX_WAITERS) {
          auto* w = reinterpret_cast<uint32_t*>(addr);
          if (auto* slot = SharedSlotFor(addr, 0)) sched::FutexWakeShared(w, 1, FUTEX_BITSET_MATCH_ANY, slot);
          else sched::FutexWake(w, 1, FUTEX_BITSET_MATCH_ANY, true);  // Linux wakes non-private
        }
        break;
      }
    }
  };
  for (int limit = 0; next != head && limit < 2048; limit++) {
    if (!GuestReadable(next & ~uintptr_t{1}, 8)) break;
    uintptr_t entry = next;
    if (!SafeCopy(&next, reinterpret_cast<void*>(entry & ~uintptr_t{1}), 8)) break;
    if (entry != pending) release(entry);
  }
  if (pending) release(pending);
}

// `kept`: the caller's vector registers as the lazy entry kept them
// (sys_thread_lazy.cc); nullptr: in its xsave area (the full entry).
long CloneThread(unsigned long flags, uintptr_t newsp, uintptr_t parent_tid, uintptr_t child_tid,
                 uintptr_t tls, const SyscallFrame& f, const KeptVectors* kept) {
  constexpr unsigned long kRequired = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;
  if ((flags & kRequired) != kRequired) return -EINVAL;
  if (flags & (CLONE_VFORK | CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
               CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_PIDFD))
    return -EINVAL;
  if ((flags & CLONE_PARENT_SETTID) && !ThreadPathWritable(parent_tid, 4)) return -EFAULT;
  if ((flags & CLONE_CHILD_SETTID) && !ThreadPathWritable(child_tid, 4)) return -EFAULT;

  ThreadState* ts = CurrentThread();
  GuestContext ctx;
  // The caller's stack is gone (its own return dies of SIGSEGV): no thread
  // starts at a resume point that cannot be read.
  if (!ChildContextAtSyscall(&f, newsp, &ctx)) return -EFAULT;

  int tid = proc::AllocateTid();  // container-wide ids (process.h)
  if (tid < 0) return -EAGAIN;
  uintptr_t fs = (flags & CLONE_SETTLS) ? tls : ts->guest_fs;
  sched::Uthread* child = sched::CreateUthread(tid, ctx, fs);
  if (!child) {
    proc::ForgetThread(tid);
    return -EAGAIN;
  }
  // The child starts with the parent's vector and FPU state: its first run
  // loads it (junction_uthread_first_run) as a switch would.
  if (kept) {
    std::memcpy(child->vec_area, kept->area, sched::kGuestVectorFxsaveOffset);
    if (kept->inuse & sched::kX87)
      std::memcpy(child->vec_area + sched::kGuestVectorFxsaveOffset,
                  kept->area + sched::kGuestVectorFxsaveOffset, 512);
    child->vec_inuse = kept->inuse;
    child->saved_vectors = static_cast<uint8_t>(sched::SavedVectors::kMoves);
  } else {
    std::memcpy(child->xsave_area, ts->xsave_area, ts->xsave_size);
    child->saved_vectors = static_cast<uint8_t>(sched::SavedVectors::kXsave);
  }
  // The new thread starts with its creator's signal mask (no altstack).
  child->sig_blocked = Self()->sig_blocked;
  child->affinity = Self()->affinity;  // inherited, as on Linux
  child->last_kthread = Self()->last_kthread;
  if (flags & CLONE_CHILD_CLEARTID) child->clear_child_tid = child_tid;
  // As Linux, a failed store of the tid does not fail the clone.
  if (flags & CLONE_PARENT_SETTID) (void)SafeCopy(reinterpret_cast<void*>(parent_tid), &tid, 4);
  if (flags & CLONE_CHILD_SETTID) (void)SafeCopy(reinterpret_cast<void*>(child_tid), &tid, 4);
  g_live_threads.fetch_add(1);
  sched::Register(child);
  sched::MakeRunnable(child);
  sched::AddKthreadIfWanted();  // a forked child may need another kthread for it
  return tid;
}

}  // namespace

JUNCTION_HANDLER(clone) {
  unsigned long flags = static_cast<unsigned long>(a.a[0]);
  if (!(flags & CLONE_THREAD)) return CloneProcess(a);  // sys_proc_fork.cc
  return CloneThread(flags & ~0xffUL, static_cast<uintptr_t>(a.a[1]), static_cast<uintptr_t>(a.a[2]),
                     static_cast<uintptr_t>(a.a[3]), static_cast<uintptr_t>(a.a[4]), FrameOf(a), nullptr);
}

JUNCTION_HANDLER(clone3) {
  size_t size = static_cast<size_t>(a.a[1]);
  if (size < 64 || size > 4096) return -EINVAL;  // CLONE_ARGS_SIZE_VER0
  clone_args ca{};
  if (!ThreadPathReadable(static_cast<uintptr_t>(a.a[0]), size)) return -EFAULT;
  if (!SafeCopy(&ca, reinterpret_cast<void*>(a.a[0]), std::min(size, sizeof(ca)))) return -EFAULT;
  if (!(ca.flags & CLONE_THREAD)) return Clone3Process(ca, a);  // sys_proc_fork.cc
  return Clone3Thread(ca, a, nullptr);
}

long Clone3Thread(const clone_args& ca, const SyscallArgs& a, const KeptVectors* v) {
  if (ca.exit_signal != 0) return -EINVAL;
  uintptr_t sp = ca.stack ? static_cast<uintptr_t>(ca.stack + ca.stack_size) : 0;
  return CloneThread(static_cast<unsigned long>(ca.flags), sp, static_cast<uintptr_t>(ca.parent_tid),
                     static_cast<uintptr_t>(ca.child_tid), static_cast<uintptr_t>(ca.tls), FrameOf(a), v);
}

long CloneThreadKeptVectors(unsigned long flags, uintptr_t newsp, uintptr_t parent_tid, uintptr_t child_tid,
                            uintptr_t tls, const SyscallArgs& a, const KeptVectors& v) {
  return CloneThread(flags, newsp, parent_tid, child_tid, tls, FrameOf(a), &v);
}

namespace {

// The end of a thread that is not the process's last: what Linux's
// do_exit does for one of a group (exit(2), or killed by an exec).
[[noreturn]] void EndThread(sched::Uthread* u) {
  StopTakingProcessSignals();
  ReleaseRobustFutexes(u->tid, u->robust_list);
  // Gone for other processes before a joiner can learn it (Linux too).
  proc::ForgetThread(u->tid);
  if (u->clear_child_tid && ThreadPathWritable(u->clear_child_tid, 4)) {
    (void)SafeStore32(reinterpret_cast<uint32_t*>(u->clear_child_tid), 0);  // as Linux, a fault is ignored
    // Non-private, as Linux's wake (glibc's pthread_join waits so).
    sched::FutexWake(reinterpret_cast<uint32_t*>(u->clear_child_tid), 1, FUTEX_BITSET_MATCH_ANY, true);
  }
  sched::ExitCurrent();
}

// The thread running an exec while it ends the others (null otherwise).
std::atomic<sched::Uthread*> g_exec_survivor{nullptr};

}  // namespace

JUNCTION_HANDLER(exit) {
  if (g_strace_enabled) StraceLog(a, 0);
  sched::Uthread* u = Self();
  if (g_live_threads.fetch_sub(1) == 1) ExitProcess(static_cast<int>(a.a[0]) & 0xff);
  EndThread(u);
}

bool ExecEndsCurrentThread() {
  sched::Uthread* s = g_exec_survivor.load(std::memory_order_acquire);
  return s && Self() && s != Self();
}

void EndThreadForExec() {
  g_live_threads.fetch_sub(1);  // the exec'ing thread outlives it
  EndThread(Self());
}

void EndOtherThreadsForExec() {
  sched::Uthread* self = Self();
  if (sched::LiveUthreadCount() > 1) {
    sched::Uthread* none = nullptr;
    // Another thread's exec got there first: it ends this one (Linux's
    // de_thread makes the later exec'ing thread die the same way).
    if (!g_exec_survivor.compare_exchange_strong(none, self)) EndThreadForExec();
    siginfo_t info{};
    info.si_signo = SIGKILL;
    info.si_code = SI_KERNEL;
    // A pending SIGKILL wakes an interruptible wait and kicks a thread
    // running on another kthread; each dies where it would have taken the
    // signal (DeliverPendingSignals), never back in guest code. Rescanned:
    // a clone racing with the first pass adds one.
    for (unsigned pass = 1; sched::LiveUthreadCount() > 1; pass++) {
      {
        sched::SpinGuard g(sched::AllUthreadsLock());
        for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
          if (u != self && !u->exiting && !(u->sig_pending & SigBit(SIGKILL))) SendThreadSignal(u, info);
      }
      sched::Yield();
      if (sched::LiveUthreadCount() <= 1) break;
      // One blocked in a host call on another kthread is taken out of it
      // (host::AbortableSyscall). Again at passes 2, 4, 8...: a signal that
      // came just before it entered the call found nothing to abort.
      if ((pass & (pass - 1)) == 0) {
        sched::SpinGuard g(sched::AllUthreadsLock());
        for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
          if (u != self) sched::InterruptHostCall(u);
      }
      // Others finish uninterruptible waits or run on other kthreads:
      // wait a little without taking signals (Linux's de_thread waits too).
      self->BeginWait();
      sched::Park(sched::NowNs() + 50000, false);
    }
    g_exec_survivor.store(nullptr, std::memory_order_release);
  }
  // Linux's exec_mm_release: the robust futexes are released, the tid
  // address forgotten; the survivor leads the group with the pid as tid.
  ReleaseRobustFutexes(self->tid, self->robust_list);
  self->robust_list = 0;
  self->robust_list_len = 0;
  self->clear_child_tid = 0;
  int pid = CurrentProcess().pid;
  if (self->tid != pid) {
    proc::ForgetThread(self->tid);
    self->tid = pid;
  }
}

int LiveGuestThreads() { return g_live_threads.load(std::memory_order_relaxed); }

void ResetLiveGuestThreadsAfterFork() {
  // Written only if it changes: a copy-on-write fault otherwise.
  if (g_live_threads.load(std::memory_order_relaxed) != 1) g_live_threads.store(1, std::memory_order_relaxed);
  // A fork that raced another thread's exec: the child's only thread is not
  // ended for an exec that is not its own (it takes the SIGKILL the exec
  // sent it as a signal, ending the child as Linux's fork would have failed).
  if (g_exec_survivor.load(std::memory_order_relaxed)) g_exec_survivor.store(nullptr, std::memory_order_relaxed);
}

void ReleaseProcessRobustFutexes() {
  // The lists are read outside the uthread lock (a wake takes scheduler
  // locks). A few fit on the stack; more (counted first, allocated outside
  // the lock) go on the heap. (A 4 KiB array here wrote one more stack page
  // at every exit: a copy-on-write fault in a forked child.)
  using List = std::pair<int, uintptr_t>;
  constexpr int kFew = 8;
  List few[kFew];
  std::vector<List> many;
  List* lists = few;
  int cap = kFew, n = 0;
  for (;;) {
    int want = 0;
    {
      sched::SpinGuard g(sched::AllUthreadsLock());
      for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next) {
        if (!u->robust_list) continue;
        if (want < cap) lists[want] = {u->tid, u->robust_list};
        want++;
      }
    }
    if (want <= cap) {
      n = want;
      break;
    }
    many.resize(static_cast<size_t>(want) + 16);  // threads may start meanwhile
    lists = many.data();
    cap = static_cast<int>(many.size());
  }
  for (int i = 0; i < n; i++) ReleaseRobustFutexes(lists[i].first, lists[i].second);
}

JUNCTION_HANDLER(set_tid_address) {
  Self()->clear_child_tid = static_cast<uintptr_t>(a.a[0]);
  return Self()->tid;
}

JUNCTION_HANDLER(get_robust_list) {
  sched::Uthread* target = nullptr;
  if (a.a[0] == 0) {
    target = Self();
  } else {
    sched::SpinGuard g(sched::AllUthreadsLock());
    for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next)
      if (u->tid == a.a[0]) target = u;
    if (!target) return -ESRCH;
  }
  CHECK(UserPtr<uintptr_t>(a.a[1]).Write(target->robust_list));
  CHECK(UserPtr<size_t>(a.a[2]).Write(target->robust_list_len));
  return 0;
}

namespace {

// A non-PRIVATE futex in MAP_SHARED memory may have waiters in other
// processes of the container: its slot in the shared process table, found
// by the word's key (a file page mapped at different addresses in two
// processes is one futex, as Linux keys it by inode and offset).
sched::SharedWaitSlot* SharedSlotFor(uintptr_t addr, long op) {
  if (op & FUTEX_PRIVATE_FLAG) return nullptr;
  proc::Table* t = proc::Get();
  uint64_t key;
  if (!t || !AddressSpace::Get().SharedFutexKey(addr, &key)) return nullptr;
  static_assert((proc::kSharedFutexSlots & (proc::kSharedFutexSlots - 1)) == 0);
  size_t i = (key * 0x9E3779B97F4A7C15ull >> 40) & (proc::kSharedFutexSlots - 1);
  return &t->futex_slots[i];
}

}  // namespace

JUNCTION_HANDLER(futex) {
  auto* uaddr = reinterpret_cast<uint32_t*>(a.a[0]);
  int op = static_cast<int>(a.a[1]) & FUTEX_CMD_MASK;
  bool realtime = a.a[1] & FUTEX_CLOCK_REALTIME;
  uint32_t val = static_cast<uint32_t>(a.a[2]);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), 4) || (a.a[0] & 3)) return -EFAULT;
  auto deadline = [&](bool absolute) -> long long {
    if (!a.a[3]) return 0;
    auto t = UserPtr<timespec>(a.a[3]).Read();
    if (!t.ok()) return -EFAULT;
    if (!ValidTimespec(*t)) return -EINVAL;
    if (absolute) return static_cast<long long>(MonotonicDeadline(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, *t));
    return static_cast<long long>(sched::NowNs() + TimespecNs(*t));
  };
  auto* uaddr2 = reinterpret_cast<uint32_t*>(a.a[4]);
  bool shared = !(a.a[1] & FUTEX_PRIVATE_FLAG);
  switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      sched::Uthread* self = Self();
      // A restart (no handler ran) of an interrupted relative wait keeps
      // the deadline computed when the call was first made.
      bool relative = op == FUTEX_WAIT && a.a[3];
      bool restarted = relative && self->futex_restart_armed &&
                       self->futex_restart_uaddr == static_cast<uintptr_t>(a.a[0]);
      self->futex_restart_armed = false;
      long long d = deadline(op == FUTEX_WAIT_BITSET);
      if (d < 0) return d;
      if (restarted) d = static_cast<long long>(self->futex_restart_deadline);
      uint32_t bitset = op == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : static_cast<uint32_t>(a.a[5]);
      long r;
      if (auto* slot = SharedSlotFor(static_cast<uintptr_t>(a.a[0]), a.a[1]))
        r = sched::FutexWaitShared(uaddr, val, bitset, static_cast<uint64_t>(d), slot);
      else
        r = sched::FutexWait(uaddr, val, bitset, static_cast<uint64_t>(d), shared);
      if (r == -EINTR && relative) {
        self->futex_restart_deadline = static_cast<uint64_t>(d);
        self->futex_restart_uaddr = static_cast<uintptr_t>(a.a[0]);
      }
      return r;
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      uint32_t bitset = op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : static_cast<uint32_t>(a.a[5]);
      if (auto* slot = SharedSlotFor(static_cast<uintptr_t>(a.a[0]), a.a[1]))
        return sched::FutexWakeShared(uaddr, static_cast<int>(val), bitset, slot);
      return sched::FutexWake(uaddr, static_cast<int>(val), bitset, shared);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
      if (!GuestWritable(static_cast<uintptr_t>(a.a[4]), 4)) return -EFAULT;
      // Waiters in other processes cannot be moved: they re-check instead.
      if (auto* slot = SharedSlotFor(static_cast<uintptr_t>(a.a[0]), a.a[1])) sched::FutexNotifyShared(slot);
      return sched::FutexRequeue(uaddr, uaddr2, static_cast<int>(val), static_cast<int>(a.a[3]),
                                 op == FUTEX_CMP_REQUEUE, static_cast<uint32_t>(a.a[5]), shared);
    case FUTEX_WAKE_OP:
      if (!GuestWritable(static_cast<uintptr_t>(a.a[4]), 4)) return -EFAULT;
      for (long addr : {a.a[0], a.a[4]})
        if (auto* slot = SharedSlotFor(static_cast<uintptr_t>(addr), a.a[1])) sched::FutexNotifyShared(slot);
      return sched::FutexWakeOp(uaddr, uaddr2, static_cast<int>(val), static_cast<int>(a.a[3]),
                                static_cast<uint32_t>(a.a[5]), shared);
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2: {
      long long d = deadline(true);
      if (d < 0) return d;
      return sched::FutexLockPi(uaddr, Self()->tid, static_cast<uint64_t>(d), false, shared);
    }
    case FUTEX_TRYLOCK_PI:
      return sched::FutexLockPi(uaddr, Self()->tid, 0, true, shared);
    case FUTEX_UNLOCK_PI:
      return sched::FutexUnlockPi(uaddr, Self()->tid, shared);
    case FUTEX_WAIT_REQUEUE_PI: {
      if (!GuestWritable(static_cast<uintptr_t>(a.a[4]), 4) || (a.a[4] & 3)) return -EFAULT;
      long long d = deadline(true);
      if (d < 0) return d;
      return sched::FutexWaitRequeuePi(uaddr, val, uaddr2, Self()->tid, static_cast<uint64_t>(d), shared);
    }
    case FUTEX_CMP_REQUEUE_PI:
      if (!GuestWritable(static_cast<uintptr_t>(a.a[4]), 4) || (a.a[4] & 3)) return -EFAULT;
      return sched::FutexCmpRequeuePi(uaddr, uaddr2, static_cast<int>(val), static_cast<int>(a.a[3]),
                                      static_cast<uint32_t>(a.a[5]), shared);
    default:
      return -ENOSYS;
  }
}

// futex_waitv(waiters, nr, flags, timeout, clockid): 32-bit futexes only,
// an absolute timeout on CLOCK_MONOTONIC or CLOCK_REALTIME.
JUNCTION_HANDLER(futex_waitv) {
  constexpr uint32_t kSizeU32 = 0x02, kPrivate = 128;  // FUTEX2_SIZE_U32, FUTEX2_PRIVATE
  if (a.a[2] != 0) return -EINVAL;
  int n = static_cast<int>(a.a[1]);
  if (a.a[1] <= 0 || a.a[1] > sched::kFutexWaitvMax || !a.a[0]) return -EINVAL;
  uint64_t deadline = 0;
  if (a.a[3]) {
    auto clock = static_cast<clockid_t>(a.a[4]);
    if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME) return -EINVAL;
    auto t = UserPtr<timespec>(a.a[3]).Read();
    if (!t.ok()) return -EFAULT;
    if (!ValidTimespec(*t)) return -EINVAL;
    deadline = MonotonicDeadline(clock, *t);
  }
  if (!GuestReadable(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(n) * sizeof(futex_waitv)))
    return -EFAULT;
  sched::FutexWaitvEntry entries[sched::kFutexWaitvMax];
  for (int i = 0; i < n; i++) {
    futex_waitv w;
    if (!SafeCopy(&w, reinterpret_cast<const char*>(a.a[0]) + i * sizeof(futex_waitv), sizeof(w))) return -EFAULT;
    if ((w.flags & ~(kSizeU32 | kPrivate)) != 0 || (w.flags & 3) != kSizeU32 || w.__reserved) return -EINVAL;
    if (w.val >> 32) return -EINVAL;
    if (w.uaddr & 3) return -EINVAL;
    if (!GuestWritable(static_cast<uintptr_t>(w.uaddr), 4)) return -EFAULT;
    entries[i] = {reinterpret_cast<uint32_t*>(w.uaddr), static_cast<uint32_t>(w.val), !(w.flags & kPrivate)};
  }
  return sched::FutexWaitv(entries, n, deadline);
}

JUNCTION_HANDLER(rseq) {
  return RseqRegister(static_cast<uintptr_t>(a.a[0]), static_cast<uint32_t>(a.a[1]),
                      static_cast<int>(a.a[2]), static_cast<uint32_t>(a.a[3]));
}

namespace {

// The deadline of a relative sleep: now + `ns`, or, when this call is the
// restart of one a signal ended without a handler, the first call's.
uint64_t RelativeSleepDeadline(uint64_t ns) {
  sched::Uthread* self = Self();
  bool restarted = self->sleep_restart_armed;
  self->sleep_restart_armed = false;
  return restarted ? self->sleep_restart_deadline : sched::NowNs() + ns;
}

}  // namespace

JUNCTION_HANDLER(nanosleep) {
  auto req = UserPtr<timespec>(a.a[0]).Read();
  if (!req.ok()) return -EFAULT;
  if (!ValidTimespec(*req)) return -EINVAL;
  if (a.a[1] && !GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(timespec))) return -EFAULT;
  uint64_t deadline = RelativeSleepDeadline(TimespecNs(*req));
  long r = SleepUntil(deadline, TimespecNs(*req) == 0);
  if (r == -EINTR) Self()->sleep_restart_deadline = deadline;
  if (r == -EINTR && a.a[1]) {
    uint64_t now = sched::NowNs(), left = deadline > now ? deadline - now : 0;
    timespec rem{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
    if (!CopyToUser(static_cast<uintptr_t>(a.a[1]), &rem, sizeof(rem)).ok()) return -EFAULT;
  }
  return r;
}

namespace {

// clock_nanosleep on a CPU-time clock (posix_cpu_nsleep): the caller's own
// thread clock is EINVAL; otherwise it sleeps until the clock passes the
// target, checked at the earliest wall time the CPU could get there.
long CpuClockNanosleep(clockid_t clock, bool absolute, const timespec& req, long rem_addr) {
  bool per_thread = clock < 0 && (clock & 4);
  int pid = ~(clock >> 3);
  if (per_thread && (pid == 0 || pid == Self()->tid)) return -EINVAL;
  uint64_t now;
  if (!ReadCpuClock(clock, &now)) return -EINVAL;
  uint64_t target = absolute ? TimespecNs(req) : now + TimespecNs(req);
  for (;;) {
    if (!ReadCpuClock(clock, &now)) return -EINVAL;  // its thread exited
    if (now >= target) return 0;
    uint64_t wait = (target - now) / static_cast<uint64_t>(per_thread ? 1 : std::max(1, sched::KthreadCount()));
    if (SleepUntil(sched::NowNs() + std::max<uint64_t>(wait, 200000)) == -EINTR) {
      if (!absolute && rem_addr) {
        uint64_t left = target - now;
        timespec rem{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
        if (!SafeCopy(reinterpret_cast<void*>(rem_addr), &rem, sizeof(rem))) return -EFAULT;
      }
      return -EINTR;
    }
  }
}

}  // namespace

JUNCTION_HANDLER(clock_nanosleep) {
  auto clock = static_cast<clockid_t>(a.a[0]);
  int flags = static_cast<int>(a.a[1]);
  // Linux's CLOCK_THREAD_CPUTIME_ID has no sleep: EOPNOTSUPP before the
  // time is read (a thread's clock by its dynamic id sleeps, EINVAL for
  // the caller's own: CpuClockNanosleep).
  if (clock == CLOCK_THREAD_CPUTIME_ID) return -EOPNOTSUPP;
  if (clock == CLOCK_PROCESS_CPUTIME_ID ||
      (clock < 0 && (clock & 7) != 3 /*CLOCKFD*/)) {
    auto req = UserPtr<timespec>(a.a[2]).Read();
    if (!req.ok()) return -EFAULT;
    if (!ValidTimespec(*req)) return -EINVAL;
    bool absolute = flags & TIMER_ABSTIME;
    if (!absolute && a.a[3] && !GuestWritable(static_cast<uintptr_t>(a.a[3]), sizeof(timespec))) return -EFAULT;
    return CpuClockNanosleep(clock, absolute, *req, absolute ? 0 : a.a[3]);
  }
  if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
      clock != CLOCK_TAI && clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM) {
    // Linux: a clock that cannot sleep (the raw and coarse ones, a clock
    // fd) EOPNOTSUPP, an unknown one EINVAL.
    bool known = clock < 0 || clock == CLOCK_MONOTONIC_RAW || clock == CLOCK_REALTIME_COARSE ||
                 clock == CLOCK_MONOTONIC_COARSE;
    return known ? -EOPNOTSUPP : -EINVAL;
  }
  auto req = UserPtr<timespec>(a.a[2]).Read();
  if (!req.ok()) return -EFAULT;
  if (!ValidTimespec(*req)) return -EINVAL;
  bool absolute = flags & TIMER_ABSTIME;
  if (!absolute && a.a[3] && !GuestWritable(static_cast<uintptr_t>(a.a[3]), sizeof(timespec))) return -EFAULT;
  uint64_t deadline = absolute ? MonotonicDeadline(clock, *req) : RelativeSleepDeadline(TimespecNs(*req));
  long r = SleepUntil(deadline, !absolute && TimespecNs(*req) == 0);
  if (r == -EINTR && !absolute) Self()->sleep_restart_deadline = deadline;
  if (r == -EINTR && !absolute && a.a[3]) {
    uint64_t now = sched::NowNs(), left = deadline > now ? deadline - now : 0;
    timespec rem{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
    if (!CopyToUser(static_cast<uintptr_t>(a.a[3]), &rem, sizeof(rem)).ok()) return -EFAULT;
  }
  return r;
}

}  // namespace junction::libos
