#include "libos/ipc/poll.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include <algorithm>
#include <memory>

#include "libos/host/host.h"
#include "libos/signals/signal_state.h"
#include "sched/kthread.h"

namespace junction::libos::ipc {

namespace {
constexpr uint32_t kAlways = EPOLLERR | EPOLLHUP;
}  // namespace

void Waker::Fire() {
  {
    sched::SpinGuard g(lock_);
    fired_ = true;
  }
  q_.WakeAll();
}

long Waker::Wait(uint64_t deadline_ns) {
  lock_.lock();
  if (fired_) {
    fired_ = false;
    lock_.unlock();
    return 0;
  }
  long r = q_.Wait(lock_, deadline_ns);
  sched::SpinGuard g(lock_);
  fired_ = false;
  return r;
}

uint32_t PollOne(fs::File& f, uint32_t events) {
  if (!f.host_pollable()) return f.Poll() & (events | kAlways);
  pollfd p{f.host_fd(), static_cast<short>(events), 0};
  timespec zero{0, 0};
  if (host::Syscall(SYS_ppoll, host::L(&p), 1, host::L(&zero), 0, 0) <= 0) return 0;
  return static_cast<uint16_t>(p.revents);
}

namespace {

long Scan(std::vector<PollEntry>& entries) {
  long n = 0;
  std::vector<pollfd> hostv;
  std::vector<size_t> host_idx;
  for (size_t i = 0; i < entries.size(); i++) {
    PollEntry& e = entries[i];
    e.revents = 0;
    if (!e.file) continue;
    if (e.file->host_pollable()) {
      hostv.push_back({e.file->host_fd(), static_cast<short>(e.events), 0});
      host_idx.push_back(i);
      continue;
    }
    e.revents = e.file->Poll() & (e.events | kAlways);
    if (e.revents) n++;
  }
  if (!hostv.empty()) {
    timespec zero{0, 0};
    long r = host::Syscall(SYS_ppoll, host::L(hostv.data()), hostv.size(), host::L(&zero), 0, 0);
    if (r > 0) {
      for (size_t j = 0; j < hostv.size(); j++) {
        entries[host_idx[j]].revents = static_cast<uint16_t>(hostv[j].revents);
        if (hostv[j].revents) n++;
      }
    }
  }
  return n;
}

// A fork replaced LibOS objects among the entries by host objects
// (fs::File::MovedTo): true if so; `follow` makes the entries watch those.
bool FollowMoves(std::vector<PollEntry>& entries, bool follow) {
  bool any = false;
  for (PollEntry& e : entries) {
    if (!e.file || e.file->host_pollable()) continue;
    fs::FilePtr h = e.file->MovedTo();
    if (!h) continue;
    any = true;
    if (follow) e.file = std::move(h);
  }
  return any;
}

}  // namespace

long PollFiles(std::vector<PollEntry>& entries, bool block, uint64_t deadline_ns) {
  for (;;) {
    FollowMoves(entries, true);
    long n = Scan(entries);
    if (n) return n;
    // Nothing ready and a signal to take (ppoll/pselect6's temporary mask
    // may have just unblocked one): EINTR before sleeping, as Linux does.
    if (DeliverableSignals()) return -EINTR;
    if (!block) return n;
    uint64_t now = sched::NowNs();
    if (deadline_ns && now >= deadline_ns) return 0;

    Waker waker;
    std::vector<WakerWatcher> watchers(entries.size());
    std::vector<std::unique_ptr<WakerHostWatch>> host_watches;
    uint64_t wake_at = deadline_ns;
    bool ready = false;
    for (size_t i = 0; i < entries.size(); i++) {
      PollEntry& e = entries[i];
      if (!e.file) continue;
      if (e.file->host_pollable()) {
        auto hw = std::make_unique<WakerHostWatch>(&waker);
        if (sched::WatchHostFd(hw.get(), e.file->host_fd(), e.events) < 0) ready = true;
        host_watches.push_back(std::move(hw));
      } else {
        watchers[i].waker = &waker;
        e.file->hub().Add(&watchers[i]);
        uint64_t t = e.file->NextEventNs();
        if (t && t != ~uint64_t{0} && (!wake_at || t < wake_at)) wake_at = t;
      }
    }
    long r = 0;
    if (!ready) {
      n = Scan(entries);  // what changed before the watchers were in place
      // A move notifies the old object's watchers: one before ours were
      // in place leaves the old object moved (the loop follows it).
      if (!n && !FollowMoves(entries, false)) r = waker.Wait(wake_at);
    }
    for (size_t i = 0; i < entries.size(); i++)
      if (watchers[i].waker) entries[i].file->hub().Remove(&watchers[i]);
    for (auto& hw : host_watches) sched::UnwatchHostFd(hw.get());
    if (n) return n;
    if (r == -EINTR) return -EINTR;
  }
}

}  // namespace junction::libos::ipc
