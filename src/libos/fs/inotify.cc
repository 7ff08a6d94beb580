// inotify instances: the queue, read/poll/FIONREAD, and the watches on
// LibOS inodes with the delivery of their events (fs/notify.h). The host
// side is inotify_host.cc.
#include "libos/fs/inotify.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/fs/synthetic.h"
#include "libos/host/host.h"
#include "libos/ipc/ipc.h"

namespace junction::libos::fs {

sched::SpinLock g_inotify_lock;
int g_notify_watches = 0;

namespace {

std::atomic<uint32_t> g_cookie{0};

// The bytes read(2) gives an event: the header and the name, NUL-padded
// to a multiple of the header's size (Linux's round_event_name_len).
size_t EventBytes(const std::string& name) {
  if (name.empty()) return sizeof(inotify_event);
  return sizeof(inotify_event) + ((name.size() + sizeof(inotify_event)) & ~(sizeof(inotify_event) - 1));
}

// /proc/sys/fs/inotify/max_queued_events: the host's, as the guest reads it.
size_t MaxQueuedEvents() {
  static size_t max = [] {
    long v = std::atol(ReadHostFile("/proc/sys/fs/inotify/max_queued_events").c_str());
    return v > 0 ? static_cast<size_t>(v) : size_t{16384};
  }();
  return max;
}

void LinkWatch_locked(NotifyInode* n, InotifyWatch* w) {
  w->inode_prev = nullptr;
  w->inode_next = n->watches;
  if (n->watches) n->watches->inode_prev = w;
  __atomic_store_n(&n->watches, w, __ATOMIC_RELAXED);
  __atomic_add_fetch(&g_notify_watches, 1, __ATOMIC_RELAXED);
}

void UnlinkWatch_locked(InotifyWatch* w) {
  if (w->inode_prev) w->inode_prev->inode_next = w->inode_next;
  else __atomic_store_n(&w->inode->watches, w->inode_next, __ATOMIC_RELAXED);
  if (w->inode_next) w->inode_next->inode_prev = w->inode_prev;
  w->inode_next = w->inode_prev = nullptr;
  __atomic_sub_fetch(&g_notify_watches, 1, __ATOMIC_RELAXED);
}

// Whether watch `w` hears event `event` (one IN_* bit).
bool Hears(const InotifyWatch* w, uint32_t event, bool unlinked) {
  return (w->mask & event) && !(unlinked && (w->mask & IN_EXCL_UNLINK));
}

}  // namespace

uint32_t NextNotifyCookie() { return g_cookie.fetch_add(1, std::memory_order_relaxed) + 1; }

Inotify::Inotify(int flags)
    : File(O_RDONLY | (flags & O_NONBLOCK), "anon_inode:inotify"),
      max_events_(MaxQueuedEvents()),
      ino_(ipc::NextAnonIno()) {
  reactor_watch_.fn = OnHostReadable;
  reactor_watch_.ctx = this;
}

int Inotify::AllocWd_locked() {
  // Linux's idr_alloc_cyclic from 1: a removed number comes back only
  // after the others have been used.
  for (;;) {
    int wd = next_wd_;
    next_wd_ = wd == INT32_MAX ? 1 : wd + 1;
    if (!watches_.count(wd)) return wd;
  }
}

bool Inotify::Queue_locked(int wd, uint32_t mask, uint32_t cookie, const std::string& name) {
  // Linux's fsnotify_insert_event: a full queue takes one IN_Q_OVERFLOW;
  // an event identical to the last one queued is dropped (inotify_merge).
  if (queue_.size() >= max_events_ || (mask & IN_Q_OVERFLOW)) {
    if (overflow_queued_) return false;
    overflow_queued_ = true;
    queue_.push_back({-1, IN_Q_OVERFLOW, 0, std::string()});
    queued_bytes_ += sizeof(inotify_event);
    return true;
  }
  if (!queue_.empty()) {
    const Event& last = queue_.back();
    if (last.wd == wd && last.mask == mask && last.cookie == cookie && last.name == name) return false;
  }
  queue_.push_back({wd, mask, cookie, name});
  queued_bytes_ += EventBytes(name);
  return true;
}

void Inotify::Wake_locked() {
  readq_.WakeAll();
  hub().Notify(EPOLLIN | EPOLLRDNORM);
}

void Inotify::Deliver_locked(InotifyWatch* w, uint32_t mask, uint32_t cookie, const std::string& name) {
  // The host's events so far happened before this one.
  if (host_watches_) TakeHostEvents_locked();
  bool grew;
  {
    sched::SpinGuard q(queue_lock_);
    grew = Queue_locked(w->wd, mask, cookie, name);
  }
  if (grew) Wake_locked();
  if (w->mask & IN_ONESHOT) RemoveLibosWatch_locked(w);
}

void Inotify::EraseWatch_locked(InotifyWatch* w) {
  if (w->host_wd >= 0) {
    by_host_wd_.erase(w->host_wd);
    host_watches_--;
  } else {
    by_file_.erase({w->dev, w->ino});
  }
  watches_.erase(w->wd);  // frees w
}

void Inotify::RemoveLibosWatch_locked(InotifyWatch* w) {
  if (w->inode) UnlinkWatch_locked(w);
  bool grew;
  {
    sched::SpinGuard q(queue_lock_);
    grew = Queue_locked(w->wd, IN_IGNORED, 0, std::string());
  }
  EraseWatch_locked(w);
  if (grew) Wake_locked();
}

SysResult<int> Inotify::AddWatch(NotifyInode* inode, uint64_t dev, uint64_t ino, uint32_t mask) {
  const uint32_t keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
  sched::SpinGuard g(g_inotify_lock);
  auto it = by_file_.find({dev, ino});
  if (it != by_file_.end()) {
    // inotify_update_existing_watch: the same descriptor, its mask
    // replaced or (IN_MASK_ADD) extended.
    if (mask & IN_MASK_CREATE) return Errno{EEXIST};
    InotifyWatch* w = it->second;
    w->mask = (mask & IN_MASK_ADD) ? (w->mask | keep) : keep;
    return w->wd;
  }
  auto w = std::make_unique<InotifyWatch>();
  w->owner = this;
  w->wd = AllocWd_locked();
  w->mask = keep;
  w->inode = inode;
  w->dev = dev;
  w->ino = ino;
  if (inode) LinkWatch_locked(inode, w.get());
  by_file_[{dev, ino}] = w.get();
  int wd = w->wd;
  watches_[wd] = std::move(w);
  return wd;
}

SysResult<void> Inotify::RemoveWatch(int wd) {
  sched::SpinGuard g(g_inotify_lock);
  auto it = watches_.find(wd);
  if (it == watches_.end() || it->second->removing) return Errno{EINVAL};
  InotifyWatch* w = it->second.get();
  if (w->host_wd < 0) {
    if (host_watches_) TakeHostEvents_locked();
    RemoveLibosWatch_locked(w);
    return {};
  }
  // The host queues IN_IGNORED, which takes the watch away when read.
  long r = host::Syscall(SYS_inotify_rm_watch, host_fd_, w->host_wd);
  if (r < 0) return Errno{static_cast<int>(-r)};
  w->removing = true;
  TakeHostEvents_locked();
  return {};
}

Inotify::~Inotify() {
  ReleaseHost();
  sched::SpinGuard g(g_inotify_lock);
  for (auto& [wd, w] : watches_)
    if (w->inode) UnlinkWatch_locked(w.get());
  watches_.clear();
}

SysResult<size_t> Inotify::ReadPartial(void* buf, size_t len, size_t room) {
  auto* out = static_cast<char*>(buf);
  for (;;) {
    TakeHostEvents();
    queue_lock_.lock();
    size_t done = 0;
    while (!queue_.empty()) {
      Event& e = queue_.front();
      size_t bytes = EventBytes(e.name);
      if (done + bytes > len) break;
      inotify_event h{};
      h.wd = e.wd;
      h.mask = e.mask;
      h.cookie = e.cookie;
      h.len = static_cast<uint32_t>(bytes - sizeof(h));
      // Built here, then copied out (fault-tolerant). As Linux
      // (inotify_read): the event is taken off the queue first, and a
      // copy that faults ends the call with EFAULT even after events that
      // were read (those and this one are gone).
      char rec[sizeof(inotify_event) + NAME_MAX + 1 + 16] = {};
      size_t name_bytes = std::min(e.name.size(), sizeof(rec) - sizeof(h));
      std::memcpy(rec, &h, sizeof(h));
      std::memcpy(rec + sizeof(h), e.name.data(), name_bytes);
      size_t may = room > done ? std::min(bytes, room - done) : 0;
      bool copied = bytes <= sizeof(rec) && SafeCopyCount(out + done, rec, may) == bytes;
      queued_bytes_ -= bytes;
      if (e.mask & IN_Q_OVERFLOW) overflow_queued_ = false;
      queue_.pop_front();
      if (!copied) {
        queue_lock_.unlock();
        return Errno{EFAULT};
      }
      done += bytes;
    }
    if (done) {
      queue_lock_.unlock();
      return done;
    }
    // The first event does not fit: EINVAL, as Linux.
    if (!queue_.empty()) {
      queue_lock_.unlock();
      return Errno{EINVAL};
    }
    if (nonblocking()) {
      queue_lock_.unlock();
      return Errno{EAGAIN};
    }
    if (host_ready_.load(std::memory_order_acquire)) {
      queue_lock_.unlock();
      continue;
    }
    queue_lock_.unlock();
    // Wait, with the reactor watching the host descriptor meanwhile.
    const bool host = __atomic_load_n(&host_watches_, __ATOMIC_RELAXED);
    if (host) {
      sched::SpinGuard g(g_inotify_lock);
      blocked_readers_++;
      ArmHostWatch_locked();
    }
    queue_lock_.lock();
    long r = 0;
    if (queue_.empty() && !host_ready_.load(std::memory_order_acquire)) r = readq_.Wait(queue_lock_, 0);
    else queue_lock_.unlock();
    if (host) {
      sched::SpinGuard g(g_inotify_lock);
      blocked_readers_--;
    }
    if (r) return Errno{static_cast<int>(-r)};
  }
}

SysResult<int> Inotify::Available() {
  TakeHostEvents();
  sched::SpinGuard q(queue_lock_);
  return static_cast<int>(queued_bytes_);
}

uint32_t Inotify::Poll() {
  constexpr uint32_t kReadable = EPOLLIN | EPOLLRDNORM;
  {
    sched::SpinGuard q(queue_lock_);
    if (!queue_.empty() || host_ready_.load(std::memory_order_acquire)) return kReadable;
  }
  // Host events not taken yet (the reactor may not have looked since the
  // guest's own change): asked of the host, without a lock (epoll holds its own).
  if (!__atomic_load_n(&host_watches_, __ATOMIC_RELAXED)) return 0;
  if (!armed_.load(std::memory_order_acquire) && !hub().empty()) RequestHostWatch();
  pollfd p{__atomic_load_n(&host_fd_, __ATOMIC_RELAXED), POLLIN, 0};
  timespec zero{0, 0};
  if (p.fd < 0 || host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(&zero), 0, 0) <= 0) return 0;
  return kReadable;
}

SysResult<void> Inotify::Stat(struct stat* st) {
  *st = SyntheticStat(ipc::kAnonDev, ino_, 0600);
  return {};
}

// Event delivery from the LibOS's file systems (fs/notify.h).

void NotifySlow(NotifyInode* dir, const std::string* name, NotifyInode* self, uint32_t mask,
                uint32_t cookie, bool unlinked) {
  static const std::string kNoName;
  const uint32_t event = mask & ~IN_ISDIR;
  sched::SpinGuard g(g_inotify_lock);
  if (dir) {
    for (InotifyWatch *w = dir->watches, *next; w; w = next) {
      next = w->inode_next;  // a one-shot watch goes away in Deliver
      if (Hears(w, event, unlinked)) w->owner->Deliver_locked(w, mask, cookie, name ? *name : kNoName);
    }
  }
  if (self) {
    // inotify never reported IN_ISDIR with the *_SELF events.
    uint32_t own = (event & (IN_MOVE_SELF | IN_DELETE_SELF)) ? event : mask;
    for (InotifyWatch *w = self->watches, *next; w; w = next) {
      next = w->inode_next;
      if (Hears(w, event, unlinked)) w->owner->Deliver_locked(w, own, cookie, kNoName);
    }
  }
}

void NotifyGoneSlow(NotifyInode* self) {
  NotifySlow(nullptr, nullptr, self, IN_DELETE_SELF, 0, false);
  sched::SpinGuard g(g_inotify_lock);
  while (InotifyWatch* w = self->watches) w->owner->RemoveLibosWatch_locked(w);
}

NotifyInode::~NotifyInode() {
  if (!watched()) return;
  sched::SpinGuard g(g_inotify_lock);
  while (InotifyWatch* w = watches) w->owner->RemoveLibosWatch_locked(w);
}

}  // namespace junction::libos::fs
