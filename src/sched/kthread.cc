#include "sched/kthread.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "base/fork_written.h"
#include "libos/entry/libos_context.h"
#include "libos/entry/safe_copy.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "libos/signals/guest_context.h"
#include "sched/core_grant.h"
#include "sched/cpu_time.h"
#include "sched/cpu_time_switch.h"
#include "sched/futex.h"
#include "sched/guest_vectors.h"
#include "sched/preempt.h"
#include "sched/reactor.h"
#include "sched/doorbell.h"
#include "sched/shm_protocol.h"
#include "sched/short_slice.h"
#include "sched/single_kthread.h"
#include "sched/wake_placement.h"

namespace junction::sched {

namespace {

constexpr int kMaxKthreads = 256;
constexpr int kIdleSpins = 2000;  // ~µs of polling before parking on the host
// Spinning waits for a waker on another CPU: with one CPU allowed (a pinned
// process) it only takes that CPU from the waker (a child process, say).
int g_idle_spins = kIdleSpins;

void SetIdleSpinsFromAffinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  long r = host::Syscall(SYS_sched_getaffinity, 0, sizeof(set), host::L(&set));
  g_idle_spins = (r > 0 && CPU_COUNT(&set) == 1) ? 0 : kIdleSpins;
}
// The timer keeper wakes KeeperLead() early and polls up to the deadline:
// a host timer on this VM fires 40-90 µs late (DESIGN.md §2;
// docs/performance.md, "Core scheduler daemon"), and a FUTEX_WAKE from the
// daemon's vCPU takes as long, so a keeper still asleep when the grant
// comes runs late. JUNCTION_KEEPER_LEAD_US (a diagnosis: docs/daemon.md)
// overrides the daemon's choice (core_grant.h, KeeperLeadNs).
uint64_t g_keeper_lead_override = 0;
// Under the daemon, an idle kthread keeps its core for a timer due this
// soon (the daemon grants a latency-critical container its core up to
// Daemon::kTimerLeadNs = 50 µs ahead of its timer).
constexpr uint64_t kHoldForTimerNs = 60'000;
// Uthread-to-uthread switches bypass the scheduler loop for at most this
// many TSC cycles (~10 µs at 2.5 GHz) since its last pass: timers, the
// reactor and the daemon's signals wait no longer than that (a host timer
// fires 40-90 µs late here anyway). A pass costs two extra switches and a
// %fs write; counting switches instead (16) cost a futex round trip ~5 ns.
constexpr uint64_t kDirectSwitchCycles = 25'000;

struct alignas(64) Kthread {
  int index = 0;
  libos::ThreadState* ts = nullptr;
  uintptr_t sched_rsp = 0;  // the scheduler loop's context while a uthread runs
  Uthread* prev = nullptr;  // the uthread that just switched away (FinishSwitch)
  uint64_t loop_tsc = 0;  // TSC at the scheduler loop's last pass
  // CPU time: the TSC read when a uthread last switched out; it also starts
  // the next one's run unless the kthread idled since (tsc_fresh false).
  uint64_t switch_tsc = 0;
  bool tsc_fresh = false;
  SpinLock rq_lock;
  Uthread* rq_head = nullptr;
  Uthread* rq_tail = nullptr;
  std::atomic<int> rq_len{0};
  // Sleeper flags (parked, polling_reactor): a Dekker pair. IdleWait stores
  // the flag, then re-reads rq_len and g_signal_arrived; a waker publishes
  // work (rq_len, g_signal_arrived), then reads the flags in KickKthread.
  // All four are seq_cst (on x86 the flag store is an xchg, the rq_len add a
  // locked add, the loads plain moves): with release/acquire each side's
  // load could pass its own store and both miss, leaving the kthread parked
  // with work queued.
  std::atomic<uint32_t> park_word{0};
  std::atomic<bool> parked{false};
  std::atomic<bool> polling_reactor{false};  // parked in the reactor's epoll_wait
  // Runs no uthread: out of work (spinning or parked). Read by wakers for
  // wake-affine placement (wake_placement.h); a stale value only moves
  // where a uthread queues.
  std::atomic<bool> idle{false};
  bool gone = false;  // not in this process (after fork: only the forking kthread is)
  bool starting = false;  // a forked child is starting a host thread for it (g_restart_lock)
  CoreGrant grant;  // under the daemon: its slot and the core it holds
  bool spins = false;  // idle: spins instead of parking (SetSpinningKthreads)
  // Tracing grants (grant_trace.h): the sample being filled, and the
  // uthread whose timer this kthread ran (the sample ends when it runs).
  GrantTraceSample trace_sample;
  Uthread* trace_woken = nullptr;
  int host_tid = 0;
  pthread_t thread{};
  // A forked process's kthread that ran on a member slot and runs
  // standalone now: when it next tries to join again (MaybeRejoinDaemon).
  uint64_t rejoin_at = 0;
  // Counted on this doorbell as looking at it (doorbell.h, EnterLoop).
  ProcessDoorbell* in_loop = nullptr;
};

// Kthread 0 (the only one of most processes) is written at every switch:
// it lives on the fork-written page (base/fork_written.h), which a fork
// writes anyway, not on a data page of its own that a forked parent copied
// at its first switch. The others follow in an array.
JUNCTION_FORK_WRITTEN Kthread g_first_kthread;
Kthread g_other_kthreads[kMaxKthreads - 1];
struct KthreadArray {
  Kthread& operator[](int i) const { return i == 0 ? g_first_kthread : g_other_kthreads[i - 1]; }
};
constexpr KthreadArray g_kthreads;
std::atomic<int> g_num_kthreads{0};
std::atomic<bool> g_started{false};
std::atomic<bool> g_signal_arrived{false};

// Every exit takes it (robust futexes) and it is taken across a fork: in
// the fork-written page, not on a bss page a forked child need not write.
JUNCTION_FORK_WRITTEN alignas(64) SpinLock g_all_lock;
Uthread* g_all = nullptr;

// Timers: timed waits' and callbacks' entries (timer_heap.h).
SpinLock g_timer_lock;
// The earliest deadline in g_timers (UINT64_MAX if none); read without the
// lock by the preemption handler.
std::atomic<uint64_t> g_next_deadline{~uint64_t{0}};
TimerHeap* g_timers;

bool (*g_signal_deliverable)(Uthread*) = nullptr;
const uint64_t* g_process_sig_pending = nullptr;

// g_signal_deliverable(u), without the call while nothing is pending.
[[gnu::always_inline]] inline bool SignalDeliverable(Uthread* u) {
  if (!g_signal_deliverable) return false;
  if (!(__atomic_load_n(g_process_sig_pending, __ATOMIC_RELAXED) |
        __atomic_load_n(&u->sig_pending, __ATOMIC_RELAXED)))
    return false;
  return g_signal_deliverable(u);
}
void (*g_signal_arrived_hook)() = nullptr;
void (*g_idle_upkeep)() = nullptr;  // SetIdleUpkeep
void (*g_guest_return_warmup)() = nullptr;  // SetGuestReturnWarmup
uint64_t (*g_guest_clock)() = nullptr;      // SetGuestClock

uint64_t GuestNowNs() { return g_guest_clock ? g_guest_clock() : NowNs(); }

void IdleUpkeep() {
  if (g_idle_upkeep) g_idle_upkeep();
}

// Under the daemon: the doorbell eventfd (-1 without one), and the
// coreless kthread that sleeps until the next timer for all of them.
std::atomic<int> g_doorbell_fd{-1};
std::atomic<Kthread*> g_timer_keeper{nullptr};

// Tells a sleeping daemon to look now (work for a kthread without a core,
// a core given back). Async-signal-safe.
void RingDoorbell() {
  int fd = g_doorbell_fd.load(std::memory_order_relaxed);
  uint64_t one = 1;
  if (fd >= 0) host::Syscall(SYS_write, fd, host::L(&one), sizeof one);
}

// The queue's congestion signals (docs/daemon.md), kept current by whoever
// pushes or pops (a kthread without a core cannot publish its own); rq_lock held.
[[gnu::always_inline]] inline void PublishQueue_locked(Kthread& k) {
  KthreadSlot* s = k.grant.slot;
  if (!s) return;
  s->oldest_runnable_since_ns.store(k.rq_head ? k.rq_head->runnable_since_ns : 0,
                                    std::memory_order_relaxed);
  s->runnable.store(static_cast<uint32_t>(k.rq_len.load(std::memory_order_relaxed)),
                    std::memory_order_relaxed);
}

bool UnderDaemon(const Kthread& k) { return k.grant.slot && !RunsStandalone(k.grant); }

Kthread& Self() { return *static_cast<Kthread*>(libos::CurrentThread()->kthread); }

[[gnu::always_inline]] inline void LoadUthread(libos::ThreadState* ts, Uthread* u) {
  ts->current = u;
  ts->guest_rsp = u->guest_rsp;
  ts->libos_stack_top = u->libos_stack_top;
  ts->guest_fs = u->guest_fs;
  ts->cur_syscall = u->cur_syscall;
  ts->xsave_area = u->xsave_area;
  ts->guest_range_hint = u->guest_range_hint;
  ts->signal_pending = u->exit_work | u->need_resched |
                       SignalDeliverable(u);
}

[[gnu::always_inline]] inline void SaveUthread(libos::ThreadState* ts, Uthread* u) {
  u->guest_rsp = ts->guest_rsp;
  u->guest_fs = ts->guest_fs;
  u->cur_syscall = ts->cur_syscall;
  u->exit_work = ts->signal_pending;
  u->guest_range_hint = ts->guest_range_hint;
  ts->current = nullptr;
}

// What a uthread resuming in SwitchFrom needs: its guest registers back
// (it switched from a lazy system call) or the LibOS context.
[[gnu::always_inline]] inline void ResumeContext(libos::ThreadState* ts, Uthread* u) {
  auto how = static_cast<SavedVectors>(u->saved_vectors);
  if (how == SavedVectors::kNone) {
    libos::WriteFsBase(ts->libos_fs);
    ts->in_libos = 1;
    return;
  }
  libos::WriteFsBase(ts->guest_fs);
  RestoreGuestVectors(ts, how, u->vec_area, u->vec_inuse);
  ts->in_libos = 0;
}

[[gnu::always_inline]] inline void PushRunqueue(Kthread& k, Uthread* u) {
  u->rq_next = nullptr;
  // Only the daemon reads it (the age of the oldest runnable uthread).
  if (k.grant.slot) u->runnable_since_ns = NowNs();
  SchedGuard g(k.rq_lock);
  if (k.rq_tail)
    k.rq_tail->rq_next = u;
  else
    k.rq_head = u;
  k.rq_tail = u;
  // seq_cst: KickKthread's flag loads must not pass it (see parked).
  if (g_single_kthread)
    AddSched(k.rq_len, 1);
  else
    k.rq_len.fetch_add(1, std::memory_order_seq_cst);
  PublishQueue_locked(k);
}

[[gnu::always_inline]] inline Uthread* PopRunqueue(Kthread& k) {
  if (k.rq_len.load(std::memory_order_relaxed) == 0) return nullptr;
  SchedGuard g(k.rq_lock);
  Uthread* u = k.rq_head;
  if (!u) return nullptr;
  k.rq_head = u->rq_next;
  if (!k.rq_head) k.rq_tail = nullptr;
  // Changed only under rq_lock: no locked instruction needed (the push's
  // fetch_add also orders it before reading `parked`, IdleWait).
  k.rq_len.store(k.rq_len.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  PublishQueue_locked(k);
  return u;
}

// sched_setaffinity: may `u` run on kthread `index`? (Kthreads past 64
// are always allowed.)
bool Allowed(const Uthread* u, int index) {
  return index >= 64 || ((__atomic_load_n(&u->affinity, __ATOMIC_RELAXED) >> index) & 1);
}

// The kthread a runnable `u` should queue on: `preferred` if allowed, else
// the first one it may run on.
Kthread& HomeFor(Uthread* u, Kthread& preferred);

// Stealing: the first uthread in k's queue that may run on `thief`, past
// those placed there by a wake for less than kAffineStealCycles (then
// *affine_pending is set: the thief keeps looking a little longer).
Uthread* StealFrom(Kthread& k, int thief, bool* affine_pending) {
  if (k.rq_len.load(std::memory_order_relaxed) == 0) return nullptr;
  SpinGuard g(k.rq_lock);
  Uthread* prev = nullptr;
  uint64_t now = 0;
  for (Uthread* u = k.rq_head; u; prev = u, u = u->rq_next) {
    if (!Allowed(u, thief)) continue;
    if (u->affine_tsc != 0) {
      if (!now) now = ReadTsc();
      if (!AffineStealable(u->affine_tsc, now)) {
        *affine_pending = true;
        continue;
      }
    }
    if (prev) prev->rq_next = u->rq_next;
    else k.rq_head = u->rq_next;
    if (k.rq_tail == u) k.rq_tail = prev;
    k.rq_len.store(k.rq_len.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    PublishQueue_locked(k);
    return u;
  }
  return nullptr;
}

// One kthread blocks in epoll_wait at a time. Every idle wait on the
// reactor writes it: in the fork-written page (base/fork_written.h).
JUNCTION_FORK_WRITTEN alignas(64) std::atomic<bool> g_reactor_busy{false};

void KickKthread(Kthread& k) {
  if (UnderDaemon(k) && !k.grant.holds) {
    // No core: the daemon must grant one; the kthread polls for it. An
    // idle kthread keeping its grant resumes on it without the daemon.
    KickGrantWaiter(k.grant);
    if (!k.grant.idle.load(std::memory_order_acquire)) RingDoorbell();
    // A forked process's kthread out of work waits in IdleWait, not on its
    // grant word (WaitForCoreAsMember): wake it there too.
    if (k.grant.member_pid == 0) return;
  }
  // seq_cst: after the caller published work (see parked).
  if (k.polling_reactor.load(std::memory_order_seq_cst)) {
    ReactorKick();
    return;
  }
  if (k.parked.load(std::memory_order_seq_cst)) {
    k.park_word.fetch_add(1, std::memory_order_release);
    host::Syscall(SYS_futex, host::L(&k.park_word), FUTEX_WAKE_PRIVATE, 1);
  }
}

ShmHeader* g_daemon_header = nullptr;

uint64_t KeeperLead() {
  if (g_keeper_lead_override != 0) return g_keeper_lead_override;
  return KeeperLeadNs(g_daemon_header && g_daemon_header->polls_busy.load(std::memory_order_relaxed) == 1);
}

// g_timer_lock held. The daemon sees it too: it grants a core when the
// earliest timer is due (docs/daemon.md).
void SetNextDeadline_locked(uint64_t deadline) {
  g_next_deadline.store(deadline, std::memory_order_release);
  if (g_daemon_header)
    g_daemon_header->next_timer_ns.store(deadline == ~uint64_t{0} ? 0 : deadline,
                                         std::memory_order_relaxed);
}

// Wakes the timers that expired, and (waits_until past now) the plain
// sleeps (ParkSleep) due by waits_until ahead of any other entry not yet
// due: their uthreads wait out the rest in Park (WaitOutEarlyTimeout).
// Returns the next deadline (0 = none).
uint64_t RunTimersUntil(uint64_t waits_until) {
  uint64_t due = g_next_deadline.load(std::memory_order_acquire);
  if (due == ~uint64_t{0}) return 0;
  uint64_t now = NowNs();
  if (due > now && due > waits_until) return due;
  // Callbacks to call and timed-out uthreads that were parked (u set).
  std::vector<TimerEntry> expired;
  uint64_t next = 0;
  {
    SpinGuard g(g_timer_lock);
    while (!g_timers->empty() &&
           g_timers->next_deadline() <= (g_timers->earliest_sleep() ? std::max(now, waits_until) : now)) {
      TimerEntry t = g_timers->PopEarliest();
      if (t.u) {
        // Decided under the lock: a uthread's exit removes its entry under
        // it, so t.u is alive here; one claimed while parked stays so
        // until made runnable below, and one claimed before it switched out
        // sees the wake itself (Park), untouched by us after the lock.
        // The claim fails if the wait of generation t.seq has ended, even
        // if a new one began since (one CAS on generation and state).
        int was = ClaimWakeUp(t.u, WakeReason::kTimeout, t.seq);
        if (was < 0) continue;
        if (GrantTraceOn()) [[unlikely]] {
          Kthread& self = Self();
          self.trace_sample.deadline = t.deadline;
          self.trace_sample.timer_run = NowNs();
          self.trace_woken = t.u;
        }
        if (was != Uthread::kParked) continue;
      }
      expired.push_back(t);
    }
    next = g_timers->empty() ? 0 : g_timers->next_deadline();
    SetNextDeadline_locked(next ? next : ~uint64_t{0});
  }
  for (const TimerEntry& t : expired) {
    if (t.fn)
      t.fn(t.arg, t.seq);
    else
      MakeRunnable(t.u);
  }
  return next;
}

uint64_t RunTimers() { return RunTimersUntil(0); }

// A host signal arrived while the LibOS ran: wake one interruptible waiter
// that can take it.
void HandleSignalWakeups() {
  // Read first: an exchange writes the page even when nothing arrived (a
  // copy-on-write fault in every forked parent's first pass).
  if (!g_signal_arrived.load(std::memory_order_relaxed) || !g_signal_arrived.exchange(false)) return;
  if (g_signal_arrived_hook) g_signal_arrived_hook();
  SpinGuard g(g_all_lock);
  for (Uthread* u = g_all; u; u = u->all_next) {
    int ws = u->WaitState();
    if (u->interruptible && (ws == Uthread::kWaiting || ws == Uthread::kParked) &&
        (!g_signal_deliverable || g_signal_deliverable(u))) {
      if (WakeUp(u, WakeReason::kSignal)) break;
    }
  }
}

// `affine_pending` (optional): set if another kthread holds a uthread a
// wake placed there that this one may steal soon (wake_placement.h).
Uthread* PickNext(Kthread& self, bool* affine_pending = nullptr) {
  if (Uthread* u = PopRunqueue(self)) return u;
  bool pending = false;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 1; i < n; i++) {
    Kthread& other = g_kthreads[(self.index + i) % n];
    if (other.gone) continue;
    if (Uthread* u = StealFrom(other, self.index, &pending)) return u;
  }
  if (affine_pending) *affine_pending = pending;
  return nullptr;
}

// In the scheduler loop, about to run a uthread with more queued behind
// it: a parked sibling takes them (wake-affine placement does not wake it,
// MakeRunnable). Standalone only; under the daemon the grant logic does.
void KickForQueuedWork(Kthread& self) {
  if (self.rq_len.load(std::memory_order_relaxed) == 0 || UnderDaemon(self) || self.grant.member_pid != 0)
    return;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 0; i < n; i++) {
    Kthread& k = g_kthreads[i];
    if (&k != &self && !k.gone && k.parked.load(std::memory_order_relaxed)) {
      KickKthread(k);
      return;
    }
  }
}

void IdleWait(Kthread& self, uint64_t next_deadline) {
  PausePreemptionTimer();
  self.parked.store(true, std::memory_order_seq_cst);
  uint32_t word = self.park_word.load(std::memory_order_acquire);
  // Re-check after announcing: a waker that saw parked=false pushed first.
  bool work = self.rq_len.load() > 0 || g_signal_arrived.load();
  bool expected = false;
  if (!work && ReactorHasWaiters() && g_reactor_busy.compare_exchange_strong(expected, true)) {
    // This kthread waits for host descriptors and for wake-ups at once.
    int timeout_ms = -1;
    if (next_deadline) {
      uint64_t now = NowNs();
      timeout_ms = next_deadline > now ? static_cast<int>((next_deadline - now + 999999) / 1000000) : 0;
    }
    LeaveLoop(&self.in_loop);  // (a ring now signals: epoll_wait is no futex)
    self.polling_reactor.store(true, std::memory_order_seq_cst);
    if (self.rq_len.load() == 0 && !g_signal_arrived.load()) ReactorPoll(timeout_ms);
    self.polling_reactor.store(false, std::memory_order_relaxed);
    g_reactor_busy.store(false, std::memory_order_release);
  } else if (!work) {
    timespec ts{}, *tsp = nullptr;
    if (next_deadline) {
      uint64_t now = NowNs();
      uint64_t d = next_deadline > now ? next_deadline - now : 0;
      ts.tv_sec = static_cast<time_t>(d / 1000000000);
      ts.tv_nsec = static_cast<long>(d % 1000000000);
      tsp = &ts;
    }
    // On its park word and, for waiters of other processes' wakes, on the
    // process's doorbell (doorbell.h).
    long r;
    if (!WaitWithDoorbell(&self.park_word, word, true, next_deadline, &self.in_loop, &r)) {
      LeaveLoop(&self.in_loop);
      host::Syscall(SYS_futex, host::L(&self.park_word), FUTEX_WAIT_PRIVATE, word, host::L(tsp));
    }
  }
  self.parked.store(false, std::memory_order_relaxed);
  ResumePreemptionTimer();
}

std::atomic<uint64_t> g_preemptions{0};
std::atomic<uint64_t> g_uthreads_total{0};

// The congestion signals the daemon reads (docs/daemon.md).
void PublishSignals(Kthread& self) {
  KthreadSlot* s = self.grant.slot;
  if (!s) return;
  s->heartbeat.fetch_add(1, std::memory_order_release);
  if (&self == &g_kthreads[0] && g_daemon_header) {
    g_daemon_header->uthreads_total.store(g_uthreads_total.load(), std::memory_order_relaxed);
    g_daemon_header->preemptions.store(g_preemptions.load(), std::memory_order_relaxed);
  }
}

std::atomic<const NetPoller*> g_net_poller{nullptr};

// Kthreads started again in a forked child (AddKthreadIfWanted).
KthreadStartFn g_restart_start = nullptr;
KthreadInitFn g_restart_init = nullptr;
// Reset by every forked child (base/fork_written.h).
JUNCTION_FORK_WRITTEN SpinLock g_restart_lock;  // claims of gone kthreads (starting)
JUNCTION_FORK_WRITTEN std::atomic<int> g_running_kthreads{0};  // in a forked child: running or starting
JUNCTION_FORK_WRITTEN std::atomic<int> g_restartable{0};       // gone kthreads it may still start

// A forked process that was a member (SCHED_JOIN) and runs standalone now
// (the daemon died, or a new one freed its slot): joins again, at most
// every kRejoinRetryNs, from the scheduler loop (docs/daemon.md "Forked
// processes").
// Each kthread joins for itself (a slot of its own).
MemberJoin (*g_member_rejoin)(MemberJoinKind) = nullptr;
constexpr uint64_t kRejoinRetryNs = 100'000'000;

void MaybeRejoinDaemon(Kthread& self) {
  if (self.grant.slot != nullptr && !RunsStandalone(self.grant)) return;
  uint64_t now = NowNs();
  if (now < self.rejoin_at) return;
  self.rejoin_at = now + kRejoinRetryNs;
  libos::EnterLibos(libos::CurrentThread());  // it allocates
  g_member_rejoin(MemberJoinKind::kAgain);
}

// Another kthread of this forked process (a member: it steals from us)
// that has no core, or nullptr.
Kthread* CorelessSibling(const Kthread& self) {
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 0; i < n; i++) {
    Kthread& k = g_kthreads[i];
    if (&k != &self && !__atomic_load_n(&k.gone, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&k.grant.member_pid, __ATOMIC_RELAXED) != 0 &&
        !k.grant.holds.load(std::memory_order_relaxed))
      return &k;
  }
  return nullptr;
}

// True if another running kthread of this process has uthreads queued
// that this one could steal.
bool SiblingWorkQueued(const Kthread& self) {
  if (g_running_kthreads.load(std::memory_order_relaxed) < 2) return false;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 0; i < n; i++) {
    const Kthread& k = g_kthreads[i];
    if (&k != &self && !__atomic_load_n(&k.gone, __ATOMIC_ACQUIRE) &&
        k.rq_len.load(std::memory_order_relaxed) > 0)
      return true;
  }
  return false;
}

// A forked process's kthread holding a core with uthreads queued behind
// (a preempted one went back to its queue: no one was kicked): a sibling
// without a core that waits where no grant reaches it (IdleWait) is woken
// to ask for one.
void WakeSiblingForQueue(Kthread& self) {
  if (self.rq_len.load(std::memory_order_relaxed) == 0 || !self.grant.holds) return;
  Kthread* k = CorelessSibling(self);
  if (k && (k->parked.load(std::memory_order_relaxed) || k->polling_reactor.load(std::memory_order_relaxed)))
    KickKthread(*k);
}

// The earlier of two deadlines, 0 = none.
uint64_t EarlierDeadline(uint64_t a, uint64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return a < b ? a : b;
}

// Under the daemon, without a core (never granted, given back when idle,
// or asked to yield): waits for a grant. One such kthread also sleeps
// until the next timer and wakes its uthread for the others; it also runs
// the network stack's timers (retransmissions) when they are due.
void WaitForCoreAsMember(Kthread& self, bool released);

void WaitForCore(Kthread& self, bool released) {
  if (self.grant.member_pid != 0) return WaitForCoreAsMember(self, released);
  if (released || self.rq_len.load(std::memory_order_relaxed) > 0) RingDoorbell();
  if (GrantTraceOn()) [[unlikely]] GrantTraceFlush();
  // The preemption timer stays armed for the first time slice of the wait
  // and is stopped only if the wait lasts longer: a grant that comes back
  // sooner (a request/response through the daemon) then costs no
  // timer_settime (each one several µs on a VM: it reprograms the host's
  // timer). A tick that fires meanwhile finds no uthread and does nothing.
  // The timer keeper, whose wait ends at a known deadline, instead re-arms
  // it to start ticking one slice after that deadline: the timer_settime
  // comes before the wait, not on the wake-up path (6-8 µs there; traced,
  // docs/performance.md "Core scheduler daemon").
  uint64_t pause_at = NowNs() + PreemptionSliceNs();
  bool paused = false;
  uint64_t armed_for = 0;  // the deadline the timer was armed ahead of (0: none)
  auto arm_ahead = [&](uint64_t due) {
    ArmPreemptionTimerAt(due + PreemptionSliceNs());
    armed_for = due;
    paused = false;
    pause_at = due + PreemptionSliceNs();
  };
  GrantPoll poll = GrantPoll::kSleep;
  for (;;) {
    // A ring (kicks end the grant wait below, whichever way it continues).
    HandleDoorbell();
    if (self.grant.idle && self.rq_len.load(std::memory_order_relaxed) > 0) {
      // Work for an idle kthread: run on its grant if it is still ours;
      // else the daemon must grant a core for the work.
      if (ResumeIdleCore(self.grant)) break;
      RingDoorbell();
    }
    // Going idle, or woken without work to run (the timer keeper 150 µs
    // ahead of its deadline): off the path to the next uthread.
    IdleUpkeep();
    Kthread* none = nullptr;
    bool keeper = g_timer_keeper.compare_exchange_strong(none, &self);
    const NetPoller* net = g_net_poller.load(std::memory_order_acquire);
    uint64_t deadline = 0;
    uint64_t keeper_due = 0;
    uint64_t lead = KeeperLead();
    if (keeper) {
      uint64_t due = g_next_deadline.load(std::memory_order_acquire);
      uint64_t net_due = net ? net->next_timer_ns() : 0;
      if (net_due != 0 && net_due < due) due = net_due;
      if (due != ~uint64_t{0}) {
        keeper_due = due;
        // Wake a little early and poll up to the deadline: the uthread is
        // runnable on time, with this kthread awake to take the grant.
        if (NowNs() + lead < due) {
          deadline = due - lead;
        } else {
          if (paused) arm_ahead(due);  // (stopped before this timer was known)
          if (self.grant.idle && due == g_next_deadline.load(std::memory_order_acquire)) {
            // On our own idle core: the plain sleeps due first run now and
            // wait out the rest in Park (WaitOutEarlyTimeout), so the path
            // left at the deadline is the return to the guest, with the
            // switch to it, its stack and the LibOS code on the way warm
            // (cold, that path took 3-10 µs on a loaded VM; docs/daemon.md
            // "Timers without a core").
            RunTimersUntil(due);
            if (g_next_deadline.load(std::memory_order_acquire) != due) {
              g_timer_keeper.store(nullptr, std::memory_order_release);
              continue;  // (runs them on this core, or kicked their kthread)
            }
          }
          // Hard on our own idle core. Without a grant the core may be
          // another container's, whose kthread must run there to give it
          // up for us (the daemon takes it for our timer): sleep until
          // the grant's FUTEX_WAKE or the deadline. Spinning, even with
          // sched_yield, kept a CPU-bound kthread of a best-effort
          // container from running its yield handler (the host does not
          // pick a thread that used more than its share over one that
          // slept) until the daemon took the core by force 100 µs later.
          deadline = due;
          poll = self.grant.idle ? GrantPoll::kHard : GrantPoll::kSleep;
        }
      }
    }
    bool timer_bound = !paused && (deadline == 0 || deadline > pause_at);
    bool granted = WaitForGrant(self.grant, timer_bound ? pause_at : deadline, poll);
    if (keeper) g_timer_keeper.store(nullptr, std::memory_order_release);
    if (granted) break;
    if (timer_bound && NowNs() >= pause_at) {
      // A long wait: no ticks while it lasts.
      if (keeper_due != 0) {
        arm_ahead(keeper_due);
      } else {
        PausePreemptionTimer();
        paused = true;
      }
      poll = GrantPoll::kSleep;  // a slice without a grant: none is on its way
      continue;
    }
    // A timer, a signal or new work: wake whom they concern (queued work
    // rings the doorbell), then wait again, polling for the grant only if
    // one is on its way: hard right after the keeper woke a timer's uthread
    // (the daemon grants for it now), politely for work queued here (the
    // doorbell asked for a core). A preemption tick, the keeper's early
    // wake-up or a kick whose work another kthread took brings no grant:
    // polling then cost up to kGrantSpinNs of CPU each, twice per idle
    // period (docs/performance.md, "Core-grant tail, third pass").
    bool keeper_timer = keeper && deadline != 0 && NowNs() >= deadline && poll == GrantPoll::kHard &&
                        self.grant.idle;
    RunTimers();
    HandleSignalWakeups();
    HandleDoorbell();
    if (keeper && net) net->poll(self.index, false);
    poll = NextGrantPoll(keeper_timer, self.rq_len.load(std::memory_order_relaxed) > 0);
  }
  // Stopped, or armed for a deadline still far: tick every slice from now.
  if (paused || (armed_for != 0 && NowNs() + KeeperLead() < armed_for)) ResumePreemptionTimer();
}

// The same for a kthread of a forked process with a member slot
// (docs/daemon.md "Forked processes"). No watcher thread waits for its
// host descriptors, so out of work one of its kthreads waits as a
// standalone kthread does (IdleWait: the reactor or its park word, until
// its next timer; a host signal ends either): no grant comes for a
// process without work. With work (its own, or queued on a sibling it
// may steal from) it rings the doorbell and waits for the grant; an idle
// grant still its own it runs on at once. A process with several kthreads
// keeps the others, out of work, on their grant words: the daemon may
// grant any of its slots for work queued on one (a running sibling's
// queue), and its FUTEX_WAKE reaches only a waiter there.
void WaitForCoreAsMember(Kthread& self, bool released) {
  if (released || self.rq_len.load(std::memory_order_relaxed) > 0) RingDoorbell();
  for (;;) {
    IdleUpkeep();
    bool work = self.rq_len.load(std::memory_order_relaxed) > 0 || SiblingWorkQueued(self);
    if (work && self.grant.idle) {
      if (ResumeIdleCore(self.grant)) return;
      RingDoorbell();  // taken back: the daemon must grant a core for the work
    }
    if (TakeGrant(self.grant) || !UnderDaemon(self)) return;  // a grant, or standalone now
    uint64_t due = g_next_deadline.load(std::memory_order_acquire);
    uint64_t deadline = due == ~uint64_t{0} ? 0 : due;
    const NetPoller* net = g_net_poller.load(std::memory_order_acquire);
    if (work) {
      if (WaitForGrant(self.grant, deadline, GrantPoll::kPolite)) return;
    } else if (!g_signal_arrived.load(std::memory_order_acquire) && !(net && net->pending())) {
      uint64_t until = EarlierDeadline(deadline, net ? net->next_timer_ns() : 0);
      bool reactor = ReactorHasWaiters() && !g_reactor_busy.load(std::memory_order_relaxed);
      if (g_running_kthreads.load(std::memory_order_relaxed) > 1 && !reactor) {
        // Kicks (work, signals) and grants end it, as its timers do.
        PausePreemptionTimer();
        bool granted = WaitForGrant(self.grant, until, GrantPoll::kSleep);
        ResumePreemptionTimer();
        if (granted) return;
      } else {
        IdleWait(self, until);
      }
    }
    RunTimers();
    HandleSignalWakeups();
    HandleDoorbell();
    if (ReactorHasWaiters()) ReactorPoll(0);
    // Frames for this process (its own rings, NET_JOIN): the stack runs
    // them here, as the first process's timer keeper does without a core,
    // and the uthreads they wake wait for a grant.
    if (net) net->poll(self.index, false);
    if (self.rq_len.load(std::memory_order_relaxed) > 0 && !self.grant.idle) RingDoorbell();
  }
}

// After a switch, on the new context's stack: settles the uthread that
// switched away (`prev`, saved by SwitchFrom). It may run elsewhere only
// from here on (on_cpu).
[[gnu::always_inline]] inline void FinishSwitch(Kthread& self) {
  Uthread* prev = self.prev;
  if (!prev) return;
  self.prev = nullptr;
  if (prev->state == UthreadState::kExited) {
    prev->on_cpu.store(false, std::memory_order_release);
    // ExitCurrent left it in the LibOS context: %fs is the LibOS's here,
    // on the scheduler's stack or on the uthread it switched to directly
    // (whose guest vector state SwitchFrom saved), so libc may run.
    FreeUthread(prev);
    return;
  }
  bool blocked = prev->state == UthreadState::kBlocked;
  prev->on_cpu.store(false, std::memory_order_release);
  if (blocked) {
    // Parked now, unless a waker came first: then it runs again.
    uint64_t expected = prev->WaitGen() | Uthread::kWaiting;
    if (CasSched(prev->wait_word, expected, expected - Uthread::kWaiting + Uthread::kParked)) return;
    prev->state = UthreadState::kRunnable;
  }
  Kthread& home = HomeFor(prev, self);
  PushRunqueue(home, prev);
  if (&home != &self) KickKthread(home);  // its affinity excludes this kthread
}

[[gnu::always_inline]] inline void StartRunning(Kthread& self, Uthread* next) {
  while (next->on_cpu.load(std::memory_order_acquire)) __builtin_ia32_pause();
  next->on_cpu.store(true, std::memory_order_relaxed);
  next->state = UthreadState::kRunning;
  next->last_kthread = self.index;
  next->affine_tsc = 0;
  BeginRun(next, self.tsc_fresh ? self.switch_tsc : ReadTsc());
  LoadUthread(self.ts, next);
  if (self.trace_woken == next) [[unlikely]] {
    self.trace_sample.run = NowNs();
    GrantTraceReadSchedStat(self.grant.trace_stat_fd, &self.trace_sample.at_run);
    GrantTraceAdd(self.trace_sample);
    self.trace_sample = GrantTraceSample{};
    self.trace_woken = nullptr;
  }
}

// The per-kthread scheduler loop, on the kthread's own stack.
[[noreturn]] void SchedulerLoop(Kthread& self) {
  libos::ThreadState* ts = self.ts;
  for (;;) {
    // Until it runs a uthread or sleeps, it looks at the doorbell itself.
    EnterLoop(&self.in_loop);
    if (g_member_rejoin) [[unlikely]] MaybeRejoinDaemon(self);
    if (self.grant.trace) [[unlikely]] GrantTracePoll(self.grant.trace, NowNs());
    if (self.grant.slot) {
      bool held = self.grant.holds;
      if (!MayRun(self.grant)) {
        LeaveLoop(&self.in_loop);
        WaitForCore(self, held);
        continue;
      }
    }
    self.loop_tsc = ReadTsc();
    PublishSignals(self);
    if (self.grant.member_pid != 0) [[unlikely]] WakeSiblingForQueue(self);
    uint64_t next_deadline = RunTimers();
    HandleSignalWakeups();
    HandleDoorbell();
    if (ReactorHasWaiters()) ReactorPoll(0);
    const NetPoller* net = g_net_poller.load(std::memory_order_acquire);
    if (net) net->poll(self.index, false);
    Uthread* next = PickNext(self);
    if (!next) {
      self.tsc_fresh = false;
      self.idle.store(true, std::memory_order_relaxed);
      bool timer_due = false, extended = false;
      for (int i = 0; i < g_idle_spins && !next; i++) {
        __builtin_ia32_pause();
        if ((i & 63) == 63) {
          if (!MayRun(self.grant)) break;
          HandleDoorbell();
          if (next_deadline != 0 && NowNs() >= next_deadline) {
            timer_due = true;
            break;
          }
          if (net && net->poll(self.index, true) > 0) i = 0;  // frames keep it awake
          bool affine_pending = false;
          next = PickNext(self, &affine_pending);
          // A uthread a wake queued on a busy sibling becomes ours to
          // steal within kAffineStealCycles: wait for it rather than park
          // (once: a ping-pong on the sibling queues one after another).
          if (affine_pending && !extended) {
            extended = true;
            i = 0;
          }
        }
      }
      if (!next) {
        if (net && net->pending()) continue;
        if (timer_due) continue;
        if (UnderDaemon(self) && self.grant.holds && next_deadline != 0 &&
            next_deadline <= NowNs() + kHoldForTimerNs)
          continue;  // granted ahead of our timer: keep the core for it
        // Standalone, a spinning kthread never sleeps on the host. Under
        // the daemon it goes idle like the others (so the daemon may lend
        // its core to a container with work: published running, its idle
        // core looked busy for ever) and polls its grant while it is still
        // its own (WaitForGrant).
        if (self.spins && !UnderDaemon(self)) continue;
        if (UnderDaemon(self)) {
          // Out of work: keep the grant, idle; the daemon lends the core
          // to others meanwhile (frames arriving later count as congestion
          // there: it grants a core again).
          bool held = self.grant.holds;
          if (held) IdleCore(self.grant);
          LeaveLoop(&self.in_loop);
          WaitForCore(self, held);
        } else {
          IdleUpkeep();
          IdleWait(self, EarlierDeadline(next_deadline, net ? net->next_timer_ns() : 0));
          IdleUpkeep();  // (a long sleep: cheaper here than in the guest)
        }
        continue;
      }
    }
    self.idle.store(false, std::memory_order_relaxed);
    LeaveLoop(&self.in_loop);
    KickForQueuedWork(self);
    StartRunning(self, next);
    junction_uthread_switch(&self.sched_rsp, next->switch_rsp);
    // Back from a uthread that blocked, yielded or exited (perhaps on the
    // guest's %fs: it switched from a lazy system call).
    libos::WriteFsBase(ts->libos_fs);
    ts->in_libos = 1;
    // Sleepers whose time has come go ahead of a uthread that yielded.
    RunTimers();
    FinishSwitch(self);
  }
}

// Switches the current uthread `u` out: straight to the next runnable
// uthread of this kthread if `direct` and the scheduler loop has nothing
// to do, else to the loop. On the guest's registers (a lazy system call),
// keeps them in the uthread and puts them back when it resumes.
[[gnu::always_inline]] inline void SwitchFrom(Uthread* u, bool direct) {
  libos::ThreadState* ts = libos::CurrentThread();
  Kthread& k = Self();
  if (!ts->in_libos) {
    ts->guest_fs = libos::ReadFsBase();
    u->saved_vectors = static_cast<uint8_t>(SaveGuestVectors(ts, u->vec_area, &u->vec_inuse));
  } else {
    u->saved_vectors = static_cast<uint8_t>(SavedVectors::kNone);
  }
  SaveUthread(ts, u);
  k.switch_tsc = ReadTsc();  // one TSC read per switch (cpu_time.h)
  k.tsc_fresh = true;
  ChargeRun(u, k.switch_tsc, u->state == UthreadState::kBlocked);
  k.prev = u;
  Uthread* next = nullptr;
  // The loop still runs every kDirectSwitchCycles (timers, the reactor,
  // the daemon's signals) and whenever a host signal is pending. Under the
  // daemon, a kthread asked to give its core back goes there too.
  if (direct && k.switch_tsc - k.loop_tsc < kDirectSwitchCycles &&
      !g_signal_arrived.load(std::memory_order_relaxed) && !(k.grant.slot && YieldRequested()))
    next = PopRunqueue(k);
  if (next) {
    StartRunning(k, next);
    junction_uthread_switch(&u->switch_rsp, next->switch_rsp);
  } else {
    junction_uthread_switch(&u->switch_rsp, k.sched_rsp);
  }
  // Running again, perhaps on another kthread.
  Kthread& self = Self();
  FinishSwitch(self);
  // rseq: the core it runs on now (the registered area stays writable:
  // libos/signals/rseq.h).
  if (uintptr_t area = __atomic_load_n(&u->rseq_area, __ATOMIC_ACQUIRE);
      area && u->rseq_cpu != self.index) [[unlikely]] {
    // Fault-tolerant stores: an area that faults now (unmapped meanwhile)
    // is left alone; its next critical-section check says SIGSEGV.
    auto* words = reinterpret_cast<uint32_t*>(area);
    (void)(libos::SafeStore32(&words[0], static_cast<uint32_t>(self.index)) &&
           libos::SafeStore32(&words[1], static_cast<uint32_t>(self.index)));
    u->rseq_cpu = self.index;
  }
  ResumeContext(self.ts, u);
}

void* KthreadMain(void* arg) {
  auto* k = static_cast<Kthread*>(arg);
  // Wait until the LibOS has finished setting up and the first uthread runs.
  while (!g_started.load(std::memory_order_acquire)) {
    host::Syscall(SYS_futex, host::L(&k->park_word), FUTEX_WAIT_PRIVATE, 0, 0);
  }
  SchedulerLoop(*k);
}

KthreadInitFn g_init_fn;

void* KthreadBoot(void* arg) {
  auto* k = static_cast<Kthread*>(arg);
  if (!g_init_fn(k->index)) return nullptr;
  // Timed waits (the timer keeper's) end on time, not up to 50 µs late.
  host::Syscall(SYS_prctl, PR_SET_TIMERSLACK, 1);
  k->host_tid = static_cast<int>(syscall(SYS_gettid));
  k->ts = libos::CurrentThread();
  k->ts->kthread = k;
  return KthreadMain(arg);
}

}  // namespace

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}


int KthreadCount() { return g_num_kthreads.load(); }

SpinLock& AllUthreadsLock() { return g_all_lock; }
Uthread* AllUthreads() { return g_all; }

Uthread* FindUthread_locked(long tid) {
  for (Uthread* u = g_all; u; u = u->all_next)
    if (u->tid == tid) return u;
  return nullptr;
}

void SetSignalDeliverableCheck(bool (*fn)(Uthread*), const uint64_t* process_pending) {
  g_process_sig_pending = process_pending;
  g_signal_deliverable = fn;
}
void SetSignalArrivedHook(void (*fn)()) { g_signal_arrived_hook = fn; }
void SetIdleUpkeep(void (*fn)()) { g_idle_upkeep = fn; }
void SetGuestReturnWarmup(void (*fn)()) { g_guest_return_warmup = fn; }
void SetGuestClock(uint64_t (*monotonic_ns)()) { g_guest_clock = monotonic_ns; }
void SetKeeperLeadOverride(uint64_t ns) { g_keeper_lead_override = ns; }

bool PrepareKthreads(int count, KthreadInitFn init_kthread) {
  InitGuestVectors();
  g_timers = new TimerHeap();
  Kthread& main = g_kthreads[0];
  main.index = 0;
  main.ts = libos::CurrentThread();
  main.ts->kthread = &main;
  main.host_tid = static_cast<int>(syscall(SYS_gettid));
  host::Syscall(SYS_prctl, PR_SET_TIMERSLACK, 1);
  SaveStandaloneAffinity();
  SetIdleSpinsFromAffinity();
  g_num_kthreads.store(1);
  g_init_fn = init_kthread;
  for (int i = 1; i < count && i < kMaxKthreads; i++) {
    Kthread& k = g_kthreads[i];
    k.index = i;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    if (pthread_create(&k.thread, &attr, KthreadBoot, &k) != 0) return false;
    pthread_attr_destroy(&attr);
    // Wait for its per-kthread set-up before the next one.
    while (!k.ts) __builtin_ia32_pause();
    g_num_kthreads.store(i + 1);
  }
  return true;
}

bool g_single_kthread = false;
uint32_t g_uthread_epoch = 0;
namespace {
bool g_helper_thread = false;
}
void NoteSchedulerHelperThread() { g_helper_thread = true; }

void RunScheduler(Uthread* first) {
  g_single_kthread = g_num_kthreads.load() == 1 && !g_helper_thread;
  Register(first);
  PushRunqueue(g_kthreads[0], first);
  g_started.store(true, std::memory_order_release);
  for (int i = 1; i < g_num_kthreads.load(); i++) {
    g_kthreads[i].park_word.fetch_add(1);
    host::Syscall(SYS_futex, host::L(&g_kthreads[i].park_word), FUTEX_WAKE_PRIVATE, 1);
  }
  SchedulerLoop(g_kthreads[0]);
}

void SetSpinningKthreads(int n) {
  // Writes only what changes: a forked child calls this (ResetAfterFork),
  // and writing all 256 kthreads cost it 16 copy-on-write faults. Only
  // kthreads below the highest count ever set can be spinning (reading
  // all 256 cost a child ~1 us).
  static int spinning_high = 0;
  int upto = std::min(std::max(n, spinning_high), kMaxKthreads);
  if (n > spinning_high) spinning_high = std::min(n, kMaxKthreads);
  for (int i = 0; i < upto; i++) {
    bool spins = i < n;
    if (g_kthreads[i].spins != spins) g_kthreads[i].spins = spins;
    if (g_kthreads[i].grant.spins != spins) g_kthreads[i].grant.spins = spins;
  }
}

void AttachDaemonRegion(ShmHeader* header, KthreadSlot* (*slot)(void* ctx, int i), void* ctx,
                        int doorbell_fd) {
  int n = g_num_kthreads.load();
  for (int i = 0; i < n; i++) {
    KthreadSlot* s = slot(ctx, i);
    if (!s) continue;
    s->tid.store(static_cast<uint32_t>(g_kthreads[i].host_tid), std::memory_order_relaxed);
    g_kthreads[i].grant.slot = s;
    // A kthread waking for a grant or a timer runs within ~100 µs even on
    // a loaded host CPU (short_slice.h).
    RequestShortSlice(g_kthreads[i].host_tid);
    if (GrantTraceOn()) {
      g_kthreads[i].grant.trace = &g_kthreads[i].trace_sample;
      g_kthreads[i].grant.trace_stat_fd = GrantTraceOpenSchedStat(g_kthreads[i].host_tid);
    }
  }
  g_daemon_header = header;
  header->yield_signal.store(kPreemptSignal, std::memory_order_relaxed);
  header->publishes_runnable.store(1, std::memory_order_release);
  g_doorbell_fd.store(doorbell_fd, std::memory_order_release);
}

void AttachMemberSlot(KthreadSlot* slot, uint32_t token, int doorbell_fd, bool wait_for_grant) {
  PreemptionNeeded();  // the daemon asks for its core back through the ticks
  Kthread& self = Self();
  CoreGrant& g = self.grant;
  slot->tid.store(static_cast<uint32_t>(host::Syscall(SYS_gettid)), std::memory_order_relaxed);
  g.core = kNoCore;
  g.seq = slot->grant_seq.load(std::memory_order_relaxed);  // no grant yet
  g.holds = false;
  g.idle = false;
  g.member_pid = static_cast<uint32_t>(host::Syscall(SYS_getpid));
  g.member_token = token;
  slot->status.store(PackStatus(KthreadState::kParked, g.seq), std::memory_order_relaxed);
  if (doorbell_fd >= 0) g_doorbell_fd.store(doorbell_fd, std::memory_order_release);
  g.slot = slot;
  {
    SchedGuard guard(self.rq_lock);
    PublishQueue_locked(self);  // what the slot's previous process left is not ours
  }
  if (!wait_for_grant) return;  // (the scheduler loop: it asks at once)
  // The calling uthread runs on the daemon's grant from now on: it waits
  // in the run queue for the first one (the doorbell rings for it).
  Uthread* u = Current();
  u->state = UthreadState::kRunnable;
  SwitchFrom(u, false);
}

void SetDaemonDoorbell(int fd) {
  g_doorbell_fd.store(fd, std::memory_order_release);
  // A new daemon (or none): every kthread looks at its grant word again.
  int n = g_num_kthreads.load();
  for (int i = 0; i < n; i++) {
    Kthread& k = g_kthreads[i];
    if (k.gone) continue;
    if (k.grant.slot) KickGrantWaiter(k.grant);
    KickKthread(k);
  }
}

bool YieldRequested() {
  libos::ThreadState* ts = libos::CurrentThread();
  if (!ts || !ts->kthread) return false;
  const CoreGrant& g = static_cast<Kthread*>(ts->kthread)->grant;
  if (!g.slot || !g.holds.load(std::memory_order_relaxed)) return false;
  uint32_t c = g.slot->grant_core.load(std::memory_order_relaxed);
  // Asked to yield, or the core was already taken from us.
  return c != kStandaloneGrant &&
         (c != g.core || g.slot->yield_requested.load(std::memory_order_relaxed) != 0);
}

void SetMemberRejoin(MemberJoin (*fn)(MemberJoinKind)) { g_member_rejoin = fn; }

void SetNetPoller(const NetPoller* p) {
  if (p) PreemptionNeeded();  // the rings are polled between uthreads
  g_net_poller.store(p, std::memory_order_release);
}
bool NetPollerActive() { return g_net_poller.load(std::memory_order_relaxed) != nullptr; }

int CurrentKthreadIndex() {
  libos::ThreadState* ts = libos::CurrentThread();
  return ts && ts->kthread ? static_cast<Kthread*>(ts->kthread)->index : -1;
}

uint64_t PreemptionCount() { return g_preemptions.load(); }
uint64_t LiveUthreadCount() { return g_uthreads_total.load(std::memory_order_relaxed); }
void CountPreemption() { g_preemptions.fetch_add(1, std::memory_order_relaxed); }

void Register(Uthread* u) {
  // Another uthread may wait for a core held by one that never blocks.
  PreemptionNeeded();
  g_uthreads_total.fetch_add(1, std::memory_order_relaxed);
  SpinGuard g(g_all_lock);
  u->all_next = g_all;
  g_all = u;
}

void Unregister(Uthread* u) {
  g_uthreads_total.fetch_sub(1, std::memory_order_relaxed);
  SpinGuard g(g_all_lock);
  AddExitedCpu_locked(u);
  for (Uthread** p = &g_all; *p; p = &(*p)->all_next) {
    if (*p == u) {
      *p = u->all_next;
      return;
    }
  }
}

namespace {
Kthread& HomeFor(Uthread* u, Kthread& preferred) {
  if (Allowed(u, preferred.index) && !preferred.gone) return preferred;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 0; i < n; i++)
    if (!g_kthreads[i].gone && Allowed(u, i)) return g_kthreads[i];
  return preferred;
}
}  // namespace

void MigrateIfDisallowed() {
  Uthread* u = Current();
  if (Allowed(u, Self().index)) return;
  u->state = UthreadState::kRunnable;
  SwitchFrom(u, false);  // FinishSwitch queues it where it may run
}

void MakeRunnable(Uthread* u) {
  u->state = UthreadState::kRunnable;
  if (g_single_kthread) {
    // The one kthread is running this: no other to pick, kick or wake, and
    // no daemon (single_kthread.h).
    PushRunqueue(Self(), u);
    return;
  }
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  Kthread* kp = &g_kthreads[u->last_kthread < n ? u->last_kthread : 0];
  if (kp->gone) kp = &Self();
  Kthread* home = &HomeFor(u, *kp);
  // A uthread waking another whose kthread idles: queue it here
  // (wake_placement.h), where it runs when the waker blocks.
  libos::ThreadState* ts = libos::CurrentThread();
  Kthread& self = ts && ts->kthread ? Self() : *home;
  WakePlacement place;
  place.waker = ts && ts->kthread && ts->current ? self.index : -1;
  place.home = home->index;
  place.home_idle = home->idle.load(std::memory_order_relaxed);
  place.waker_allowed = Allowed(u, self.index);
  place.standalone = !UnderDaemon(self) && !UnderDaemon(*home) && self.grant.member_pid == 0;
  if (WakeTarget(place) == self.index && home != &self) {
    u->affine_tsc = ReadTsc();
    PushRunqueue(self, u);
    // No host wake-up for a parked sibling: a spinning one steals it after
    // kAffineStealCycles, and if the waker keeps running, the preemption
    // tick switches to the wakee and the scheduler loop wakes a parked
    // sibling for the one left queued (KickForQueuedWork).
    return;
  }
  Kthread& k = *home;
  if (home == &self && place.waker >= 0 && place.standalone) {
    // Behind its running waker, the same way.
    u->affine_tsc = ReadTsc();
    PushRunqueue(k, u);
    return;
  }
  PushRunqueue(k, u);
  KickKthread(k);
  if (k.grant.member_pid != 0 && k.grant.holds) {
    // A forked process's: queued behind a running uthread, it is work for
    // a sibling without a core, which asks the daemon for one (it would
    // not notice waiting in the reactor or on its park word).
    if (Kthread* idle = CorelessSibling(k)) KickKthread(*idle);
    return;
  }
  if (UnderDaemon(k) && k.grant.holds && k.rq_len.load(std::memory_order_relaxed) > 1) {
    // Work queues behind a running kthread: if a sibling has no core,
    // the daemon may grant it one (it reads the queue's age).
    for (int i = 0; i < n; i++)
      if (g_kthreads[i].grant.slot && !g_kthreads[i].grant.holds && !g_kthreads[i].gone) {
        RingDoorbell();
        break;
      }
    return;
  }
  // An idle sibling may take it sooner.
  for (int i = 0; i < n; i++)
    if (&g_kthreads[i] != &k && g_kthreads[i].parked.load()) {
      KickKthread(g_kthreads[i]);
      break;
    }
}

namespace {
// Adds (or re-targets: `u` set) an entry in the timer heap.
void PushTimer(uint64_t deadline, Uthread* u, uint64_t seq, TimerFn fn, void* arg) {
  bool earliest = false;
  {
    libos::EnterLibos(libos::CurrentThread());  // the timer heap allocates
    SpinGuard g(g_timer_lock);
    if (u)
      g_timers->SetWaitTimer(u, deadline, seq);
    else
      g_timers->AddCallback(deadline, fn, arg, seq);
    // Re-targeting may also have made the earliest deadline later.
    uint64_t first = g_timers->next_deadline();
    earliest = first < g_next_deadline.load(std::memory_order_relaxed);
    SetNextDeadline_locked(first);
  }
  // The coreless kthread sleeping until the old earliest timer re-arms.
  if (Kthread* keeper = g_timer_keeper.load(std::memory_order_acquire); earliest && keeper)
    KickGrantWaiter(keeper->grant);
}
}  // namespace

namespace {
void WarmGuestReturn(const Uthread* u) {
  libos::ThreadState* ts = libos::CurrentThread();
  // The one area the return reads: the xsave image in the LibOS context
  // (LeaveLibos's XRSTOR) or after a switch that fell back to XSAVE, else
  // the moves' area (the restore after each Yield that switched).
  const uint8_t* area = u->vec_area;
  uint32_t size = kGuestVectorFxsaveOffset + (u->vec_inuse & kX87 ? 512 : 0);
  if (ts->in_libos || u->saved_vectors == static_cast<uint8_t>(SavedVectors::kXsave)) {
    area = u->xsave_area;
    size = ts->xsave_size;
  }
  for (uint32_t off = 0; off < size; off += 64) __builtin_prefetch(area + off);
  auto* sp = reinterpret_cast<const uint8_t*>(ts->guest_rsp);
  for (int off = -256; off < 256; off += 64) __builtin_prefetch(sp + off);
  if (g_guest_return_warmup) g_guest_return_warmup();
}

// A sleep the timer keeper ended ahead of its deadline (RunTimersUntil, up
// to KeeperLead() early, on the kthread's own idle core): it lasts until
// the deadline, as the guest asked, so poll up to it here. Other work,
// timers, a yield request or a host signal take the CPU meanwhile (Yield).
// True if a signal for the uthread came first (the sleep is interrupted,
// as Linux's would be). The polling is not the uthread's CPU time: as far
// as the guest knows, it sleeps.
bool WaitOutEarlyTimeout(Uthread* u, uint64_t deadline_ns) {
  // Against the guest's clock: the timer fired by the host's, and the
  // guest's may be a few µs behind (then even a timeout at its deadline
  // polls those µs, or the guest would read a time before it).
  if (GuestNowNs() >= deadline_ns) return false;
  bool signal = false;
  unsigned round = 0;
  do {
    // What the return to the guest reads first, written at the call's
    // entry milliseconds ago and cold since: its vector state (2.7 KB with
    // AVX-512) and the top of its stack. Warmed while waiting (a prefetch
    // never faults), again now and then in case an interrupt evicted it.
    if ((round++ & 63) == 0) WarmGuestReturn(u);
    for (int i = 0; i < 16; i++) __builtin_ia32_pause();
    if (GuestNowNs() >= deadline_ns) break;
    if ((signal = SignalDeliverable(u))) break;
    Yield();
  } while (GuestNowNs() < deadline_ns);
  BeginRun(u, ReadTsc());
  return signal;
}
}  // namespace

WakeReason Park(uint64_t deadline_ns, bool interruptible) {
  Uthread* u = Current();
  if (interruptible) {
    // Re-check after marking interruptible: a signal queued before the
    // mark was seen by no waker (Notify and HandleSignalWakeups skip a
    // waiter not yet interruptible). The locked exchange orders the mark
    // before the check and pairs with the waker's locked update of the
    // pending set before it reads `interruptible`: one of the two sees the
    // other (an xchg costs less than an mfence). With one kthread every
    // waker runs on this thread (a host signal handler only sets flags):
    // program order is enough.
    if (g_single_kthread) {
      u->interruptible = true;
      std::atomic_signal_fence(std::memory_order_seq_cst);
    } else {
      (void)__atomic_exchange_n(&u->interruptible, true, __ATOMIC_SEQ_CST);
    }
    if (SignalDeliverable(u)) WakeUp(u, WakeReason::kSignal);
  } else {
    u->interruptible = false;
  }
  if (deadline_ns) PushTimer(deadline_ns, u, u->WaitGen(), nullptr, nullptr);
  if (u->WaitState() == Uthread::kWaiting) {
    u->state = UthreadState::kBlocked;
    SwitchFrom(u, true);
  }
  // Woken (or never waiting): no one else changes the wait word now, so a
  // plain store ends the wait (locked instructions cost ~20 cycles each).
  uint64_t word = u->wait_word.load(std::memory_order_acquire);
  int st = Uthread::StateOf(word);
  u->wait_word.store((word & ~Uthread::kStateMask) + Uthread::kGenOne, std::memory_order_release);
  u->interruptible = false;
  WakeReason why = st >= Uthread::kWokenUp ? static_cast<WakeReason>(st - Uthread::kWokenUp)
                                           : WakeReason::kNone;
  if (why == WakeReason::kTimeout && u->sleep_only && WaitOutEarlyTimeout(u, deadline_ns))
    why = WakeReason::kSignal;
  // A signal ended the wait: the call's exit must go through delivery on
  // whatever kthread it resumed on, even if another thread took the signal
  // meanwhile (then no handler runs and delivery restarts the call, as
  // Linux restarts an -ERESTARTSYS call that found no signal to take).
  if (why == WakeReason::kSignal) libos::CurrentThread()->signal_pending = 1;
  return why;
}

WakeReason ParkSleep(uint64_t deadline_ns) {
  Uthread* u = Current();
  __atomic_store_n(&u->sleep_only, true, __ATOMIC_RELAXED);
  WakeReason why = Park(deadline_ns, true);
  __atomic_store_n(&u->sleep_only, false, __ATOMIC_RELAXED);
  return why;
}

void Yield() {
  Uthread* u = Current();
  // With a packet link or uthreads parked on host descriptors the
  // scheduler loop must look at the rings and the reactor every slice even
  // when this uthread is alone (a busy guest would starve them); not while
  // another kthread blocks in the reactor's epoll_wait (it wakes them).
  // A noted signal needs the loop too (HandleSignalWakeups aims and wakes),
  // as does a forked process's kthread that may join a daemon again.
  // So does one whose affinity no longer allows this kthread (changed by
  // another process: RecheckAffinity): FinishSwitch queues it elsewhere.
  if (PeekRunnable() == 0 && !TimersDue() && !YieldRequested() && !NetPollerActive() &&
      !ReactorNeedsPass() && !g_signal_arrived.load(std::memory_order_relaxed) && !MemberRejoinDue() &&
      !DoorbellPending() && Allowed(u, Self().index))
    return;
  u->state = UthreadState::kRunnable;
  SwitchFrom(u, true);
}

void RecheckAffinity(Uthread* u) {
  if (!u->on_cpu.load(std::memory_order_acquire) || Allowed(u, u->last_kthread)) return;
  // Running where it may no longer run: it yields at its next exit from
  // the LibOS (or the next tick's), and the yield moves it.
  u->need_resched = true;
  KickUthread(u);
}

void AddTimer(uint64_t deadline_ns, TimerFn fn, void* arg, uint64_t seq) {
  PreemptionNeeded();  // it must run even while a uthread spins (TimersDue)
  PushTimer(deadline_ns, nullptr, seq, fn, arg);
}

void KickUthread(Uthread* u) {
  if (!u->on_cpu.load(std::memory_order_acquire)) return;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  if (u->last_kthread >= n) return;
  libos::ThreadState* ts = g_kthreads[u->last_kthread].ts;
  // Racy by design: a stale 1 only sends the next exit through the slow
  // path, which recomputes the flag.
  if (ts && ts->current == u) __atomic_store_n(&ts->signal_pending, 1, __ATOMIC_RELEASE);
}

void InterruptHostCall(Uthread* u) {
  if (!u->on_cpu.load(std::memory_order_acquire)) return;
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  if (u->last_kthread >= n) return;
  Kthread& k = g_kthreads[u->last_kthread];
  if (k.gone || !k.ts || k.ts->current != u || &k == &Self() || k.host_tid <= 0) return;
  host::Syscall(SYS_tgkill, host::Syscall(SYS_getpid), k.host_tid, kPreemptSignal);
}

bool TimersDue() {
  // No clock read (~15 ns through the vDSO) without a timer.
  uint64_t due = g_next_deadline.load(std::memory_order_acquire);
  return due != ~uint64_t{0} && due <= NowNs();
}

bool MemberRejoinDue() {
  if (!g_member_rejoin) return false;
  libos::ThreadState* ts = libos::CurrentThread();
  if (!ts || !ts->kthread) return false;
  const Kthread& k = *static_cast<const Kthread*>(ts->kthread);
  return (k.grant.slot == nullptr || RunsStandalone(k.grant)) && NowNs() >= k.rejoin_at;
}

bool ReactorNeedsPass() {
  return ReactorHasWaiters() && !g_reactor_busy.load(std::memory_order_acquire);
}

int PeekRunnable() {
  int n = g_num_kthreads.load(std::memory_order_relaxed), total = 0;
  for (int i = 0; i < n; i++) total += g_kthreads[i].rq_len.load(std::memory_order_relaxed);
  return total;
}

void ExitCurrent() {
  Uthread* u = Current();
  Unregister(u);
  {
    // An entry left by a timed wait that ended early would outlive u.
    SpinGuard g(g_timer_lock);
    g_timers->RemoveWaitTimer(u);
    SetNextDeadline_locked(g_timers->next_deadline());
  }
  u->state = UthreadState::kExited;
  // Straight to the next runnable uthread (the joiner the exit woke),
  // as a blocking call does: FinishSwitch frees this one there.
  SwitchFrom(u, true);
  __builtin_unreachable();
}

namespace {
// A forked child's resets write a variable only if it changes: each page
// written is a copy-on-write fault (the scheduler's globals share a bss
// page nothing else in a child that exits at once writes).
template <typename T, typename V>
void SetIfChanged(T& var, V value) {
  if (var != static_cast<T>(value)) var = static_cast<T>(value);
}
template <typename T, typename V>
void SetIfChanged(std::atomic<T>& var, V value) {
  if (var.load(std::memory_order_relaxed) != static_cast<T>(value)) var.store(static_cast<T>(value));
}
void UnlockIfHeld(SpinLock& l) {
  if (l.is_locked()) l.unlock();
}
}  // namespace

void ResetAfterFork() {
  Uthread* self_u = Current();
  Kthread& self = Self();
  int n = g_num_kthreads.load();
  for (int i = 0; i < n; i++) {
    Kthread& k = g_kthreads[i];
    SetIfChanged(k.rq_head, nullptr);
    SetIfChanged(k.rq_tail, nullptr);
    SetIfChanged(k.rq_len, 0);
    UnlockIfHeld(k.rq_lock);
    SetIfChanged(k.parked, false);
    SetIfChanged(k.polling_reactor, false);
    SetIfChanged(k.gone, &k != &self);
  }
  // The child is not registered with the daemon (the region is the
  // parent's): it runs standalone, on the process's cores.
  if (self.grant.slot) ReleaseGrantAfterFork(self.grant);
  for (int i = 0; i < n; i++) SetIfChanged(g_kthreads[i].grant.slot, nullptr);
  // One kthread, which the child's own work needs: it parks when idle.
  SetSpinningKthreads(0);
  SetIfChanged(g_member_rejoin, nullptr);
  SetIfChanged(self.rejoin_at, 0);
  SetIfChanged(g_daemon_header, nullptr);
  SetIfChanged(g_doorbell_fd, -1);
  SetIfChanged(g_timer_keeper, nullptr);
  // Nor are the packet rings the child's: the parent keeps polling them.
  if (g_net_poller.load(std::memory_order_relaxed)) {
    if (const NetPoller* net = g_net_poller.exchange(nullptr)) net->abandon_after_fork();
  }
  // Only the forking uthread exists in the child; the others' memory is
  // simply not used again. They may still be queued in the wait queues
  // the child copied (a signalfd's, an epoll set's): a wake there ran the
  // parent's thread in the child (Go's netpoller thread, in os/exec's
  // helpers, then died of SIGSEGV on a stale timer slot or on its stack
  // the child's exec had unmapped). A new epoch makes them unclaimable
  // (ClaimWakeUp); a parent with no other uthread has none to hide (no
  // page written).
  if (g_all != self_u || self_u->all_next != nullptr || g_uthreads_total.load() > 1) {
    g_uthread_epoch++;
    self_u->epoch = g_uthread_epoch;
  }
  SetIfChanged(g_all, self_u);
  SetIfChanged(self_u->all_next, nullptr);
  SetIfChanged(g_uthreads_total, 1);
  SetIfChanged(self_u->last_kthread, self.index);
  // The parent's entries are its uthreads': a fresh heap if there are any
  // (an empty one is kept: a new one's malloc writes two heap pages, each
  // a copy-on-write fault here).
  if (!g_timers->empty()) g_timers = new TimerHeap();
  SetIfChanged(self_u->timer_slot, -1);  // its entry was in the parent's heap
  SetIfChanged(g_next_deadline, ~uint64_t{0});
  SetIfChanged(g_signal_arrived, false);
  SetIfChanged(g_reactor_busy, false);
  UnlockIfHeld(g_timer_lock);
  UnlockIfHeld(g_all_lock);
  ResetFutexesAfterFork();
  SetIfChanged(g_single_kthread, true);  // the only host thread in the child
  for (int i = 0; i < n; i++) SetIfChanged(g_kthreads[i].starting, false);
  UnlockIfHeld(g_restart_lock);
  SetIfChanged(g_running_kthreads, 1);
  SetIfChanged(g_restartable, g_restart_start ? n - 1 : 0);
  ReactorResetAfterFork();
  PreemptionResetAfterFork();
}

void SetKthreadRestart(KthreadStartFn start, KthreadInitFn init) {
  g_restart_start = start;
  g_restart_init = init;
}

void AddKthreadIfWanted() {
  if (g_restartable.load(std::memory_order_relaxed) == 0) return;  // the parent: never
  if (static_cast<uint64_t>(g_running_kthreads.load(std::memory_order_relaxed)) >= LiveUthreadCount())
    return;
  int index = -1;
  uintptr_t tls = 0;
  {
    SpinGuard g(g_restart_lock);
    int running = g_running_kthreads.load(std::memory_order_relaxed);
    if (g_restartable.load(std::memory_order_relaxed) == 0 ||
        static_cast<uint64_t>(running) >= LiveUthreadCount())
      return;
    int n = g_num_kthreads.load(std::memory_order_relaxed);
    for (int i = 0; i < n && index < 0; i++)
      if (g_kthreads[i].gone && !g_kthreads[i].starting && g_kthreads[i].ts) index = i;
    if (index < 0) {
      g_restartable.store(0, std::memory_order_relaxed);
      return;
    }
    Kthread& k = g_kthreads[index];
    k.starting = true;
    // What the parent's kthread left in its grant is not this one's; its
    // host thread starts with our affinity (a raw clone copies it).
    ResetGrantForNewThread(k.grant, Self().grant.pinned);
    g_restartable.fetch_sub(1, std::memory_order_relaxed);
    g_running_kthreads.fetch_add(1, std::memory_order_relaxed);
    tls = k.ts->libos_fs;  // its glibc descriptor (the parent's copy of the ThreadState)
    // Before another host thread runs scheduler code: real locks from now on.
    g_single_kthread = false;
  }
  if (g_restart_start(index, tls)) return;
  SpinGuard g(g_restart_lock);
  g_kthreads[index].starting = false;
  g_running_kthreads.fetch_sub(1, std::memory_order_relaxed);
  g_restartable.store(0, std::memory_order_relaxed);  // no more tries
}

void RunRestartedKthread(int index, uint64_t host_mask) {
  Kthread& k = g_kthreads[index];
  if (!g_restart_init(index)) {
    {
      SpinGuard g(g_restart_lock);
      k.starting = false;
      g_running_kthreads.fetch_sub(1, std::memory_order_relaxed);
      g_restartable.store(0, std::memory_order_relaxed);
    }
    for (;;) host::Syscall(SYS_exit, 0);
  }
  host::Syscall(SYS_prctl, PR_SET_TIMERSLACK, 1);
  k.host_tid = static_cast<int>(host::Syscall(SYS_gettid));
  k.ts = libos::CurrentThread();
  k.ts->kthread = &k;
  // What the parent's kthread left in its entry is not this one's.
  k.prev = nullptr;
  k.loop_tsc = 0;
  k.tsc_fresh = false;
  k.trace_sample = GrantTraceSample{};
  k.trace_woken = nullptr;
  k.spins = false;
  k.rejoin_at = 0;
  // In a process that joined the daemon, the kthread takes grants on a
  // member slot of its own before it runs anything; if the daemon refuses
  // one the process keeps the kthreads it has. (With no daemon to ask it
  // runs standalone, as the others do then, and joins when one returns.)
  if (g_member_rejoin) {
    if (g_member_rejoin(MemberJoinKind::kNewKthread) == MemberJoin::kRefused) {
      {
        SpinGuard g(g_restart_lock);
        k.starting = false;
        g_running_kthreads.fetch_sub(1, std::memory_order_relaxed);
        g_restartable.store(0, std::memory_order_relaxed);
      }
      for (;;) host::Syscall(SYS_exit, 0);
    }
  }
  // Standalone: off the core its creator was pinned to (a grant of its own).
  if (!k.grant.slot && k.grant.pinned <= kMaxCoreId) ReleaseGrantAfterFork(k.grant);
  {
    SpinGuard g(g_restart_lock);
    k.starting = false;
    // Running now: others may queue work for it and kick it.
    __atomic_store_n(&k.gone, false, __ATOMIC_RELEASE);
  }
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&host_mask), 0, 8);
  SchedulerLoop(k);
}

void FinishSwitchHere() { FinishSwitch(Self()); }

bool InLazyUse(const void* object) {
  int n = g_num_kthreads.load(std::memory_order_acquire);
  for (int i = 0; i < n; i++) {
    const Kthread& k = g_kthreads[i];
    if (!k.gone && k.ts && __atomic_load_n(&k.ts->lazy_object, __ATOMIC_SEQ_CST) == object) return true;
  }
  return false;
}

bool HostFdInLazyUse(int fd) {
  int n = g_num_kthreads.load(std::memory_order_acquire);
  for (int i = 0; i < n; i++) {
    const Kthread& k = g_kthreads[i];
    if (!k.gone && k.ts && __atomic_load_n(&k.ts->lazy_host_fd, __ATOMIC_SEQ_CST) == fd) return true;
  }
  return false;
}

bool SignalArrivedPending() { return g_signal_arrived.load(std::memory_order_relaxed); }

void NoteSignalArrived() {
  // seq_cst: a store then KickKthread's flag loads (see parked).
  g_signal_arrived.store(true, std::memory_order_seq_cst);
  int n = g_num_kthreads.load(std::memory_order_relaxed);
  for (int i = 0; i < n; i++) KickKthread(g_kthreads[i]);
}

}  // namespace junction::sched

namespace junction::libos {
bool ExecEndsCurrentThread();        // libos/process.h
[[noreturn]] void EndThreadForExec();
}  // namespace junction::libos

// First code a new uthread runs: resume the guest at its start state.
extern "C" [[noreturn]] void junction_uthread_first_run() {
  using namespace junction;
  sched::Uthread* u = sched::Current();
  libos::ThreadState* ts = libos::CurrentThread();
  // Started by a direct switch, the uthread that left is settled here.
  sched::FinishSwitchHere();
  // Made as another thread's exec began: it never runs the old image.
  if (libos::ExecEndsCurrentThread()) libos::EndThreadForExec();
  u->fresh = false;
  libos::WriteFsBase(ts->guest_fs);
  // Its vector registers: kept by moves when its creator's clone took the
  // lazy path (libos/syscalls/sys_thread_lazy.cc), else its xsave image.
  auto how = static_cast<sched::SavedVectors>(u->saved_vectors) == sched::SavedVectors::kMoves
                 ? sched::SavedVectors::kMoves
                 : sched::SavedVectors::kXsave;
  sched::RestoreGuestVectors(ts, how, u->vec_area, u->vec_inuse);
  junction_resume_guest(&u->start_ctx);
}
