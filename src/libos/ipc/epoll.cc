#include "libos/ipc/epoll.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <climits>

#include "libos/host/host.h"
#include "libos/ipc/defer_wakes.h"
#include "libos/ipc/ipc.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"

namespace junction::libos::ipc {

namespace {
constexpr uint32_t kAlways = EPOLLERR | EPOLLHUP;
constexpr uint32_t kFlags = EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP;
constexpr int kMaxNesting = 5;  // Linux's EP_MAX_NESTS
uint64_t g_ino = NextAnonIno();
}  // namespace

Epoll::Epoll() : File(O_RDWR, "anon_inode:[eventpoll]") {}

Epoll::~Epoll() {
  for (auto& [key, it] : items_) {
    if (auto f = it->file.lock()) f->hub().Remove(it.get());
  }
  for (auto& [key, m] : host_items_)
    if (m.dup_fd >= 0)
      if (auto f = m.file.lock()) f->CloseEpollDup(m.dup_fd);  // a closed file closed its own
  if (host_epfd_ >= 0) host::Syscall(SYS_close, host_epfd_);
}

bool Epoll::Item::Queue(uint32_t ev) {
  bool waited_for;
  {
    sched::SpinGuard g(ep->lock_);
    if (!(events & ~kFlags)) return false;              // disabled one-shot
    if (!(ev & (events | kAlways)) && ev) return false;  // not what it waits for
    ep->Enqueue_locked(this);
    waited_for = !ep->waiters_.empty();
  }
  ep->waiters_.WakeOne();
  ep->hub().Notify(EPOLLIN);  // nested epoll, poll on this instance
  uint32_t inout = ev & (EPOLLIN | EPOLLOUT);
  return waited_for && (!inout || (inout != (EPOLLIN | EPOLLOUT) && (events & inout)));
}

void Epoll::Item::Notify(uint32_t ev) { Queue(ev); }
bool Epoll::Item::NotifyExclusive(uint32_t ev) { return Queue(ev); }

void Epoll::Enqueue_locked(Item* it) {
  if (it->queued) return;
  it->queued = true;
  ready_.push_back(it);
}

bool Epoll::Reaches(const Epoll* target, int depth) {
  if (this == target) return true;
  if (depth > kMaxNesting) return true;
  std::vector<fs::FilePtr> inner;
  {
    sched::SpinGuard g(lock_);
    for (auto& [key, it] : items_)
      if (dynamic_cast<Epoll*>(key.first))
        if (auto f = it->file.lock()) inner.push_back(f);
  }
  for (auto& f : inner)
    if (static_cast<Epoll*>(f.get())->Reaches(target, depth + 1)) return true;
  return false;
}

SysResult<void> Epoll::Ctl(int op, int fd, const fs::FilePtr& target, const epoll_event* ev) {
  if (target.get() == this) return Errno{EINVAL};
  if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
    if (op == EPOLL_CTL_MOD) return Errno{EINVAL};
    if (ev->events & EPOLLONESHOT) return Errno{EINVAL};
  }
  if (target->host_pollable()) return CtlHost(op, fd, target, ev);
  SysResult<void> r = CtlLibos(op, fd, target, ev);
  // A fork on another kthread may have moved the target to the host
  // (proc/host_objects.cc) after the caller looked it up, and this set's
  // items with it (ReplaceMembers) before the change above: a MOD or DEL
  // then found no item (the member is a host one now), and an added item
  // watched the old object, to vanish with it (Go's netpoller lost a
  // command's pipe and waited for its output forever). Redone on the
  // host object.
  fs::FilePtr host = target->MovedTo();
  if (!host || !host->host_pollable()) return r;
  if (op != EPOLL_CTL_ADD) {
    if (r.ok() || r.error() != ENOENT) return r;
    // The move may still be adding its host members: after it.
    sched::SpinGuard g(move_lock_);
    return CtlHost(op, fd, host, ev);
  }
  if (!r.ok()) return r;
  std::unique_ptr<Item> item;
  {
    sched::SpinGuard g(lock_);
    auto found = items_.find(Key{target.get(), fd});
    if (found == items_.end()) return r;  // ReplaceMembers moved it
    item = std::move(found->second);
    items_.erase(found);
    if (item->timed) timed_--;
    if (item->queued) std::erase(ready_, item.get());
  }
  target->hub().Remove(item.get());
  return CtlHost(op, fd, host, ev);
}

SysResult<void> Epoll::CtlLibos(int op, int fd, const fs::FilePtr& target, const epoll_event* ev) {
  Key key{target.get(), fd};
  if (op == EPOLL_CTL_ADD) {
    if (auto* inner = dynamic_cast<Epoll*>(target.get()))
      if (inner->Reaches(this)) return Errno{ELOOP};
    auto item = std::make_unique<Item>();
    item->ep = this;
    item->file = target;
    item->raw = target.get();
    item->fd = fd;
    item->events = ev->events | kAlways;
    item->data = ev->data.u64;
    item->timed = target->NextEventNs() != 0;
    item->exclusive = ev->events & EPOLLEXCLUSIVE;
    Item* it = item.get();
    {
      sched::SpinGuard g(lock_);
      if (items_.count(key)) return Errno{EEXIST};
      items_.emplace(key, std::move(item));
      if (it->timed) timed_++;
      Enqueue_locked(it);  // harvest looks at its readiness
    }
    target->hub().Add(it);
    waiters_.WakeOne();
    hub().Notify(EPOLLIN);
    return {};
  }
  if (op == EPOLL_CTL_MOD) {
    {
      sched::SpinGuard g(lock_);
      auto found = items_.find(key);
      if (found == items_.end()) return Errno{ENOENT};
      Item* it = found->second.get();
      if (it->events & EPOLLEXCLUSIVE) return Errno{EINVAL};
      it->events = ev->events | kAlways;
      it->data = ev->data.u64;
      Enqueue_locked(it);
    }
    waiters_.WakeOne();
    hub().Notify(EPOLLIN);
    return {};
  }
  if (op == EPOLL_CTL_DEL) {
    std::unique_ptr<Item> item;
    {
      sched::SpinGuard g(lock_);
      auto found = items_.find(key);
      if (found == items_.end()) return Errno{ENOENT};
      item = std::move(found->second);
      items_.erase(found);
      if (item->timed) timed_--;
      if (item->queued) std::erase(ready_, item.get());
    }
    target->hub().Remove(item.get());
    return {};
  }
  return Errno{EINVAL};
}

void Epoll::ReplaceMembers(const fs::Replacements& replaced) {
  sched::SpinGuard move(move_lock_);
  std::vector<std::pair<std::unique_ptr<Item>, fs::FilePtr>> moved;  // item, replacement
  {
    sched::SpinGuard g(lock_);
    for (auto it = items_.begin(); it != items_.end();) {
      auto r = replaced.find(it->first.first);
      if (r == replaced.end()) {
        ++it;
        continue;
      }
      Item* item = it->second.get();
      if (item->timed) timed_--;
      if (item->queued) std::erase(ready_, item);
      moved.emplace_back(std::move(it->second), r->second);
      it = items_.erase(it);
    }
  }
  for (auto& [item, host] : moved) {
    item->raw->hub().Remove(item.get());  // the old file is still held by its descriptors
    epoll_event ev{};
    ev.events = item->events & ~kAlways;
    ev.data.u64 = item->data;
    // A one-shot item that fired stays disarmed: the host adds EPOLLERR
    // and EPOLLHUP to every member, so it must not enter the host set
    // before an EPOLL_CTL_MOD re-arms it.
    bool disarmed = !(item->events & ~kFlags);
    (void)CtlHost(EPOLL_CTL_ADD, item->fd, host, &ev, disarmed);
  }
  if (!moved.empty()) waiters_.WakeAll();  // waits in progress watch the host set now
}

void Epoll::DropDeadDups_locked() {
  if (!host_dups_) return;
  for (auto it = host_items_.begin(); it != host_items_.end();) {
    if (it->second.dup_fd >= 0 && it->second.file.expired()) {
      // The file closed the dup as it went (it left the host set then).
      host_dups_--;
      host_members_--;
      it = host_items_.erase(it);
    } else {
      ++it;
    }
  }
}

namespace {
// Puts `target` in the host set `epfd` under its host descriptor, or under
// a dup of it when another guest number holds that place (`taken`).
// Returns the dup, or -1. there_ok: a member already there (put in by a
// fork's other side, which shares the set) is changed instead.
SysResult<int> InsertHost(int epfd, const fs::FilePtr& target, bool taken, epoll_event* hev,
                          bool there_ok) {
  int hfd = target->host_fd();
  int dup_fd = -1;
  if (taken) {
    long d = target->DupForEpoll();
    if (d < 0) return Errno{static_cast<int>(-d)};
    dup_fd = hfd = static_cast<int>(d);
  }
  long r = host::Syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, hfd, host::L(hev));
  if (r == -EEXIST && there_ok) r = host::Syscall(SYS_epoll_ctl, epfd, EPOLL_CTL_MOD, hfd, host::L(hev));
  if (r < 0) {
    if (dup_fd >= 0) target->CloseEpollDup(dup_fd);
    return Errno{static_cast<int>(-r)};
  }
  return dup_fd;
}
}  // namespace

SysResult<void> Epoll::CtlHostSet(int op, int fd, const fs::FilePtr& target, const epoll_event* ev,
                                  bool disarmed, bool* first_host) {
  // The host kernel keeps these members (and their ET/ONESHOT state).
  sched::SpinGuard g(host_lock_);
  DropDeadDups_locked();
  if (host_items_.size() >= host_sweep_at_) {
    // Members whose file was closed without EPOLL_CTL_DEL left the host
    // set with their descriptor; forget them (amortized over the adds).
    std::erase_if(host_items_, [](const auto& e) { return e.second.file.expired(); });
    host_sweep_at_ = std::max<size_t>(64, 2 * host_items_.size());
  }
  if (host_epfd_ < 0) {
    long e = host::Syscall(SYS_epoll_create1, EPOLL_CLOEXEC);
    if (e < 0) return Errno{static_cast<int>(-e)};
    host_epfd_ = static_cast<int>(e);
  }
  Key key{target.get(), fd};
  auto found = host_items_.find(key);
  if (found != host_items_.end() && found->second.file.expired()) {
    host_items_.erase(found);  // an earlier file at the same address
    found = host_items_.end();
  }
  epoll_event hev{};
  if (ev) hev = *ev;
  int hfd = target->host_fd();
  // Another number of this description holds the host descriptor's place.
  bool taken = false;
  for (auto it = host_items_.lower_bound({target.get(), INT_MIN});
       it != host_items_.end() && it->first.first == target.get(); ++it)
    taken |= it->second.dup_fd < 0 && !it->second.disarmed && it->first.second != fd &&
             !it->second.file.expired();
  if (op == EPOLL_CTL_ADD && found != host_items_.end()) return Errno{EEXIST};
  if (op == EPOLL_CTL_ADD && disarmed) {
    host_items_.emplace(key, HostMember{target, -1, true});
    *first_host = host_members_++ == 0;
    return {};
  }
  if (found != host_items_.end() && found->second.disarmed) {
    // Not in the host set: DEL forgets it, MOD puts it in (an ADD, or a
    // MOD if a fork's other side, sharing the host set, re-armed it).
    if (op == EPOLL_CTL_DEL) {
      host_members_--;
      host_items_.erase(found);
      return {};
    }
    auto dup_fd = InsertHost(host_epfd_, target, taken, &hev, true);
    if (!dup_fd.ok()) return Errno{dup_fd.error()};
    found->second.disarmed = false;
    found->second.dup_fd = *dup_fd;
    if (*dup_fd >= 0) host_dups_++;
    return {};
  }
  if (op == EPOLL_CTL_ADD) {
    auto inserted = InsertHost(host_epfd_, target, taken, &hev, false);
    if (!inserted.ok()) return Errno{inserted.error()};  // EPERM for regular files, as Linux
    int dup_fd = *inserted;
    host_items_.emplace(key, HostMember{target, dup_fd});
    if (dup_fd >= 0) host_dups_++;
    *first_host = host_members_++ == 0;
    return {};
  }
  // A member this instance does not know: not there if another number has
  // the host descriptor's place, else the host decides (a fork's other
  // side shares the host set and may have added it).
  if (found == host_items_.end() && taken) return Errno{ENOENT};
  if (found != host_items_.end() && found->second.dup_fd >= 0) hfd = found->second.dup_fd;
  long r = host::Syscall(SYS_epoll_ctl, host_epfd_, op, hfd, host::L(&hev));
  if (r < 0) return Errno{static_cast<int>(-r)};
  if (op == EPOLL_CTL_DEL) {
    host_members_--;
    if (found != host_items_.end()) {
      if (found->second.dup_fd >= 0) {
        target->CloseEpollDup(found->second.dup_fd);
        host_dups_--;
      }
      host_items_.erase(found);
    }
  }
  return {};
}

SysResult<void> Epoll::CtlHost(int op, int fd, const fs::FilePtr& target, const epoll_event* ev,
                               bool disarmed) {
  bool first_host = false;
  SysResult<void> r = CtlHostSet(op, fd, target, ev, disarmed, &first_host);
  if (first_host) {
    // An epoll_wait parked while there was no host member watches no host
    // set: it must look again (host_pending_ also stops one about to park).
    {
      sched::SpinGuard g(lock_);
      host_pending_ = true;
    }
    waiters_.WakeAll();
  }
  return r;
}

int Epoll::Harvest_locked(epoll_event* out, int max, std::vector<fs::FilePtr>& drop, bool keep) {
  if (timed_) {
    for (auto& [key, it] : items_)
      if (it->timed) Enqueue_locked(it.get());
  }
  int n = 0;
  size_t count = ready_.size();
  std::vector<Item*> again;
  for (size_t i = 0; i < count && n < max; i++) {
    Item* it = ready_.front();
    ready_.pop_front();
    it->queued = false;
    fs::FilePtr f = it->file.lock();
    if (!f) {
      // The file is gone: so is the item (its hub died with it).
      auto found = items_.find({it->raw, it->fd});
      if (found != items_.end()) {
        if (it->timed) timed_--;
        items_.erase(found);
      }
      continue;
    }
    uint32_t want = it->events & ~kFlags;
    if (!want) {
      drop.push_back(std::move(f));
      continue;
    }
    uint32_t ev = f->Poll() & want;
    drop.push_back(std::move(f));
    if (!ev) continue;
    out[n].events = ev;
    out[n].data.u64 = it->data;
    n++;
    if (keep)
      again.push_back(it);  // not taken: reported again next time
    else if (it->events & EPOLLONESHOT)
      it->events &= kFlags;
    else if (!(it->events & EPOLLET))
      again.push_back(it);  // level-triggered: look again next time
  }
  for (Item* it : again) Enqueue_locked(it);
  return n;
}

int Epoll::HarvestHost(epoll_event* out, int max, bool keep) {
  if (host_epfd_ < 0 || !host_members_ || max <= 0) return 0;
  if (keep) return HostReady() ? 1 : 0;  // (out is not looked at)
  long r = host::Syscall(SYS_epoll_wait, host_epfd_, host::L(out), max, 0);
  return r > 0 ? static_cast<int>(r) : 0;
}

size_t Epoll::Members() {
  sched::SpinGuard g(lock_);
  return items_.size() + host_members_;
}

SysResult<int> Epoll::Wait(epoll_event* out, int max, bool block, uint64_t deadline_ns, bool keep) {
  if (__atomic_load_n(&host_dups_, __ATOMIC_RELAXED)) {
    sched::SpinGuard g(host_lock_);
    DropDeadDups_locked();
  }
  for (;;) {
    std::vector<fs::FilePtr> drop;
    int n;
    bool more;
    {
      DeferWakes defer;  // what the members' Poll() wakes, after lock_
      sched::SpinGuard g(lock_);
      n = Harvest_locked(out, max, drop, keep);
      host_pending_ = false;
      more = !ready_.empty();
    }
    drop.clear();
    n += HarvestHost(out + n, max - n, keep);
    if (more) waiters_.WakeOne();  // another thread may take the rest
    if (n) return n;
    // Nothing ready and a signal to take (epoll_pwait's temporary mask may
    // have just unblocked one): EINTR before sleeping, as Linux does.
    if (DeliverableSignals()) return Errno{EINTR};
    if (!block) return 0;
    uint64_t wake_at = deadline_ns;
    if (deadline_ns && sched::NowNs() >= deadline_ns) return 0;

    // Park until an item is queued, the host set is ready, a timed item
    // may have changed, or the deadline.
    struct HostWake : sched::HostFdWatch {
      Epoll* ep;
    } hw;
    hw.ep = this;
    hw.fn = [](sched::HostFdWatch* w, uint32_t) {
      Epoll* ep = static_cast<HostWake*>(w)->ep;
      {
        sched::SpinGuard g(ep->lock_);
        ep->host_pending_ = true;
      }
      ep->waiters_.WakeAll();
    };
    bool host = host_epfd_ >= 0 && host_members_;
    if (host && sched::WatchHostFd(&hw, host_epfd_, EPOLLIN) < 0) host = false;
    std::vector<fs::FilePtr> timed;
    {
      sched::SpinGuard g(lock_);
      if (timed_)
        for (auto& [key, it] : items_)
          if (it->timed)
            if (auto f = it->file.lock()) timed.push_back(std::move(f));
    }
    for (auto& f : timed) {
      uint64_t t = f->NextEventNs();
      if (t && t != ~uint64_t{0} && (!wake_at || t < wake_at)) wake_at = t;
    }
    timed.clear();
    lock_.lock();
    long r = 0;
    if (ready_.empty() && !host_pending_)
      r = waiters_.Wait(lock_, wake_at);
    else
      lock_.unlock();
    if (host) sched::UnwatchHostFd(&hw);
    if (r == -EINTR) return Errno{EINTR};
  }
}

SysResult<void> Epoll::Stat(struct stat* st) {
  *st = fs::SyntheticStat(kAnonDev, g_ino, 0600);
  return {};
}

uint32_t Epoll::Poll() {
  std::vector<std::pair<fs::FilePtr, uint32_t>> check;
  {
    sched::SpinGuard g(lock_);
    for (Item* it : ready_)
      if (auto f = it->file.lock()) check.emplace_back(std::move(f), it->events & ~kFlags);
    if (timed_)
      for (auto& [key, it] : items_)
        if (it->timed)
          if (auto f = it->file.lock()) check.emplace_back(std::move(f), it->events & ~kFlags);
  }
  for (auto& [f, want] : check)
    if (f->Poll() & want) return EPOLLIN | EPOLLRDNORM;
  if (HostReady()) return EPOLLIN | EPOLLRDNORM;
  return 0;
}

bool Epoll::HostReady() {
  if (host_epfd_ < 0 || !host_members_) return false;
  pollfd p{host_epfd_, POLLIN, 0};
  timespec zero{0, 0};
  return host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(&zero), 0, 0) > 0;
}

uint64_t Epoll::NextEventNs() {
  // Timed members and host members are looked at again periodically by
  // an outer poll/epoll (nested host members are not watched directly).
  return (timed_ || host_members_) ? sched::NowNs() + 2'000'000 : ~uint64_t{0};
}

}  // namespace junction::libos::ipc
