#include "libos/signals/posix_timers.h"

#include <cerrno>
#include <climits>
#include <cstring>

#include "libos/entry/thread_state.h"
#include "libos/process.h"
#include "libos/signals/signal_state.h"
#include "libos/signals/timer_math.h"
#include "sched/cpu_time.h"
#include "sched/kthread.h"
#include "sched/spinlock.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

// What a timer measures: a wall clock, or a process's or thread's CPU
// time (the kernel's CPUCLOCK_SCHED = run time, _PROF = user + system,
// _VIRT = user).
enum class ClockKind : uint8_t { kWall, kCpuSched, kCpuProf, kCpuVirt };
struct TimerClock {
  ClockKind kind = ClockKind::kWall;
  clockid_t wall = CLOCK_MONOTONIC;
  int tid = 0;  // CPU clocks: the thread, 0 = the process
};

// A CPU budget cannot run out sooner than this after a check: the polling
// step for CPU-clock timers (about a time slice).
constexpr uint64_t kCpuPollNs = 200000;

struct PosixTimer {
  sched::SpinLock lock;
  bool used = false;
  bool itimer = false;  // setitimer's: re-armed at expiry, SI_KERNEL signals
  int id = -1;
  TimerClock clock;
  int notify = SIGEV_SIGNAL;
  int signo = SIGALRM;
  int tid = 0;  // SIGEV_THREAD_ID target
  sigval value{};
  uint64_t expiry = 0;    // on the timer's clock, ns; 0 = disarmed
  uint64_t interval = 0;
  bool active = false;           // armed and its signal not yet sent
  bool requeue_pending = false;  // periodic, signal sent: re-armed when taken
  int64_t overrun = -1;
  int64_t overrun_last = 0;
  uint32_t signal_seq = 0;  // carried in si_sys_private; older signals are dropped
  uint64_t arm_gen = 0;     // heap entries of an older setting are ignored
};

constexpr int kMaxTimers = 1024;  // slot = id % kMaxTimers
PosixTimer g_timers[kMaxTimers];
PosixTimer g_itimers[3];  // ITIMER_REAL, _VIRTUAL, _PROF
sched::SpinLock g_table_lock;
int g_next_id = 0;
// Slots below this one may have been used or locked (timer_create takes
// them in order): a fork's and an exec's resets scan only these, not the
// whole 96 KiB table (~5 us per forked child).
int g_slots_touched = 0;

constexpr int kKernelSiSysPrivateOffset = 32;  // siginfo _timer._sys_private

bool ThreadExists(int tid) {
  sched::SpinGuard g(sched::AllUthreadsLock());
  return sched::FindUthread_locked(tid) != nullptr;
}

// Decodes a CPU-time clock id (the kernel's CPUCLOCK_* encoding). -EINVAL
// for a bad id or one naming a thread or process outside this process.
long DecodeCpuClock(clockid_t c, TimerClock* out) {
  int self = sched::Current() ? sched::Current()->tid : 0;
  if (c == CLOCK_PROCESS_CPUTIME_ID) {
    *out = {ClockKind::kCpuSched, CLOCK_MONOTONIC, 0};
    return 0;
  }
  if (c == CLOCK_THREAD_CPUTIME_ID) {
    *out = {ClockKind::kCpuSched, CLOCK_MONOTONIC, self};
    return 0;
  }
  if (c >= 0 || (c & 7) == 3 /*CLOCKFD*/) return -EINVAL;
  int which = c & 3;
  if (which == 3) return -EINVAL;
  bool per_thread = c & 4;
  int pid = ~(c >> 3);
  ClockKind kind = which == 0 ? ClockKind::kCpuProf : which == 1 ? ClockKind::kCpuVirt
                                                                 : ClockKind::kCpuSched;
  if (per_thread) {
    int tid = pid == 0 ? self : pid;
    if (!ThreadExists(tid)) return -EINVAL;
    *out = {kind, CLOCK_MONOTONIC, tid};
  } else {
    if (pid != 0 && pid != CurrentProcess().pid) return -EINVAL;
    *out = {kind, CLOCK_MONOTONIC, 0};
  }
  return 0;
}

uint64_t CpuValue(ClockKind kind, uint64_t sched_ns, const sched::CpuTimes& t) {
  switch (kind) {
    case ClockKind::kCpuProf: return t.user_ns + t.sys_ns;
    case ClockKind::kCpuVirt: return t.user_ns;
    default: return sched_ns;
  }
}

// The clock's current value; false if it names a thread that is gone.
bool ClockNow(const TimerClock& c, uint64_t* ns) {
  if (c.kind == ClockKind::kWall) {
    timespec t{};
    clockid_t base = c.wall == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
                     : c.wall == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : c.wall;
    clock_gettime(base, &t);
    *ns = TimespecToNs(t);
    return true;
  }
  if (c.tid == 0) {
    if (c.kind == ClockKind::kCpuSched) {
      *ns = sched::ProcessCpuNs();
    } else {
      *ns = CpuValue(c.kind, 0, sched::ProcessCpuTimes());
    }
    return true;
  }
  sched::SpinGuard g(sched::AllUthreadsLock());
  sched::Uthread* u = sched::FindUthread_locked(c.tid);
  if (!u) return false;
  *ns = c.kind == ClockKind::kCpuSched ? sched::ThreadCpuNs(u)
                                       : CpuValue(c.kind, 0, sched::ThreadCpuTimes(u));
  return true;
}

void Fire(void* arg, uint64_t gen);

// Puts a check of t's expiry into the scheduler's timer heap: at the
// expiry itself for wall clocks; for CPU clocks at the earliest wall time
// the budget could be used up (all kthreads running the process).
void Schedule_locked(PosixTimer& t, uint64_t now) {
  uint64_t wait = t.expiry > now ? t.expiry - now : 0;
  if (t.clock.kind != ClockKind::kWall && wait) {
    if (t.clock.tid == 0) wait /= static_cast<uint64_t>(std::max(1, sched::KthreadCount()));
    wait = std::max(wait, kCpuPollNs);
  }
  sched::AddTimer(sched::NowNs() + wait, &Fire, &t, t.arm_gen);
}

void SetSysPrivate(siginfo_t& info, uint32_t v) {
  std::memcpy(reinterpret_cast<char*>(&info) + kKernelSiSysPrivateOffset, &v, sizeof(v));
}
uint32_t SysPrivate(const siginfo_t& info) {
  uint32_t v;
  std::memcpy(&v, reinterpret_cast<const char*>(&info) + kKernelSiSysPrivateOffset, sizeof(v));
  return v;
}

// The LibOS's %fs for the scope (the scheduler loop may run in the
// guest's context; this code uses libc).
struct LibosFsScope {
  ThreadState* ts = CurrentThread();
  uintptr_t saved = ReadFsBase();
  LibosFsScope() {
    if (saved != ts->libos_fs) WriteFsBase(ts->libos_fs);
  }
  ~LibosFsScope() {
    if (saved != ts->libos_fs) WriteFsBase(saved);
  }
};

// From the scheduler's timer heap.
void Fire(void* arg, uint64_t gen) {
  LibosFsScope fs_scope;
  auto* t = static_cast<PosixTimer*>(arg);
  siginfo_t info{};
  int target_tid;
  {
    sched::SpinGuard g(t->lock);
    if (!t->used || gen != t->arm_gen || !t->active) return;
    uint64_t now;
    if (!ClockNow(t->clock, &now)) {
      t->active = false;  // its thread is gone: never fires
      return;
    }
    if (now < t->expiry) {
      Schedule_locked(*t, now);  // a CPU budget not used up yet, or a wall clock step
      return;
    }
    info.si_signo = t->signo;
    if (t->itimer) {
      info.si_code = SI_KERNEL;
      if (t->interval) {
        ForwardExpiry(&t->expiry, t->interval, now);
        Schedule_locked(*t, now);
      } else {
        t->active = false;
        t->expiry = 0;
      }
    } else {
      info.si_code = SI_TIMER;
      info.si_timerid = t->id;
      info.si_overrun = 0;
      info.si_value = t->value;
      SetSysPrivate(info, t->signal_seq);
      t->active = false;
      t->requeue_pending = t->interval != 0;
    }
    target_tid = t->notify == SIGEV_THREAD_ID ? t->tid : 0;
  }
  if (target_tid) {
    sched::SpinGuard g(sched::AllUthreadsLock());
    if (sched::Uthread* u = sched::FindUthread_locked(target_tid)) SendThreadSignal(u, info);
    return;  // a signal for a thread that exited is dropped
  }
  SendProcessSignal(info);
}

PosixTimer* Lookup(int id) {
  if (id < 0) return nullptr;
  PosixTimer& t = g_timers[id % kMaxTimers];
  return t.used && t.id == id ? &t : nullptr;
}

void Get_locked(PosixTimer& t, itimerspec* cur) {
  *cur = {};
  cur->it_interval = NsToTimespec(t.interval);
  bool none = t.notify == SIGEV_NONE;
  if (!t.expiry || (!t.interval && !t.active && !none)) return;
  uint64_t now;
  if (!ClockNow(t.clock, &now)) return;
  if (t.interval && (t.requeue_pending || none)) t.overrun += ForwardExpiry(&t.expiry, t.interval, now);
  cur->it_value = NsToTimespec(RemainingNs(t.expiry, now, none));
}

// Sets a new expiry (relative or absolute `value_ns`, 0 = disarm).
void Set_locked(PosixTimer& t, uint64_t value_ns, uint64_t interval_ns, bool absolute) {
  t.arm_gen++;
  t.signal_seq++;
  t.requeue_pending = false;
  t.overrun = -1;
  t.overrun_last = 0;
  t.interval = interval_ns;
  t.active = false;
  t.expiry = 0;
  if (!value_ns) return;
  uint64_t now;
  if (!ClockNow(t.clock, &now)) return;
  t.expiry = absolute ? value_ns : now + value_ns;
  if (t.notify == SIGEV_NONE) return;
  t.active = true;
  Schedule_locked(t, now);
}

}  // namespace

long PosixTimerCreate(clockid_t clock, const KernelSigevent* ev, int* id) {
  TimerClock tc;
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
    case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
      tc = {ClockKind::kWall, clock, 0};
      break;
    case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
      return -EOPNOTSUPP;  // clocks without timers
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
      DecodeCpuClock(clock, &tc);
      break;
    default:
      if (clock >= 0) return -EINVAL;
      if ((clock & 7) == 3) return -EOPNOTSUPP;  // dynamic (fd) clocks
      if (long r = DecodeCpuClock(clock, &tc)) return r;
  }
  int notify = SIGEV_SIGNAL, signo = SIGALRM, tid = 0;
  if (ev) {
    notify = ev->notify;
    signo = ev->signo;
    switch (notify) {
      case SIGEV_THREAD_ID:
        tid = ev->tid;
        if (tid <= 0 || !ThreadExists(tid)) return -EINVAL;
        if (signo <= 0 || signo > kMaxSignal) return -EINVAL;
        break;
      case SIGEV_THREAD:  // to the kernel a process signal (glibc builds its own)
      case SIGEV_SIGNAL:
        notify = SIGEV_SIGNAL;
        if (signo <= 0 || signo > kMaxSignal) return -EINVAL;
        break;
      case SIGEV_NONE:
        break;
      default:
        return -EINVAL;
    }
  }
  sched::SpinGuard g(g_table_lock);
  for (int tries = 0; tries < kMaxTimers; tries++) {
    int cand = g_next_id;
    g_next_id = g_next_id == INT_MAX ? 0 : g_next_id + 1;
    if (cand % kMaxTimers >= g_slots_touched)
      __atomic_store_n(&g_slots_touched, cand % kMaxTimers + 1, __ATOMIC_RELEASE);
    PosixTimer& t = g_timers[cand % kMaxTimers];
    sched::SpinGuard tg(t.lock);
    if (t.used) continue;
    t.used = true;
    t.itimer = false;
    t.id = cand;
    t.clock = tc;
    t.notify = notify;
    t.signo = signo;
    t.tid = tid;
    t.value = ev ? ev->value : sigval{};
    if (!ev) t.value.sival_int = cand;
    t.expiry = t.interval = 0;
    t.active = t.requeue_pending = false;
    t.overrun = -1;
    t.overrun_last = 0;
    t.signal_seq++;
    t.arm_gen++;
    *id = cand;
    return 0;
  }
  return -EAGAIN;
}

long PosixTimerSet(int id, int flags, const itimerspec& value, itimerspec* old) {
  if (!TimespecValid(value.it_value) || !TimespecValid(value.it_interval)) return -EINVAL;
  PosixTimer* t = Lookup(id);
  if (!t) return -EINVAL;
  sched::SpinGuard g(t->lock);
  if (!t->used || t->id != id) return -EINVAL;
  if (old) Get_locked(*t, old);
  Set_locked(*t, TimespecToNs(value.it_value), TimespecToNs(value.it_interval), flags & TIMER_ABSTIME);
  return 0;
}

long PosixTimerGet(int id, itimerspec* cur) {
  PosixTimer* t = Lookup(id);
  if (!t) return -EINVAL;
  sched::SpinGuard g(t->lock);
  if (!t->used || t->id != id) return -EINVAL;
  Get_locked(*t, cur);
  return 0;
}

long PosixTimerOverrun(int id) {
  PosixTimer* t = Lookup(id);
  if (!t) return -EINVAL;
  sched::SpinGuard g(t->lock);
  if (!t->used || t->id != id) return -EINVAL;
  return OverrunToInt(t->overrun_last);
}

long PosixTimerDelete(int id) {
  PosixTimer* t = Lookup(id);
  if (!t) return -EINVAL;
  sched::SpinGuard g(t->lock);
  if (!t->used || t->id != id) return -EINVAL;
  t->used = false;
  t->active = false;
  t->arm_gen++;
  t->signal_seq++;  // a pending signal of this timer is dropped when taken
  return 0;
}

bool PosixTimerSignalTaken(siginfo_t& info) {
  uint32_t seq = SysPrivate(info);
  SetSysPrivate(info, 0);  // not shown to the guest
  PosixTimer* t = Lookup(info.si_timerid);
  if (!t) return false;
  sched::SpinGuard g(t->lock);
  if (!t->used || t->id != info.si_timerid || seq != t->signal_seq) return false;
  if (t->interval && t->requeue_pending) {
    uint64_t now;
    if (ClockNow(t->clock, &now)) {
      t->overrun += ForwardExpiry(&t->expiry, t->interval, now);
      t->requeue_pending = false;
      t->active = true;
      t->arm_gen++;
      Schedule_locked(*t, now);
    }
    t->overrun_last = t->overrun;
    t->overrun = -1;
    t->signal_seq++;
    info.si_overrun = OverrunToInt(t->overrun_last);
  }
  return true;
}

long ItimerSet(int which, const itimerval& value, itimerval* old) {
  if (which < 0 || which > 2) return -EINVAL;
  auto valid = [](const timeval& tv) { return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000; };
  if (!valid(value.it_value) || !valid(value.it_interval)) return -EINVAL;
  if (old) ItimerGet(which, old);
  PosixTimer& t = g_itimers[which];
  sched::SpinGuard g(t.lock);
  if (!t.used) {
    static const int kSignals[3] = {SIGALRM, SIGVTALRM, SIGPROF};
    static const ClockKind kKinds[3] = {ClockKind::kWall, ClockKind::kCpuVirt, ClockKind::kCpuProf};
    t.used = true;
    t.itimer = true;
    t.signo = kSignals[which];
    t.clock = {kKinds[which], CLOCK_MONOTONIC, 0};
  }
  auto ns = [](const timeval& tv) {
    return static_cast<uint64_t>(tv.tv_sec) * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * 1000;
  };
  uint64_t v = ns(value.it_value);
  // ITIMER_REAL keeps its interval only while armed (do_setitimer).
  Set_locked(t, v, which == ITIMER_REAL && !v ? 0 : ns(value.it_interval), false);
  return 0;
}

long ItimerGet(int which, itimerval* cur) {
  if (which < 0 || which > 2) return -EINVAL;
  *cur = {};
  PosixTimer& t = g_itimers[which];
  sched::SpinGuard g(t.lock);
  if (!t.used) return 0;
  auto tv = [](uint64_t ns) {
    return timeval{static_cast<time_t>(ns / kNsPerSec), static_cast<suseconds_t>(ns % kNsPerSec / 1000)};
  };
  cur->it_interval = tv(t.interval);
  if (!t.active) return 0;
  uint64_t now;
  if (!ClockNow(t.clock, &now)) return 0;
  // An armed timer about to fire reads as 1 µs (itimer_get_remtime).
  cur->it_value = tv(t.expiry > now ? std::max<uint64_t>(t.expiry - now, 1000) : 1000);
  return 0;
}

void ResetTimersAfterFork() {
  // Only slots in use are written: every page written here is a
  // copy-on-write fault in the child (and one fewer shared page).
  for (int i = 0; i < g_slots_touched; i++) {
    PosixTimer& t = g_timers[i];
    if (!t.lock.is_locked() && !t.used && !t.active) continue;
    t.lock.unlock();
    t.used = false;
    t.active = false;
  }
  for (PosixTimer& t : g_itimers) {
    if (!t.lock.is_locked() && !t.active && !t.expiry && !t.interval) continue;
    t.lock.unlock();
    t.active = false;
    t.expiry = t.interval = 0;
  }
  if (g_table_lock.is_locked()) g_table_lock.unlock();
}

void DeletePosixTimersForExec() {
  for (int i = 0; i < __atomic_load_n(&g_slots_touched, __ATOMIC_ACQUIRE); i++) {
    PosixTimer& t = g_timers[i];
    // Locking every slot wrote all of the table's pages: ~24 copy-on-write
    // faults in each forked child that execs. A slot being set up is locked.
    if (!t.used && !t.lock.is_locked()) continue;
    sched::SpinGuard g(t.lock);
    if (!t.used) continue;
    t.used = false;
    t.active = false;
    t.arm_gen++;
    t.signal_seq++;
  }
}

bool ReadCpuClock(clockid_t clock, uint64_t* ns) {
  TimerClock tc;
  if (clock != CLOCK_PROCESS_CPUTIME_ID && clock != CLOCK_THREAD_CPUTIME_ID && clock >= 0) return false;
  if (DecodeCpuClock(clock, &tc) != 0) return false;
  return ClockNow(tc, ns);
}

}  // namespace junction::libos
