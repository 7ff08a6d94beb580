// User-level threads (uthreads): every guest thread is one. They run on the
// container's kernel threads (kthreads, kthread.h) and switch in user space
// when they block, so a futex wait or a sleep costs a context switch, not a
// host system call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "libos/signals/guest_context.h"
#include "libos/signals/kernel_abi.h"
#include "sched/cpu_time.h"
#include "sched/spinlock.h"

namespace junction::sched {

enum class UthreadState : uint8_t { kRunnable, kRunning, kBlocked, kExited };

// Why a blocked uthread woke up.
// kRung: a cross-process waiter whose slot moved (futex.cc, doorbell.h).
enum class WakeReason : int { kNone = 0, kWoken, kTimeout, kSignal, kRung };

struct Uthread {
  int tid = 0;
  UthreadState state = UthreadState::kRunnable;
  // Saved LibOS stack pointer while switched out (junction_uthread_switch).
  uintptr_t switch_rsp = 0;
  // True from the moment a kthread switches to it until the switch away has
  // completed; another kthread may not run it before (runqueue stealing).
  std::atomic<bool> on_cpu{false};
  int last_kthread = 0;
  // rseq (libos/signals/rseq.h): the registered struct rseq (0: none),
  // its length and signature, and the core last stored in it.
  uintptr_t rseq_area = 0;
  uint32_t rseq_len = 0, rseq_sig = 0;
  int rseq_cpu = -1;
  // sched_setaffinity: bit i = may run on kthread i (kthreads past 64 are
  // always allowed).
  uint64_t affinity = ~uint64_t{0};

  // The per-thread values ThreadState holds for the running uthread.
  uintptr_t guest_rsp = 0;
  uintptr_t libos_stack_top = 0;
  uintptr_t guest_fs = 0;
  long cur_syscall = -1;
  uint8_t* xsave_area = nullptr;
  // The guest's registers while switched out from a lazy system call
  // (guest_vectors.h): how they were saved, the moves' area, what was in use.
  uint8_t* vec_area = nullptr;
  uint8_t saved_vectors = 0;
  uint64_t vec_inuse = 0;
  uint8_t exit_work = 0;  // ThreadState::signal_pending while not running
  // ThreadState::guest_range_hint: each thread's own (two threads ping-
  // ponging over their own stacks would miss a shared one every call).
  uint8_t guest_range_hint = 0;

  // Blocking: the waiter sets kWaiting (under the lock of whatever will wake
  // it), the scheduler loop moves kWaiting -> kParked once the uthread has
  // switched out, and exactly one waker moves kWaiting or kParked to
  // kWokenUp + reason; whoever sees kParked there makes it runnable.
  // One word holds the state (low 8 bits) and the wait's generation (the
  // rest; the end of each wait advances it): a timer's claim is one CAS
  // that fails once the wait it was armed for has ended, even if the
  // uthread waits again meanwhile (ClaimWakeUp, kthread.h).
  static constexpr int kNotWaiting = 0, kWaiting = 1, kParked = 2, kWokenUp = 16;
  static constexpr uint64_t kStateMask = 0xff, kGenOne = 0x100;
  std::atomic<uint64_t> wait_word{kNotWaiting};
  // The process it belongs to (g_uthread_epoch when it was made; a forked
  // child's forking uthread takes the child's). The child's memory holds
  // copies of its parent's other uthreads, parked in wait queues it copied
  // too: a wake there must not run one of them in the child (ClaimWakeUp).
  uint32_t epoch = 0;
  static int StateOf(uint64_t word) { return static_cast<int>(word & kStateMask); }
  int WaitState() const { return StateOf(wait_word.load(std::memory_order_acquire)); }
  // The current (or, while not waiting, the next) wait's generation.
  uint64_t WaitGen() const { return wait_word.load(std::memory_order_acquire) & ~kStateMask; }
  // The uthread announces a wait (under the lock of whatever will wake it).
  // Only it writes the word while it does not wait: a plain store.
  void BeginWait() {
    wait_word.store(WaitGen() | kWaiting, std::memory_order_release);
  }
  // Ends the wait (woken or not): returns the state it had, and advances
  // the generation so that no timer of this wait can claim a later one.
  int EndWait() {
    uint64_t w = wait_word.load(std::memory_order_relaxed);
    while (!wait_word.compare_exchange_weak(w, ((w & ~kStateMask) + kGenOne) | kNotWaiting)) {
    }
    return StateOf(w);
  }
  // Its entry's index in the timer heap (timer_heap.h; -1: none), under
  // the timer lock.
  int timer_slot = -1;
  WakeReason wake_reason = WakeReason::kNone;
  bool interruptible = false;
  // In a plain sleep (SleepUntil: only its deadline or a signal ends it):
  // the timer keeper may end it ahead of its deadline, and Park waits out
  // the rest (kthread.cc, WaitOutEarlyTimeout). Read under the timer lock.
  bool sleep_only = false;

  // A new thread starts by resuming the guest at start_ctx (below).
  bool fresh = true;

  // Preemption: the guest state is in preempt_ctx (below).
  bool preempted = false;
  bool need_resched = false;  // preempted while in the LibOS: yield at exit
  // In a host call that waits on the guest's behalf and blocks its kthread
  // (a file lock: libos HostWaitCall); /proc shows it sleeping.
  bool in_host_wait = false;
  // ... one that a signal the thread takes interrupts (HostWaitCall's
  // `interruptible`): its sender signals the kthread (InterruptHostCall).
  bool host_wait_interruptible = false;
  // unshare(CLONE_FS) with other threads: it has a working directory of
  // its own (libos fs::Vfs keeps it), not its process's.
  bool private_cwd = false;

  // Signals directed at this thread, its mask and alternate stack
  // (signals/signal_state.h has the process-wide part).
  uint64_t sig_blocked = 0;
  uint64_t sig_pending = 0;
  libos::KernelStack altstack = {0, SS_DISABLE, 0, 0};
  // rt_sigtimedwait: signals it waits for (pending ones wake it even if
  // blocked). rt_sigsuspend: the mask to restore once a handler was set up.
  uint64_t sigwait_set = 0;
  // In exit(): no longer takes process-directed signals (Linux's PF_EXITING).
  bool exiting = false;
  bool restore_mask = false;
  uint64_t saved_mask = 0;
  // A relative-timeout FUTEX_WAIT that a signal interrupted: its deadline
  // (monotonic ns) and word. When no handler ran, delivery re-issues the call
  // and arms `futex_restart_armed`; the re-issued wait then keeps this
  // deadline, as Linux's restart_block does, instead of a whole new timeout.
  uint64_t futex_restart_deadline = 0;
  uintptr_t futex_restart_uaddr = 0;
  bool futex_restart_armed = false;
  // The same for nanosleep and relative clock_nanosleep (Linux's
  // ERESTART_RESTARTBLOCK): a sleep that a signal ended without running a
  // handler here is re-issued and ends at its first deadline.
  uint64_t sleep_restart_deadline = 0;
  bool sleep_restart_armed = false;

  // Linux thread bookkeeping.
  uintptr_t clear_child_tid = 0;
  uintptr_t robust_list = 0;
  size_t robust_list_len = 0;

  // Memory: [mem_base, mem_base + mem_size) holds the XSAVE area, this
  // object, the guest vector area and the LibOS stack with a guard page
  // below it (CreateUthread).
  uintptr_t mem_base = 0;
  size_t mem_size = 0;

  Uthread* rq_next = nullptr;   // runqueue link (runqueue.h)
  // TSC when a wake queued it on its waker's kthread (wake_placement.h),
  // 0 otherwise: idle kthreads leave it alone for kAffineStealCycles.
  uint64_t affine_tsc = 0;
  Uthread* all_next = nullptr;  // list of all uthreads (for signals, /proc)
  // CPU time (cpu_time.h): TSC cycles run, charged at switch-out under
  // the seqcount cpu_seq (run_start_tsc is 0 while not running), tick
  // samples in guest code and in the LibOS, context switches, and the last
  // user/sys split handed out (kept monotonic).
  uint32_t cpu_seq = 0;
  uint64_t run_start_tsc = 0;
  uint64_t cpu_cycles = 0;
  uint64_t user_ticks = 0, sys_ticks = 0;
  uint64_t nvcsw = 0, nivcsw = 0;
  CpuTimes cpu_prev;
  uint64_t runnable_since_ns = 0;

  // Last, the large and rarely written members: everything above (written
  // at every switch and wait) stays on the page of the XSAVE area, which
  // every entry writes anyway (CreateUthread). After a host fork each page
  // either process writes is a copy-on-write fault.
  // A new thread starts by resuming the guest here (clone's child state).
  libos::GuestContext start_ctx{};
  // Preemption: the guest state when a timer signal took the core away.
  libos::GuestContext preempt_ctx{};
  // Signals directed at this thread: written before its bit in sig_pending
  // is set, read only while it is: not initialised (8 KiB to clear per
  // thread otherwise).
  siginfo_t sig_info[65];
};

// This process's uthread epoch (Uthread::epoch): the parent's + 1 in a
// forked child whose parent had other uthreads (ResetAfterFork), so every
// uthread copied from an ancestor differs from it.
extern uint32_t g_uthread_epoch;

// Allocates a uthread with its LibOS stack and XSAVE area. The new uthread
// will start by resuming the guest at `start` (with %fs = `fs`).
Uthread* CreateUthread(int tid, const libos::GuestContext& start, uintptr_t fs);
void FreeUthread(Uthread* u);

// Host fork: the cache of exited uthreads' memory is held across the fork
// (a thread starting or exiting on another kthread must not leave the
// child's copy locked); released in parent and child.
void UthreadCacheForkLock();
void UthreadCacheForkUnlock();

}  // namespace junction::sched
