#include "sched/daemon_watcher.h"

#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstdio>

#include "libos/entry/sigsys.h"
#include "libos/entry/thread_state.h"
#include "libos/host/host.h"
#include "sched/daemon_client.h"
#include "sched/kthread.h"
#include "sched/reactor.h"
#include "sched/short_slice.h"
#include "sched/single_kthread.h"

namespace junction::sched {

namespace {

constexpr int kRetryMs = 100;  // looking for a returning daemon

std::atomic<bool> g_control_event{false};
std::atomic<int> g_boot{0};  // 1: ready, -1: failed
HostFdWatch g_control_watch;

// Runs inside ReactorPoll with the reactor's lock held: flag only.
void OnControlEvent(HostFdWatch*, uint32_t) {
  g_control_event.store(true, std::memory_order_release);
  ReactorKick();  // ReactorPoll(0) on a kthread may have taken it: wake the watcher
}

void Say(const char* msg) { host::WriteAll(2, msg, __builtin_strlen(msg)); }

void* WatcherMain(void* arg) {
  auto* s = static_cast<DaemonSession*>(arg);
  // Host signals are for the kthreads; the watcher only takes its own
  // synchronous ones (SIGSYS for libc calls, faults).
  uint64_t mask = ~uint64_t{0};
  for (int sig : {SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP}) mask &= ~(uint64_t{1} << (sig - 1));
  host::Syscall(SYS_rt_sigprocmask, SIG_SETMASK, host::L(&mask), 0, 8);
  g_boot.store(1, std::memory_order_release);
  bool said_gone = false;
  for (;;) {
    bool alive = s->daemon_alive();
    if (alive && !g_control_watch.armed) {
      // A hang-up (or anything readable: the daemon never writes
      // unprompted) means the daemon is gone.
      g_control_watch.fn = OnControlEvent;
      g_control_watch.background = true;  // this thread blocks in ReactorPoll for it
      if (WatchHostFd(&g_control_watch, s->control_fd(), EPOLLIN | EPOLLRDHUP) < 0) alive = false;
    }
    ReactorPoll(alive ? -1 : kRetryMs);
    if (alive && !g_control_event.exchange(false, std::memory_order_acquire)) continue;
    bool now_alive = s->Poll(kRetryMs);
    if (alive && !now_alive) {
      UnwatchHostFd(&g_control_watch);
      SetDaemonDoorbell(-1);
      if (!said_gone) {
        Say("junction run: the core scheduler daemon is gone; running standalone on this "
            "container's cores until it returns\n");
        said_gone = true;
      }
    } else if (!alive && now_alive) {
      SetDaemonDoorbell(s->doorbell_fd());
      Say("junction run: re-registered with the core scheduler daemon\n");
      said_gone = false;
    }
  }
  return nullptr;
}

void* WatcherBoot(void* arg) {
  if (!libos::SetupThreadState() || !libos::InstallTrapHandlers()) {
    g_boot.store(-1, std::memory_order_release);
    return nullptr;
  }
  RequestShortSlice(0);  // it wakes a kthread for a host descriptor (short_slice.h)
  return WatcherMain(arg);
}

}  // namespace

bool StartDaemonWatcher(DaemonSession* session) {
  NoteSchedulerHelperThread();  // it wakes uthreads (ReactorPoll)
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t t;
  bool ok = pthread_create(&t, &attr, WatcherBoot, session) == 0;
  pthread_attr_destroy(&attr);
  // Its start-up (glibc's thread set-up, our handlers) must be over before
  // the seccomp filter goes in.
  while (ok && g_boot.load(std::memory_order_acquire) == 0) __builtin_ia32_pause();
  return ok && g_boot.load() == 1;
}

}  // namespace junction::sched
