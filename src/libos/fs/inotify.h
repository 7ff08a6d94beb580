// inotify instances (Linux fs/notify/inotify/): a queue of events that
// read(2) returns, filled by watches on inodes of the LibOS's own file
// systems (tmpfs, through fs/notify.h) and by watches on host files, which
// live in a host inotify descriptor of the instance and whose events the
// LibOS moves into the same queue (inotify_host.cc). One queue means one
// order: a LibOS event is queued only after the host's pending ones
// (docs/filesystem.md "inotify").
//
// Lock order: g_inotify_lock (every NotifyInode's watch list,
// every instance's watch table and host descriptor), then an instance's
// queue_lock_. Wake-ups (read waiters, PollHub) happen with the watch lock
// held and no queue_lock_; Poll() takes only queue_lock_, since it runs
// under epoll's lock. The reactor lock comes after the watch lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "libos/fs/file.h"
#include "libos/fs/notify.h"
#include "sched/reactor.h"
#include "sched/spinlock.h"
#include "sched/wait_queue.h"

namespace junction::libos::fs {

class Inotify;

// The watch lock (the lock order above).
extern sched::SpinLock g_inotify_lock;

// One watch: on a LibOS inode, on a file system that makes no events
// (procfs, sysfs, devfs: kept so that the descriptor numbers are Linux's),
// or on a host file.
struct InotifyWatch {
  Inotify* owner = nullptr;
  int wd = 0;
  uint32_t mask = 0;  // IN_* events | IN_ONESHOT | IN_EXCL_UNLINK (LibOS watches)
  NotifyInode* inode = nullptr;  // null for the two other kinds
  uint64_t dev = 0, ino = 0;     // the file (LibOS watches)
  int host_wd = -1;              // a host watch: the host's descriptor
  bool removing = false;         // host watch removed, its IN_IGNORED not yet read
  InotifyWatch* inode_next = nullptr;  // on inode->watches
  InotifyWatch* inode_prev = nullptr;
};

class Inotify final : public File {
 public:
  explicit Inotify(int flags);  // O_NONBLOCK
  ~Inotify() override;
  SysResult<size_t> Read(void* buf, size_t len) override { return ReadPartial(buf, len, ~size_t{0}); }
  SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room) override;
  SysResult<void> Stat(struct stat* st) override;
  SysResult<int> Available() override;
  uint32_t Poll() override;
  // lseek leaves the position where it is (Linux's noop_llseek): 0, not ESPIPE.
  SysResult<int64_t> Seek(int64_t, int) override { return int64_t{0}; }
  bool host_pollable() const override { return false; }

  // inotify_add_watch on a LibOS file (`inode` null: on a file system that
  // makes no events), which `dev` and `ino` identify.
  SysResult<int> AddWatch(NotifyInode* inode, uint64_t dev, uint64_t ino, uint32_t mask);
  // On a host file; `host_path` names it for the host (a /proc/self/fd
  // link). inotify_host.cc.
  SysResult<int> AddHostWatch(const char* host_path, uint32_t mask);
  SysResult<void> RemoveWatch(int wd);

  // Event delivery (inotify.cc, inotify_host.cc); g_inotify_lock held.
  void Deliver_locked(InotifyWatch* w, uint32_t mask, uint32_t cookie, const std::string& name);
  void RemoveLibosWatch_locked(InotifyWatch* w);
  // Moves the host descriptor's events into the queue, then has the
  // reactor tell when it becomes readable again.
  void TakeHostEvents_locked();
  // Armed only while someone may wait for a host event (a blocked read, a
  // poll/select/epoll watcher): the scheduler looks at the reactor at each
  // pass while a watch is armed.
  void ArmHostWatch_locked();
  // The reactor saw the host descriptor readable (HandleInotifyHostEvents).
  bool host_ready() const { return host_ready_.load(std::memory_order_acquire); }

 private:
  friend void HandleInotifyHostEvents();
  struct Event {
    int wd;
    uint32_t mask, cookie;
    std::string name;
  };
  // Queues an event, or merges it with an identical last one, or queues
  // IN_Q_OVERFLOW when full; true if the queue grew.
  bool Queue_locked(int wd, uint32_t mask, uint32_t cookie, const std::string& name);
  void Wake_locked();
  int AllocWd_locked();
  void EraseWatch_locked(InotifyWatch* w);
  // Host side (inotify_host.cc).
  SysResult<void> EnsureHostFd();
  void TakeHostEvents();
  // Before the destructor: out of the list, the reactor's watch and the
  // host descriptor gone.
  void ReleaseHost();
  static void OnHostReadable(sched::HostFdWatch* hw, uint32_t events);
  // From Poll() (under epoll's lock, which the reactor's may not follow):
  // HandleInotifyHostEvents arms the watch.
  void RequestHostWatch();

  // Guarded by g_inotify_lock.
  std::map<int, std::unique_ptr<InotifyWatch>> watches_;          // by wd
  std::map<std::pair<uint64_t, uint64_t>, InotifyWatch*> by_file_;  // LibOS watches by (dev, ino)
  std::map<int, InotifyWatch*> by_host_wd_;
  int next_wd_ = 1;
  size_t host_watches_ = 0;
  int host_fd_ = -1;  // set once (EnsureHostFd), before host_watches_ > 0
  int armed_pid_ = 0;  // host pid whose reactor watches host_fd_ for us (0: none)
  sched::HostFdWatch reactor_watch_;
  std::atomic<bool> armed_{false};  // cleared by the reactor's callback
  std::atomic<bool> host_ready_{false};
  std::atomic<bool> arm_wanted_{false};  // Poll() asks HandleInotifyHostEvents to arm
  int blocked_readers_ = 0;

  // Guarded by queue_lock_.
  sched::SpinLock queue_lock_;
  std::deque<Event> queue_;
  size_t queued_bytes_ = 0;
  bool overflow_queued_ = false;
  size_t max_events_;
  sched::WaitQueue readq_;

  uint64_t ino_;
  // The instances with a host descriptor (inotify_host.cc), guarded by its list lock.
  Inotify* list_prev_ = nullptr;
  Inotify* list_next_ = nullptr;
  bool listed_ = false;
};

// The scheduler's notice: instances whose host descriptor became readable
// take its events and wake their readers (libos.cc OnSchedulerNotice).
void HandleInotifyHostEvents();

}  // namespace junction::libos::fs
