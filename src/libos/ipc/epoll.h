// epoll instances (Linux fs/eventpoll.c) over LibOS objects and host
// descriptors.
//
// LibOS members register an Item (a PollWatcher) on their file's PollHub;
// a notification puts the item on the ready list, and epoll_wait re-reads
// the file's Poll() for each ready item (level-triggered items go back on
// the list after being reported, edge-triggered ones wait for the next
// notification, one-shot ones are disabled until EPOLL_CTL_MOD). Host
// members (host sockets, a terminal, FIFOs) go into a host epoll set owned
// by the instance, which the kernel runs with the guest's flags; a waiting
// epoll_wait watches that set through the reactor.
//
// Items hold their file weakly: when the last descriptor of a file is
// closed, its items disappear, as on Linux. Lock order: Epoll::move_lock_,
// then a file's PollHub lock, then Epoll::lock_, then the member file's own
// lock (Poll()).
#pragma once

#include <sys/epoll.h>

#include <deque>
#include <map>
#include <memory>

#include "libos/fs/file.h"
#include "libos/ipc/poll.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::ipc {

class Epoll : public fs::File {
 public:
  Epoll();
  ~Epoll() override;
  // epoll_ctl with the target's description and number.
  SysResult<void> Ctl(int op, int fd, const fs::FilePtr& target, const epoll_event* ev);
  // epoll_wait: up to `max` events into `out`; deadline 0 = none; block
  // false = timeout 0. Returns the count, or EINTR. `keep`: the events are
  // reported but not taken (an edge-triggered or one-shot member's stays
  // queued, a host member's is only looked at), for a caller that cannot
  // hand them to the guest (Linux's ep_send_events puts them back).
  SysResult<int> Wait(epoll_event* out, int max, bool block, uint64_t deadline_ns, bool keep = false);
  // Registered descriptors, LibOS and host: the most one wait can report.
  size_t Members();

  SysResult<void> Stat(struct stat* st) override;
  uint32_t Poll() override;
  // lseek leaves the position where it is (Linux's noop_llseek): 0, not ESPIPE.
  SysResult<int64_t> Seek(int64_t, int) override { return int64_t{0}; }
  bool host_pollable() const override { return false; }
  uint64_t NextEventNs() override;
  // Before a fork: members that became host objects are watched as host
  // members from now on (same descriptor number, events and data).
  void ReplaceMembers(const fs::Replacements& replaced);
  // True if `target` is this instance or reaches it (nested epoll loops).
  bool Reaches(const Epoll* target, int depth = 0);
  void AddForkLocks(std::vector<sched::SpinLock*>& out) override {
    File::AddForkLocks(out);
    out.push_back(&move_lock_);
    out.push_back(&lock_);
    out.push_back(&host_lock_);  // held across host epoll_ctl/fcntl calls
    out.push_back(&waiters_.fork_lock());
  }
  // Its LibOS members: one whose last descriptor another kthread closed
  // while its epoll_wait polled it lives on (in the child too, through
  // that call's reference) and is not in the table (lock_ held by the fork).
  void AddForkMembers(std::vector<fs::FilePtr>& out) override {
    for (auto& [key, it] : items_)
      if (fs::FilePtr f = it->file.lock()) out.push_back(std::move(f));
  }

 private:
  struct Item : fs::PollWatcher {
    Epoll* ep;
    std::weak_ptr<fs::File> file;
    fs::File* raw;
    int fd;
    uint32_t events;  // EPOLLIN... | EPOLLET | EPOLLONESHOT; 0 after one-shot
    uint64_t data;
    bool queued = false;  // on ready_
    bool timed = false;   // NextEventNs() matters
    void Notify(uint32_t ev) override;
    bool NotifyExclusive(uint32_t ev) override;
    // Queues the item; lock-free for the caller. Returns whether an
    // epoll_wait was waiting for this instance and the event is one the
    // item wants (Linux's ep_poll_callback "ewake").
    bool Queue(uint32_t ev);
  };
  using Key = std::pair<fs::File*, int>;
  // EPOLL_CTL_* of a LibOS member.
  SysResult<void> CtlLibos(int op, int fd, const fs::FilePtr& target, const epoll_event* ev);

  void Enqueue_locked(Item* it);
  // Harvests ready LibOS items; lock_ held. Files whose last reference
  // goes away are moved to `drop` (released after unlocking).
  int Harvest_locked(epoll_event* out, int max, std::vector<fs::FilePtr>& drop, bool keep);
  int HarvestHost(epoll_event* out, int max, bool keep);
  // Whether the host set has an event ready (taking none).
  bool HostReady();
  // EPOLL_CTL_* of a host member, keyed by the guest's number like
  // LibOS members (the host set keys by host descriptor and open file).
  // disarmed (with EPOLL_CTL_ADD): a fired one-shot member, kept out of the
  // host set until EPOLL_CTL_MOD.
  SysResult<void> CtlHost(int op, int fd, const fs::FilePtr& target, const epoll_event* ev,
                          bool disarmed = false);
  // Its change of the host set, under host_lock_; *first_host: the
  // instance had no host member before this add.
  SysResult<void> CtlHostSet(int op, int fd, const fs::FilePtr& target, const epoll_event* ev,
                             bool disarmed, bool* first_host);
  // Forgets the dups whose file the guest has closed (host_lock_ held).
  void DropDeadDups_locked();

  // Held by ReplaceMembers from taking the moved items out until their
  // host members are in: a MOD or DEL that found no item waits for it
  // (the first of this instance's locks).
  sched::SpinLock move_lock_;
  sched::SpinLock lock_;
  std::map<Key, std::unique_ptr<Item>> items_;  // guarded by lock_
  std::deque<Item*> ready_;                     // guarded by lock_
  size_t timed_ = 0;                            // items with timed set
  sched::WaitQueue waiters_;
  int host_epfd_ = -1;  // created with the first host member
  size_t host_members_ = 0;
  // Host members by (description, guest number). A description's host
  // descriptor can be in the host set only once, so a second guest number
  // of it (a dup) goes in as a host dup of that descriptor, as Linux lets
  // one description in under each number. The description owns the dup
  // (File::DupForEpoll) and closes it with its host descriptor when the
  // guest closed its last number, so the host object closes at once, as
  // Linux's, even while an epoll_wait is parked on this instance; the
  // entry is forgotten at the next epoll_ctl or epoll_wait.
  struct HostMember {
    std::weak_ptr<fs::File> file;
    int dup_fd;  // -1: the file's own host descriptor
    // A one-shot LibOS item that had fired when its file moved to the
    // host: not in the host set (the host would report EPOLLHUP/EPOLLERR
    // for it) until EPOLL_CTL_MOD re-arms it, as Linux keeps it disabled.
    bool disarmed = false;
  };
  sched::SpinLock host_lock_;               // guards host_items_, host_dups_; brief host calls only; before lock_
  std::map<Key, HostMember> host_items_;
  size_t host_dups_ = 0;                    // entries with a dup_fd
  size_t host_sweep_at_ = 64;               // size at which dead entries are dropped
  bool host_pending_ = false;  // the reactor saw the host set ready
};

}  // namespace junction::libos::ipc
