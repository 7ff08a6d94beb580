#include "sched/core_grant.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include "libos/host/host.h"
#include "sched/doorbell.h"
#include "sched/kthread.h"

namespace junction::sched {

namespace {

cpu_set_t g_standalone_mask;  // the process's affinity at start

void SetAffinity(const cpu_set_t& set) {
  host::Syscall(SYS_sched_setaffinity, 0, sizeof set, host::L(&set));
}

void PinTo(CoreGrant& g, uint32_t core) {
  if (g.pinned == core) return;
  if (core == kStandaloneGrant) {
    SetAffinity(g_standalone_mask);
  } else {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    SetAffinity(set);
  }
  g.pinned = core;
}

}  // namespace

void SaveStandaloneAffinity() {
  CPU_ZERO(&g_standalone_mask);
  if (host::Syscall(SYS_sched_getaffinity, 0, sizeof g_standalone_mask,
                    host::L(&g_standalone_mask)) < 0)
    for (int i = 0; i < CPU_SETSIZE; i++) CPU_SET(i, &g_standalone_mask);
}

bool TakeGrant(CoreGrant& g) {
  KthreadSlot* s = g.slot;
  if (g.member_pid != 0 && (s->member_pid.load(std::memory_order_acquire) != g.member_pid ||
                            s->member_token.load(std::memory_order_relaxed) != g.member_token)) {
    // Our member slot was released (our connection closed) or a new daemon
    // reassigned it (perhaps to another of our kthreads): run standalone
    // from now on.
    ReleaseGrantAfterFork(g);
    return true;
  }
  uint32_t c = s->grant_core.load(std::memory_order_acquire);
  if (c == kStandaloneGrant) {
    // The daemon is gone: run on the process's own cores.
    PinTo(g, c);
    g.core = c;
    g.idle = false;
    g.holds = true;
    return true;
  }
  if (c == kNoCore || c > kMaxCoreId || s->yield_requested.load(std::memory_order_relaxed) != 0) {
    if (g.holds || g.idle) {
      ReleaseCore(g);  // (an idle grant taken back: answered parked)
    } else if (uint32_t seq = s->grant_seq.load(std::memory_order_relaxed); seq != g.seq) {
      // A grant taken back before we ran on it: answer it, parked, or the
      // daemon would wait for us to give back a core we never used.
      g.seq = seq;
      ReleaseCore(g);
    }
    return false;
  }
  uint32_t seq = s->grant_seq.load(std::memory_order_relaxed);
  if (c == g.core && seq == g.seq) return g.holds;  // held, idle, or the grant we gave back
  // A new grant: run there, and say so with its sequence number.
  PinTo(g, c);
  g.core = c;
  g.seq = seq;
  g.idle = false;
  g.holds = true;
  s->status.store(PackStatus(KthreadState::kRunning, seq), std::memory_order_release);
  if (g.trace) {
    g.trace->grant_time = s->grant_time_ns.load(std::memory_order_relaxed);
    g.trace->grant_seen = NowNs();
  }
  return true;
}

void ReleaseGrantAfterFork(CoreGrant& g) {
  PinTo(g, kStandaloneGrant);
  g.slot = nullptr;
  g.core = kNoCore;
  g.seq = 0;
  g.holds = false;
  g.idle = false;
  g.member_pid = 0;
  g.member_token = 0;
}

void ResetGrantForNewThread(CoreGrant& g, uint32_t inherited_pin) {
  g.slot = nullptr;
  g.core = kNoCore;
  g.seq = 0;
  g.pinned = inherited_pin;
  g.holds = false;
  g.idle = false;
  g.kicked = 0;
  g.sleeping = 0;
  g.member_pid = 0;
  g.member_token = 0;
  g.trace = nullptr;
  g.trace_stat_fd = -1;
}

void IdleCore(CoreGrant& g) {
  g.idle = true;
  g.holds = false;
  g.slot->status.store(PackStatus(KthreadState::kIdle, g.seq), std::memory_order_release);
}

bool ResumeIdleCore(CoreGrant& g) {
  if (!g.idle) return false;
  KthreadSlot* s = g.slot;
  uint32_t c = s->grant_core.load(std::memory_order_acquire);
  if (c == g.core && s->grant_seq.load(std::memory_order_relaxed) == g.seq &&
      s->yield_requested.load(std::memory_order_relaxed) == 0) {
    g.idle = false;
    g.holds = true;
    s->status.store(PackStatus(KthreadState::kRunning, g.seq), std::memory_order_release);
    // The daemon may have lent the core away just now, before seeing us
    // run: MayRun at the next scheduling point (or its yield signal) says so.
    return true;
  }
  ReleaseCore(g);
  g.idle = false;
  return false;
}

void ReleaseCore(CoreGrant& g) {
  g.holds = false;
  g.idle = false;
  // Release: everything this kthread published before is visible to the
  // daemon that sees the park.
  g.slot->status.store(PackStatus(KthreadState::kParked, g.seq), std::memory_order_release);
}

bool WaitForGrant(CoreGrant& g, uint64_t deadline_ns, GrantPoll poll) {
  KthreadSlot* s = g.slot;
  uint64_t spin_until = poll != GrantPoll::kSleep ? NowNs() + kGrantSpinNs : 0;
  // Polling hard for a deadline: up to it, however far (a sleep now would
  // end late).
  if (poll == GrantPoll::kHard && deadline_ns > spin_until) spin_until = deadline_ns;
  bool polite = poll != GrantPoll::kHard;
  for (unsigned round = 0;; round++) {
    if (TakeGrant(g)) return true;
    uint64_t now = NowNs();
    if (g.trace) [[unlikely]] GrantTracePoll(g.trace, now);
    if (deadline_ns != 0 && now >= deadline_ns) return false;
    // New work or a signal: the caller services it and waits again, spinning.
    if (g.kicked.exchange(0, std::memory_order_acquire) != 0) return false;
    // A ring of the process's doorbell (doorbell.h): the caller looks.
    if (DoorbellPending()) return false;
    // A spinning kthread polls only while the grant word still names its
    // own idle core: a core taken back is another container's now, and
    // polling there (pinned to it) would take the host CPU from its owner.
    bool own_idle_core = g.spins && g.idle && s->grant_core.load(std::memory_order_relaxed) == g.core;
    if (now < spin_until || own_idle_core) {
      // 64 pauses take ~1.5 µs here; polling hard for a deadline, 16 (the
      // deadline is checked between them).
      int pauses = polite ? 64 : 16;
      for (int i = 0; i < pauses; i++) __builtin_ia32_pause();
      // Parked kthreads spin on the core they last held, which may now
      // be another container's: let its owner run between our polls.
      if (polite && (round & 15) == 15) host::Syscall(SYS_sched_yield);
      continue;
    }
    uint32_t word = s->grant_core.load(std::memory_order_acquire);
    g.sleeping.store(1, std::memory_order_seq_cst);
    if (g.kicked.load(std::memory_order_seq_cst) != 0 || TakeGrant(g)) {
      g.sleeping.store(0, std::memory_order_relaxed);
      continue;  // (TakeGrant is checked again at the top)
    }
    timespec ts{}, *tsp = nullptr;
    if (deadline_ns != 0) {
      uint64_t d = deadline_ns - now;
      ts.tv_sec = static_cast<time_t>(d / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(d % 1'000'000'000);
      tsp = &ts;
    }
    if (g.trace) {
      GrantTraceReadSchedStat(g.trace_stat_fd, &g.trace->at_sleep);
      g.trace->keeper_sleep = now;
      g.trace->keeper_asked = deadline_ns;
    }
    // Not private: the daemon wakes this word through its own mapping. On
    // the doorbell too: a signal's kick from its handler on this very
    // thread would come before the wait restarts, and be lost.
    long r;
    ProcessDoorbell* not_in_loop = nullptr;
    if (!WaitWithDoorbell(&s->grant_core, word, false, deadline_ns, &not_in_loop, &r))
      r = host::Syscall(SYS_futex, host::L(&s->grant_core), FUTEX_WAIT, word, host::L(tsp));
    if (g.trace) {
      g.trace->keeper_woke = NowNs();
      GrantTraceReadSchedStat(g.trace_stat_fd, &g.trace->at_woke);
      g.trace->last_poll = NowNs();  // (the read is not a gap between polls)
      g.trace->poll_gap = 0;
    }
    g.sleeping.store(0, std::memory_order_relaxed);
    if (DoorbellPending()) return false;
    // A signal (the preemption tick of a wait's first slice, or a host
    // signal, whose handler kicks us if it brought work) says nothing about
    // a grant: back to sleep, without polling first.
    if (r == -EINTR) continue;
    // Woken, or the word changed before we slept: a grant is likely close,
    // unless the change was the daemon taking back the core we had just
    // given back (kNoCore). Polling then would only hold up, on the core we
    // last ran on, the container the daemon is granting it to.
    if (s->grant_core.load(std::memory_order_acquire) == kNoCore) continue;
    spin_until = NowNs() + kGrantSpinNs;
    polite = true;
  }
}

void KickGrantWaiter(CoreGrant& g) {
  g.kicked.store(1, std::memory_order_seq_cst);
  if (g.sleeping.load(std::memory_order_seq_cst) != 0)
    host::Syscall(SYS_futex, host::L(&g.slot->grant_core), FUTEX_WAKE, 1);
}

}  // namespace junction::sched
