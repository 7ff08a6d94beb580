// The guest's descriptor table: guest descriptor numbers are the LibOS's
// (lowest free first, below the guest's RLIMIT_NOFILE: fs/fd_limit.h), each naming a shared
// open file description plus the per-descriptor close-on-exec flag. The
// LibOS's own host descriptors (e.g. the --strace-file) have no guest
// number and so cannot be reached by the guest.
//
// Locking: one spinlock (lock_) guards fds_; it is a leaf lock (nothing is
// called while holding it; descriptions are released after dropping it).
#pragma once

#include <atomic>
#include <vector>

#include "libos/fs/file.h"
#include "libos/fs/host_fd_map.h"

namespace junction::libos::fs {

class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire))
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
  }
  void unlock() { flag_.store(false, std::memory_order_release); }
  // Only when no other thread can contend (sched/single_kthread.h).
  void mark_held() {
    flag_.store(true, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);
  }

 private:
  std::atomic<bool> flag_{false};
};

class FdTable {
 public:
  static FdTable& Get();

  // Host fork: held across the fork (released in parent and child).
  void ForkLock() { lock_.lock(); }
  void ForkUnlock() { lock_.unlock(); }
  // With ForkLock held: takes the spinlocks of every description in the
  // table (File::AddForkLocks) into `held`, each once, without waiting;
  // then those of the files they reach (File::AddForkMembers: an epoll's
  // members, which a member's last descriptor closed may leave alive only
  // through another kthread's epoll_wait), referenced in `members` (empty
  // on entry), which the caller releases once it holds no fork lock.
  // False if another thread holds one: none is kept then, and the caller
  // lets go of its own fork locks before trying again (that thread may be
  // waiting for one of them).
  bool TryLockFilesForFork(std::vector<sched::SpinLock*>& held, std::vector<FilePtr>& members);
  static void UnlockFilesAfterFork(std::vector<sched::SpinLock*>& held);

  // The description behind `fd`, or nullptr (EBADF).
  FilePtr Lookup(long fd);
  // For lazy system calls (vector-free, fd_table_lazy.cc): if `fd` is a
  // description with direct host I/O open for `access` (O_RDONLY or
  // O_WRONLY) and, with `never_blocks`, known not to block
  // (File::lazy_host_rw), publishes its host descriptor in *in_use (which
  // keeps it open) and returns it; else -1 and the caller takes the full
  // path.
  int LazyHostFd(long fd, int access, int* in_use, bool never_blocks = false);
  // For lazy system calls: the pipe end behind `fd` if it is one of kind
  // `pipe_kind` (File::lazy_pipe), published in *in_use (which keeps it
  // alive) ; else nullptr.
  File* LazyPipeEnd(long fd, uint8_t pipe_kind, const void** in_use);
  // For the lazy close (vector-free, fd_table_lazy.cc): if `fd` is a host
  // file or directory (File::lazy_close) that nothing else holds, takes it
  // out of the table and returns its host descriptor, which the caller
  // closes (no lazy pread/pwrite uses it any more); the description itself
  // is freed by the next full-path table change (the lazy path has no
  // allocator). -1: the caller takes the full path.
  int LazyCloseHostFile(long fd);
  // For the lazy open (vector-free, fd_table_lazy.cc): installs a
  // description of host regular file or directory `host_fd` (opened by
  // `path`, on `fs`, with the guest's `flags`) at the lowest free number,
  // reusing one a lazy close gave up (the lazy path has no allocator), and
  // returns the number; -1 if there is none to reuse, no free number in the
  // table as it is, or the path does not fit: the caller takes the full path.
  int LazyInsertHostFile(int host_fd, int flags, bool cloexec, Filesystem* fs, const char* path,
                         size_t len);
  // CheckRoom for the lazy open, before its host open (vector-free).
  bool LazyHasRoom();
  // Installs `f` at the lowest free number >= min_fd. EMFILE past the limit.
  SysResult<int> Insert(FilePtr f, bool cloexec, int min_fd = 0);
  // EMFILE if a new descriptor would get no number now: checked before
  // an open or accept, whose effects (a file made or truncated, a
  // connection taken) Linux never has at EMFILE (it reserves the number
  // first).
  SysResult<void> CheckRoom();
  // Installs both at the lowest free numbers in one step (pipe2,
  // socketpair): a fork on another kthread sees both or neither.
  SysResult<void> InsertPair(FilePtr a, FilePtr b, bool cloexec, int out[2]);
  // Installs `f` at exactly `fd`, closing what was there (dup2/dup3).
  SysResult<int> InsertAt(int fd, FilePtr f, bool cloexec);
  // Every descriptor naming one of `with`'s keys now names its value (same
  // close-on-exec flag), in one step: a number another thread closed and
  // reused meanwhile keeps its new description.
  void ReplaceAll(const std::map<File*, FilePtr>& with);
  SysResult<void> Close(long fd);
  // close_range(first, last, CLOSE_RANGE_CLOEXEC?).
  void CloseRange(unsigned first, unsigned last, bool cloexec_only);
  SysResult<bool> GetCloexec(long fd);
  SysResult<void> SetCloexec(long fd, bool on);
  // execve: drops descriptors marked close-on-exec.
  void CloseOnExec();
  // Numbers in use, ascending (procfs).
  std::vector<int> Numbers();
  // The descriptions in use, taken at one instant: a pipe made meanwhile
  // by another thread has both ends or neither (numbers then lookups could
  // see a number reused, or one end only).
  std::vector<FilePtr> Files();
  // True if some description satisfies `pred`. Takes no references (no
  // write to the descriptions: before a fork that would be a copy-on-write
  // fault per page they sit on).
  bool AnyFile(bool (*pred)(const File&));
  // Publishes which host descriptor backs each guest descriptor (the host
  // fd, kNoDescriptor or kLibosObject) in an array of this process's
  // memory, and where that array is in `where` (memory the container's
  // other processes read, for pidfd_getfd: fs/host_fd_map.h). The array is
  // made at the first call and kept current, growing with the table; a
  // fork child has a copy already and only records where it is.
  static constexpr int32_t kNoDescriptor = -1;
  static constexpr int32_t kLibosObject = -2;
  void PublishHostFds(HostFdMapLocation* where);
  // RLIMIT_NOFILE (fs/fd_limit.h): new descriptors get numbers below the
  // soft limit; lowering it leaves those above open.
  void SetLimits(uint64_t soft, uint64_t hard);
  // Moves the two limits to `where` (soft, hard; memory the container's
  // other processes may read and set, for prlimit64), which holds their
  // values already (a fork child's: its parent's at the fork).
  void ShareLimits(std::atomic<uint64_t>* where);
  uint64_t limit() const { return limits_.load(std::memory_order_relaxed)[0].load(std::memory_order_relaxed); }
  uint64_t hard_limit() const { return limits_.load(std::memory_order_relaxed)[1].load(std::memory_order_relaxed); }

 private:
  struct Slot {
    FilePtr file;
    bool cloexec = false;
  };
  // lock_ for the lazy lookups (fd_table_lazy.cc).
  void LockLazy();
  // Updates host_map_ for number i; lock_ held.
  void PublishLocked(size_t i);
  // Room in host_map_ for numbers below n (false: none could be made); lock_ held.
  bool GrowHostMapLocked(size_t n);
  // Number i was just emptied; lock_ held.
  void FreedLocked(size_t i);
  SysResult<int> InsertLocked(FilePtr f, bool cloexec, int min_fd);
  // Descriptions closed lazily, to be freed after the lock is dropped: a
  // full-path change takes them (declared before its lock guard).
  static constexpr size_t kRetired = 8;
  struct Retired {
    FilePtr files[kRetired];
  };
  void TakeRetiredLocked(Retired* out);

  SpinLock lock_;
  std::vector<Slot> fds_;  // guarded by lock_
  // Every number below it is in use (guarded by lock_): Insert searches
  // from here, so opening with many descriptors held does not rescan them
  // (Linux's next_fd).
  size_t lowest_maybe_free_ = 0;
  FilePtr retired_[kRetired];  // guarded by lock_ (LazyCloseHostFile)
  FilePtr reusable_;           // guarded by lock_: a closed HostFile for LazyInsertHostFile
  size_t retired_n_ = 0;       // guarded by lock_
  std::atomic<int32_t>* host_map_ = nullptr;  // written under lock_
  size_t host_map_size_ = 0;
  HostFdMapLocation* host_map_where_ = nullptr;
  // Soft and hard RLIMIT_NOFILE: own_limits_ until ShareLimits. Written
  // under lock_ (SetLimits) or by another process; read without it.
  std::atomic<uint64_t> own_limits_[2]{1024, 1024};
  std::atomic<std::atomic<uint64_t>*> limits_{own_limits_};
};

}  // namespace junction::libos::fs
