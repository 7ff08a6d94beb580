// The host side of an inotify instance. Watches on host files live in a
// host inotify descriptor that the instance makes at its first such watch;
// their events move into the instance's one queue, with the host's watch
// descriptors translated into the instance's own (it numbers both kinds).
//
// The host's events move into the queue when the process uses the
// instance (read, FIONREAD, adding or removing a watch) and before a LibOS
// event is queued (Deliver_locked), so an instance watching both kinds
// reads them in the order they happened. In between, the reactor watches
// the host descriptor while someone waits (a blocked read, a poll, select
// or epoll watcher): its callback may take no LibOS lock, so it flags the
// instance (Poll() says readable from then on) and raises the scheduler's
// notice, whose handler (HandleInotifyHostEvents) wakes readers and
// pollers. The watch is armed again once the descriptor has been read
// empty (it is level-triggered).
//
// Taking events only on use keeps them where Linux has them after a fork:
// the child's copy shares the host descriptor with the parent's, and the
// host's events go to whichever process reads, as from the one queue Linux
// has. (A child arms its own reactor only once it uses the instance.)
#include <limits.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <cstring>

#include "libos/fs/inotify.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "sched/kthread.h"

namespace junction::libos::fs {

namespace {

// The instances with a host descriptor. Taken before g_inotify_lock.
sched::SpinLock g_list_lock;
Inotify* g_list = nullptr;  // guarded by g_list_lock
std::atomic<bool> g_host_ready{false};

int HostPid() { return CurrentProcess().host_pid; }

}  // namespace

void Inotify::OnHostReadable(sched::HostFdWatch* hw, uint32_t) {
  // In the reactor with its lock held (the destructor's UnwatchHostFd
  // waits for it): flags only.
  auto* in = static_cast<Inotify*>(hw->ctx);
  in->armed_.store(false, std::memory_order_release);
  in->host_ready_.store(true, std::memory_order_release);
  g_host_ready.store(true, std::memory_order_release);
  sched::NoteSignalArrived();
}

SysResult<void> Inotify::EnsureHostFd() {
  sched::SpinGuard l(g_list_lock);
  if (listed_) return {};
  // Non-blocking: only the LibOS reads it, never waiting.
  long fd = host::Syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  {
    sched::SpinGuard g(g_inotify_lock);
    host_fd_ = static_cast<int>(fd);
  }
  list_next_ = g_list;
  if (g_list) g_list->list_prev_ = this;
  g_list = this;
  listed_ = true;
  return {};
}

void Inotify::ReleaseHost() {
  if (!listed_) return;
  {
    sched::SpinGuard l(g_list_lock);
    if (list_prev_) list_prev_->list_next_ = list_next_;
    else g_list = list_next_;
    if (list_next_) list_next_->list_prev_ = list_prev_;
    listed_ = false;
  }
  int fd;
  {
    sched::SpinGuard g(g_inotify_lock);
    if (armed_pid_ == HostPid()) sched::UnwatchHostFd(&reactor_watch_);
    armed_pid_ = 0;
    fd = host_fd_;
    host_fd_ = -1;
    host_watches_ = 0;
  }
  if (fd >= 0) host::Syscall(SYS_close, fd);
}

SysResult<int> Inotify::AddHostWatch(const char* host_path, uint32_t mask) {
  TRY_VOID(EnsureHostFd());
  sched::SpinGuard g(g_inotify_lock);
  long r = host::Syscall(SYS_inotify_add_watch, host_fd_, host::L(host_path), mask);
  if (r < 0) return Errno{static_cast<int>(-r)};
  const int host_wd = static_cast<int>(r);
  auto it = by_host_wd_.find(host_wd);
  if (it != by_host_wd_.end()) {
    // The host updated its existing watch: the same descriptor here.
    if (!it->second->removing) return it->second->wd;
    EraseWatch_locked(it->second);  // its IN_IGNORED is not coming
  }
  auto w = std::make_unique<InotifyWatch>();
  w->owner = this;
  w->wd = AllocWd_locked();
  w->host_wd = host_wd;
  by_host_wd_[host_wd] = w.get();
  host_watches_++;
  int wd = w->wd;
  watches_[wd] = std::move(w);
  TakeHostEvents_locked();  // and arms the reactor's watch
  return wd;
}

void Inotify::TakeHostEvents() {
  if (!__atomic_load_n(&host_watches_, __ATOMIC_RELAXED)) {
    host_ready_.store(false, std::memory_order_release);  // a callback from before the last went
    return;
  }
  sched::SpinGuard g(g_inotify_lock);
  TakeHostEvents_locked();
}

void Inotify::TakeHostEvents_locked() {
  if (host_fd_ < 0) return;
  // Cleared before reading: a callback from now on means more to read.
  host_ready_.store(false, std::memory_order_release);
  alignas(inotify_event) char buf[4096];
  bool grew = false;
  for (;;) {
    long n = host::Syscall(SYS_read, host_fd_, host::L(buf), sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off + static_cast<long>(sizeof(inotify_event)) <= n;) {
      inotify_event h;
      std::memcpy(&h, buf + off, sizeof(h));
      const char* name = buf + off + sizeof(h);
      off += static_cast<long>(sizeof(h) + h.len);
      InotifyWatch* w = nullptr;
      if (!(h.mask & IN_Q_OVERFLOW)) {
        auto it = by_host_wd_.find(h.wd);
        if (it == by_host_wd_.end()) continue;  // removed here before the host said so
        w = it->second;
      }
      {
        sched::SpinGuard q(queue_lock_);
        grew |= Queue_locked(w ? w->wd : -1, h.mask, h.cookie, std::string(name, strnlen(name, h.len)));
      }
      if (w && (h.mask & IN_IGNORED)) EraseWatch_locked(w);
    }
    // The next event would have fitted: there was none.
    if (n + static_cast<long>(sizeof(inotify_event) + NAME_MAX + 1) <= static_cast<long>(sizeof(buf))) break;
  }
  if (grew) Wake_locked();
  ArmHostWatch_locked();
}

void Inotify::ArmHostWatch_locked() {
  const int pid = HostPid();
  const bool ours = armed_pid_ == pid;
  const bool none = !host_watches_ || host_fd_ < 0;
  if (none || (!blocked_readers_ && hub().empty())) {
    if (ours && armed_.load(std::memory_order_acquire)) sched::UnwatchHostFd(&reactor_watch_);
    armed_.store(false, std::memory_order_release);
    if (none) host_ready_.store(false, std::memory_order_release);  // nothing of ours can be there
    return;
  }
  if (ours && armed_.load(std::memory_order_acquire)) return;
  if (!ours) {
    // A fork child: the registration was its parent's reactor's.
    reactor_watch_ = sched::HostFdWatch{};
    reactor_watch_.fn = OnHostReadable;
    reactor_watch_.ctx = this;
    armed_pid_ = pid;
  }
  armed_.store(true, std::memory_order_release);  // before the callback can clear it
  if (sched::WatchHostFd(&reactor_watch_, host_fd_, EPOLLIN) != 0)
    armed_.store(false, std::memory_order_release);
}

void Inotify::RequestHostWatch() {
  if (arm_wanted_.exchange(true, std::memory_order_acq_rel)) return;
  g_host_ready.store(true, std::memory_order_release);
  sched::NoteSignalArrived();
}

void HandleInotifyHostEvents() {
  if (!g_host_ready.load(std::memory_order_relaxed)) return;
  if (!g_host_ready.exchange(false, std::memory_order_acq_rel)) return;
  const int pid = HostPid();
  sched::SpinGuard l(g_list_lock);
  for (Inotify* in = g_list; in; in = in->list_next_) {
    const bool arm = in->arm_wanted_.exchange(false, std::memory_order_acq_rel);
    if (!arm && !in->host_ready()) continue;
    sched::SpinGuard g(g_inotify_lock);
    if (arm) in->ArmHostWatch_locked();
    if (in->host_ready() && in->armed_pid_ == pid) {
      // A reader that found host_ready_ clear under the queue lock is on
      // the wait queue by the time this lock is ours.
      { sched::SpinGuard q(in->queue_lock_); }
      in->Wake_locked();
    }
  }
}

}  // namespace junction::libos::fs
