#include "sched/reactor.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <ctime>

#include "libos/host/host.h"
#include "sched/fd_keyed_table.h"
#include "sched/kthread.h"
#include "sched/preempt.h"
#include "sched/single_kthread.h"
#include "sched/spinlock.h"
#include "sched/uthread.h"
#include "base/fork_written.h"

namespace junction::sched {

namespace {

struct Waiter {
  Uthread* u;
  uint32_t events;
  uint32_t revents;
  Waiter* next;
  HostFdWatch* watch = nullptr;  // a callback registration instead of u
};

struct Registration {
  uint32_t mask = 0;  // what epoll watches for now
  Waiter* waiters = nullptr;
  // Which registration of the number this is: epoll reports it with the
  // number (EventData), and an event for an earlier registration of the
  // number (a closed descriptor's, reported to another kthread's
  // epoll_wait before it was deleted, or left in the set because the
  // description lives on in a forked child) must not wake this one's.
  uint32_t gen = 0;
};

JUNCTION_FORK_WRITTEN int g_epfd = -1;
JUNCTION_FORK_WRITTEN int g_kick_fd = -1;
JUNCTION_FORK_WRITTEN alignas(64) SpinLock g_lock;  // not on a cache line with the fd table or mm locks
// In the fork-written page: a forked parent's wait registers and drops a
// pidfd here every time (fd_keyed_table.h says why not in a map).
using Registrations = FdKeyedTable<Registration, 8>;
JUNCTION_FORK_WRITTEN Registrations g_table;
Registrations* g_regs = nullptr;  // &g_table once the reactor is made
JUNCTION_FORK_WRITTEN std::atomic<int> g_waiters{0};
JUNCTION_FORK_WRITTEN uint32_t g_last_gen = 0;  // g_lock held

// A registration's epoll data: its number and generation.
epoll_data_t EventData(int fd, const Registration& r) {
  epoll_data_t d{};
  d.u64 = uint64_t{r.gen} << 32 | static_cast<uint32_t>(fd);
  return d;
}

constexpr uint32_t kAlways = EPOLLERR | EPOLLHUP;

// What g_waiters counts: every waiter but background watches.
int Weight(const Waiter* w) { return w->watch && w->watch->background ? 0 : 1; }

uint32_t MaskOf(const Registration& r) {
  uint32_t m = 0;
  for (Waiter* w = r.waiters; w; w = w->next) m |= w->events;
  return m;
}

// Points epoll at what the remaining waiters want; g_lock held.
void Update(int fd, Registration& r) {
  uint32_t m = MaskOf(r);
  if (!r.waiters) {
    host::Syscall(SYS_epoll_ctl, g_epfd, EPOLL_CTL_DEL, fd, 0);
    g_regs->Erase(fd);
    return;
  }
  if (m != r.mask) {
    epoll_event ev{m | EPOLLRDHUP, EventData(fd, r)};
    host::Syscall(SYS_epoll_ctl, g_epfd, EPOLL_CTL_MOD, fd, host::L(&ev));
    r.mask = m;
  }
}

void Unlink(Registration& r, Waiter* w) {
  for (Waiter** p = &r.waiters; *p; p = &(*p)->next) {
    if (*p == w) {
      *p = w->next;
      g_waiters.fetch_sub(Weight(w));
      return;
    }
  }
}

}  // namespace

namespace {

// The epoll set and its kick descriptor, made at start-up and, in a forked
// child, at first use (most children exec or exit without waiting on a
// host descriptor: three host calls fewer per child). g_lock held, or
// before the scheduler runs.
bool MakeSet_locked() {
  int ep = static_cast<int>(host::Syscall(SYS_epoll_create1, EPOLL_CLOEXEC));
  int kick = static_cast<int>(host::Syscall(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint32_t>(kick);  // generation 0
  if (ep < 0 || kick < 0 || host::Syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, kick, host::L(&ev)) != 0) {
    if (ep >= 0) host::Syscall(SYS_close, ep);
    if (kick >= 0) host::Syscall(SYS_close, kick);
    return false;
  }
  // Read without the lock (ReactorKick, ReactorPoll): the kick descriptor
  // is published first, so a kthread that sees the set can be kicked.
  __atomic_store_n(&g_kick_fd, kick, __ATOMIC_RELEASE);
  __atomic_store_n(&g_epfd, ep, __ATOMIC_RELEASE);
  return true;
}

int EpollFd() { return __atomic_load_n(&g_epfd, __ATOMIC_ACQUIRE); }

// Adds `w` to host_fd's registration, pointing epoll at it; g_lock held.
long Register_locked(int host_fd, Waiter* w) {
  if (EpollFd() < 0 && !MakeSet_locked()) return -ENOMEM;
  auto [rp, fresh] = g_regs->FindOrAdd(host_fd);
  Registration& r = *rp;
  uint32_t want = MaskOf(r) | w->events;
  if (fresh) r.gen = ++g_last_gen;
  if (fresh || want != r.mask) {
    epoll_event ev{want | EPOLLRDHUP, EventData(host_fd, r)};
    long rc = host::Syscall(SYS_epoll_ctl, g_epfd, fresh ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
                            host_fd, host::L(&ev));
    if (rc < 0) {
      if (fresh) g_regs->Erase(host_fd);
      return rc;
    }
    r.mask = want;
  }
  w->next = r.waiters;
  r.waiters = w;
  g_waiters.fetch_add(Weight(w));
  return 0;
}

}  // namespace

bool ReactorInit() {
  g_regs = &g_table;
  return MakeSet_locked();
}

long WatchHostFd(HostFdWatch* hw, int host_fd, uint32_t events) {
  // Its callback runs from the scheduler loop (ReactorPoll), also while
  // the one uthread of a forked child runs without blocking.
  if (!hw->background) PreemptionNeeded();
  auto* w = new Waiter{nullptr, events | kAlways, 0, nullptr, hw};
  long rc;
  {
    SpinGuard g(g_lock);
    rc = Register_locked(host_fd, w);
    if (rc == 0) {
      hw->fd = host_fd;
      hw->armed = true;
    }
  }
  if (rc < 0) {
    delete w;
    return rc;
  }
  if (!g_single_kthread) ReactorKick();
  return 0;
}

void UnwatchHostFd(HostFdWatch* hw) {
  Waiter* found = nullptr;
  {
    SpinGuard g(g_lock);
    if (!hw->armed) return;
    hw->armed = false;
    Registration* r = g_regs->Find(hw->fd);
    if (!r) return;
    for (Waiter* w = r->waiters; w; w = w->next)
      if (w->watch == hw) found = w;
    if (found) {
      Unlink(*r, found);
      Update(hw->fd, *r);
    }
  }
  delete found;
}

namespace {

// Before the scheduler runs (LibOS start-up, loading the first program)
// there is no uthread to park: wait in the host instead.
long WaitHostFdUnscheduled(int host_fd, uint32_t events, uint64_t deadline_ns) {
  pollfd p{host_fd, static_cast<short>(events), 0};
  timespec ts{}, *tsp = nullptr;
  if (deadline_ns) {
    uint64_t now = NowNs(), left = deadline_ns > now ? deadline_ns - now : 0;
    ts = {static_cast<time_t>(left / 1'000'000'000), static_cast<long>(left % 1'000'000'000)};
    tsp = &ts;
  }
  long rc;
  do {
    rc = host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(tsp), 0, 0);
  } while (rc == -EINTR);
  if (rc < 0) return rc;
  return rc == 0 ? -ETIMEDOUT : p.revents;
}

}  // namespace

long WaitHostFd(int host_fd, uint32_t events, uint64_t deadline_ns, bool interruptible) {
  Uthread* u = Current();
  if (!u || !g_regs) return WaitHostFdUnscheduled(host_fd, events, deadline_ns);
  Waiter w{u, events | kAlways, 0, nullptr};
  {
    SpinGuard g(g_lock);
    long rc = Register_locked(host_fd, &w);
    // Regular files and directories are always ready.
    if (rc < 0) return rc == -EPERM ? static_cast<long>(events & (EPOLLIN | EPOLLOUT)) : rc;
    u->BeginWait();
  }
  // A kthread blocked in epoll_wait must see the new interest (alone, this
  // kthread is not blocked: two host calls fewer per wait).
  if (!g_single_kthread) ReactorKick();
  WakeReason why = Park(deadline_ns, interruptible);
  if (why == WakeReason::kWoken) return w.revents;
  SpinGuard g(g_lock);
  if (Registration* r = g_regs->Find(host_fd)) {
    Unlink(*r, &w);
    Update(host_fd, *r);
  }
  return why == WakeReason::kTimeout ? -ETIMEDOUT : -EINTR;
}

bool ReactorHasWaiters() { return g_waiters.load(std::memory_order_relaxed) > 0; }

int ReactorPoll(int timeout_ms) {
  if (EpollFd() < 0) {
    SpinGuard g(g_lock);
    if (EpollFd() < 0 && !MakeSet_locked()) return 0;
  }
  epoll_event evs[64];
  long n = host::Syscall(SYS_epoll_wait, EpollFd(), host::L(evs), 64, timeout_ms);
  int woken = 0;
  for (long i = 0; i < n; i++) {
    int fd = static_cast<int>(evs[i].data.u64 & 0xffffffffu);
    uint32_t gen = static_cast<uint32_t>(evs[i].data.u64 >> 32);
    if (fd == g_kick_fd && gen == 0) {
      // Only the kthread that blocks here consumes a kick: one that polls
      // without waiting (every scheduler pass) would otherwise take the
      // kick meant for a kthread whose epoll_wait was woken but had not
      // run yet, which then sleeps on with work queued for it (a uthread
      // allowed only there by its affinity waited forever).
      if (timeout_ms != 0) {
        uint64_t v;
        host::Syscall(SYS_read, fd, host::L(&v), sizeof(v));
      }
      continue;
    }
    SpinGuard g(g_lock);
    Registration* rp = g_regs->Find(fd);
    if (!rp || rp->gen != gen) continue;  // an earlier registration's event
    Registration& r = *rp;
    // The waiters this event is for, unlinked (in order) and woken only
    // once epoll no longer watches for them: a woken uthread on another
    // kthread may close the descriptor at once, and a DEL after that
    // fails (EBADF) or finds another file under the number, leaving the
    // old description in the set for as long as it lives on (in a forked
    // child): its events then came for whatever descriptor got the number
    // (a vfork parent let its child go early: the exec died of SIGPIPE).
    Waiter* fired = nullptr;
    Waiter** tail = &fired;
    for (Waiter** p = &r.waiters; *p;) {
      Waiter* w = *p;
      if (w->events & evs[i].events) {
        *p = w->next;
        g_waiters.fetch_sub(Weight(w));
        w->revents = evs[i].events;
        w->next = nullptr;
        *tail = w;
        tail = &w->next;
      } else {
        p = &w->next;
      }
    }
    Update(fd, r);  // may erase r
    while (fired) {
      Waiter* w = fired;
      fired = w->next;  // read first: a woken waiter's frame may be gone
      if (HostFdWatch* hw = w->watch) {
        hw->armed = false;
        hw->fn(hw, evs[i].events);
        delete w;
        woken++;
      } else if (WakeUp(w->u, WakeReason::kWoken)) {
        woken++;
      }
    }
  }
  return woken;
}

void ReactorKick() {
  uint64_t one = 1;
  int fd = __atomic_load_n(&g_kick_fd, __ATOMIC_ACQUIRE);
  if (fd >= 0) host::Syscall(SYS_write, fd, host::L(&one), sizeof(one));
}

void ReactorResetAfterFork() {
  // The parent's set and kick descriptor: the child's own are made at
  // first use (MakeSet_locked). Nothing waits on them yet, so no kick can
  // be lost meanwhile.
  host::Syscall(SYS_close, g_epfd);
  host::Syscall(SYS_close, g_kick_fd);
  g_epfd = g_kick_fd = -1;
  g_lock.unlock();
  // Writes nothing if empty (a copy-on-write fault otherwise).
  g_regs->Clear();
  g_waiters.store(0);
}

}  // namespace junction::sched
