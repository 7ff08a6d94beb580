#include "libos/ipc/clock_watch.h"

#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include <atomic>
#include <climits>

#include "libos/host/host.h"
#include "libos/ipc/eventfd.h"
#include "sched/kthread.h"
#include "sched/reactor.h"
#include "sched/spinlock.h"

namespace junction::libos::ipc {

namespace {

int g_host_tfd = -1;
std::atomic<uint64_t> g_sets{0};
std::atomic<bool> g_pending{false};  // a set seen, waiters not yet woken
sched::SpinLock g_lock;
bool g_watching = false;  // guarded by g_lock
sched::HostFdWatch g_watch;

// Runs in the reactor with its lock held: only atomics and a kick, the
// wake-ups happen in HandleClockSets.
void OnHostTimerReady(sched::HostFdWatch*, uint32_t) {
  g_sets.fetch_add(1, std::memory_order_acq_rel);
  g_pending.store(true, std::memory_order_release);
  sched::NoteSignalArrived();  // runs the scheduler's notice hook soon
}

}  // namespace

bool InitClockWatch() {
  long fd = host::Syscall(SYS_timerfd_create, CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return false;
  itimerspec end{{0, 0}, {LONG_MAX, 0}};
  if (host::Syscall(SYS_timerfd_settime, fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
                    host::L(&end), 0) < 0) {
    host::Syscall(SYS_close, fd);
    return false;
  }
  g_host_tfd = static_cast<int>(fd);
  g_watch.fn = OnHostTimerReady;
  return true;
}

uint64_t ClockSetCount() { return g_sets.load(std::memory_order_acquire); }

void WatchClockSets() {
  if (g_host_tfd < 0) return;
  sched::SpinGuard g(g_lock);
  if (g_watching) return;
  g_watching = sched::WatchHostFd(&g_watch, g_host_tfd, EPOLLIN) == 0;
}

void HandleClockSets() {
  if (!g_pending.exchange(false, std::memory_order_acq_rel)) return;
  uint64_t ticks;
  // ECANCELED once per set; the host timer stays armed with the flag.
  while (host::Syscall(SYS_read, g_host_tfd, host::L(&ticks), sizeof(ticks)) == -ECANCELED) {
  }
  {
    sched::SpinGuard g(g_lock);
    sched::UnwatchHostFd(&g_watch);  // it fired: already unregistered
    g_watching = false;
  }
  WatchClockSets();
  NotifyRealtimeTimers();
}

}  // namespace junction::libos::ipc
