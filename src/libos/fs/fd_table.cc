#include "libos/fs/fd_table.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>

#include "base/fork_written.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

FdTable& FdTable::Get() {
  // Never destroyed; its lock is taken and released around every fork, so
  // it lives on the fork-written page rather than the heap.
  // Its own cache line: kthreads take its lock on every descriptor operation.
  JUNCTION_FORK_WRITTEN alignas(64) static unsigned char storage[sizeof(FdTable)];
  static auto* t = new (storage) FdTable;
  return *t;
}

FilePtr FdTable::Lookup(long fd) {
  std::lock_guard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size()) return nullptr;
  return fds_[static_cast<size_t>(fd)].file;
}

void FdTable::TakeRetiredLocked(Retired* out) {
  for (size_t i = 0; i < retired_n_; i++) out->files[i] = std::move(retired_[i]);
  retired_n_ = 0;
}

SysResult<int> FdTable::Insert(FilePtr f, bool cloexec, int min_fd) {
  Retired retired;  // freed after the lock is dropped
  std::lock_guard g(lock_);
  TakeRetiredLocked(&retired);
  return InsertLocked(std::move(f), cloexec, min_fd);
}

SysResult<void> FdTable::InsertPair(FilePtr a, FilePtr b, bool cloexec, int out[2]) {
  Retired retired;
  FilePtr undone;  // freed after the lock is dropped
  std::lock_guard g(lock_);
  TakeRetiredLocked(&retired);
  auto fd0 = InsertLocked(std::move(a), cloexec, 0);
  if (!fd0.ok()) return Errno{fd0.error()};
  auto fd1 = InsertLocked(std::move(b), cloexec, 0);
  if (!fd1.ok()) {
    undone = std::move(fds_[static_cast<size_t>(*fd0)].file);
    FreedLocked(static_cast<size_t>(*fd0));
    return Errno{fd1.error()};
  }
  out[0] = *fd0;
  out[1] = *fd1;
  return {};
}

SysResult<void> FdTable::CheckRoom() {
  std::lock_guard g(lock_);
  size_t i = lowest_maybe_free_;
  for (; i < fds_.size(); i++)
    if (!fds_[i].file) break;
  lowest_maybe_free_ = i;  // every number below it is in use
  if (i >= limit()) return Errno{EMFILE};
  return {};
}

void FdTable::SetLimits(uint64_t soft, uint64_t hard) {
  std::lock_guard g(lock_);
  std::atomic<uint64_t>* l = limits_.load(std::memory_order_relaxed);
  l[0].store(soft, std::memory_order_relaxed);
  l[1].store(hard, std::memory_order_relaxed);
}

void FdTable::ShareLimits(std::atomic<uint64_t>* where) {
  std::lock_guard g(lock_);
  limits_.store(where, std::memory_order_release);
}

SysResult<int> FdTable::InsertLocked(FilePtr f, bool cloexec, int min_fd) {
  const uint64_t limit = this->limit();
  if (min_fd < 0 || static_cast<uint64_t>(min_fd) >= limit) return Errno{min_fd < 0 ? EINVAL : EMFILE};
  const size_t start = std::max(static_cast<size_t>(min_fd), lowest_maybe_free_);
  size_t i = start;
  for (; i < fds_.size(); i++)
    if (!fds_[i].file) break;
  if (i >= limit) return Errno{EMFILE};
  if (i >= fds_.size()) fds_.resize(i + 1);
  fds_[i] = {std::move(f), cloexec};
  if (start == lowest_maybe_free_) lowest_maybe_free_ = i + 1;
  PublishLocked(i);
  return static_cast<int>(i);
}

SysResult<int> FdTable::InsertAt(int fd, FilePtr f, bool cloexec) {
  FilePtr old;
  {
    std::lock_guard g(lock_);
    if (fd < 0 || static_cast<uint64_t>(fd) >= limit()) return Errno{EBADF};
    size_t i = static_cast<size_t>(fd);
    if (i >= fds_.size()) fds_.resize(i + 1);
    old = std::move(fds_[i].file);
    fds_[i] = {std::move(f), cloexec};
    if (fds_[i].file) PublishLocked(i);
    else FreedLocked(i);
  }
  return fd;  // `old` is released here, outside the lock
}

void FdTable::ReplaceAll(const std::map<File*, FilePtr>& with) {
  std::vector<FilePtr> old;  // released outside the lock
  std::lock_guard g(lock_);
  for (size_t i = 0; i < fds_.size(); i++) {
    auto it = fds_[i].file ? with.find(fds_[i].file.get()) : with.end();
    if (it == with.end()) continue;
    old.push_back(std::move(fds_[i].file));
    fds_[i].file = it->second;
    PublishLocked(i);
  }
}

SysResult<void> FdTable::Close(long fd) {
  Retired retired;
  FilePtr old;
  {
    std::lock_guard g(lock_);
    TakeRetiredLocked(&retired);
    if (fd < 0 || static_cast<size_t>(fd) >= fds_.size() || !fds_[static_cast<size_t>(fd)].file)
      return Errno{EBADF};
    old = std::move(fds_[static_cast<size_t>(fd)].file);
    FreedLocked(static_cast<size_t>(fd));
  }
  return {};
}

void FdTable::CloseRange(unsigned first, unsigned last, bool cloexec_only) {
  std::vector<FilePtr> old;
  {
    std::lock_guard g(lock_);
    for (size_t i = first; i < fds_.size() && i <= last; i++) {
      if (!fds_[i].file) continue;
      if (cloexec_only) {
        fds_[i].cloexec = true;
      } else {
        old.push_back(std::move(fds_[i].file));
        FreedLocked(i);
      }
    }
  }
}

SysResult<bool> FdTable::GetCloexec(long fd) {
  std::lock_guard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size() || !fds_[static_cast<size_t>(fd)].file)
    return Errno{EBADF};
  return fds_[static_cast<size_t>(fd)].cloexec;
}

SysResult<void> FdTable::SetCloexec(long fd, bool on) {
  std::lock_guard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= fds_.size() || !fds_[static_cast<size_t>(fd)].file)
    return Errno{EBADF};
  fds_[static_cast<size_t>(fd)].cloexec = on;
  return {};
}

void FdTable::CloseOnExec() {
  std::vector<FilePtr> old;
  {
    std::lock_guard g(lock_);
    for (size_t i = 0; i < fds_.size(); i++) {
      if (fds_[i].file && fds_[i].cloexec) {
        old.push_back(std::move(fds_[i].file));
        FreedLocked(i);
      }
    }
  }
}

void FdTable::FreedLocked(size_t i) {
  lowest_maybe_free_ = std::min(lowest_maybe_free_, i);
  PublishLocked(i);
}

void FdTable::PublishLocked(size_t i) {
  if (!host_map_ || (i >= host_map_size_ && !GrowHostMapLocked(i + 1))) return;
  const File* f = i < fds_.size() ? fds_[i].file.get() : nullptr;
  int32_t v = !f ? kNoDescriptor : f->host_fd() >= 0 ? f->host_fd() : kLibosObject;
  host_map_[i].store(v, std::memory_order_release);
}

bool FdTable::GrowHostMapLocked(size_t n) {
  constexpr size_t kPage = 4096;
  // At least double: a table grown one number at a time moves the array
  // O(log n) times.
  size_t want = std::max({n, host_map_size_ * 2, kPage / sizeof(int32_t)});
  size_t bytes = (want * sizeof(int32_t) + kPage - 1) & ~(kPage - 1);
  size_t old_bytes = host_map_size_ * sizeof(int32_t);
  // Readers in other processes retry while the count is odd (fs/host_fd_map.h).
  if (host_map_where_) host_map_where_->seq.fetch_add(1, std::memory_order_acq_rel);
  long r = host_map_ ? host::Syscall(SYS_mremap, host::L(host_map_), old_bytes, bytes, MREMAP_MAYMOVE)
                     : host::Mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r >= 0) {
    host_map_ = reinterpret_cast<std::atomic<int32_t>*>(r);
    size_t old_size = host_map_size_;
    host_map_size_ = bytes / sizeof(int32_t);
    for (size_t i = old_size; i < host_map_size_; i++) host_map_[i].store(kNoDescriptor, std::memory_order_relaxed);
  }
  if (host_map_where_) {
    host_map_where_->addr.store(reinterpret_cast<uintptr_t>(host_map_), std::memory_order_relaxed);
    host_map_where_->size.store(static_cast<uint32_t>(host_map_size_), std::memory_order_relaxed);
    host_map_where_->seq.fetch_add(1, std::memory_order_release);
  }
  return r >= 0 && host_map_size_ >= n;
}

void FdTable::PublishHostFds(HostFdMapLocation* where) {
  std::lock_guard g(lock_);
  if (!host_map_) {
    // The first call (container start): the array for the table as it is
    // (none if no memory: pidfd_getfd then finds no descriptor).
    GrowHostMapLocked(std::max<size_t>(fds_.size(), 1));
    for (size_t i = 0; i < fds_.size(); i++) PublishLocked(i);
  }
  // A fork child: the array is its copy of the parent's, current already.
  // Its entry's count is odd from its reservation (readers wait for this).
  host_map_where_ = where;
  uint32_t seq = where->seq.load(std::memory_order_relaxed) | 1;
  where->seq.store(seq, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  where->addr.store(reinterpret_cast<uintptr_t>(host_map_), std::memory_order_relaxed);
  where->size.store(static_cast<uint32_t>(host_map_size_), std::memory_order_relaxed);
  where->seq.store(seq + 1, std::memory_order_release);
}

bool FdTable::AnyFile(bool (*pred)(const File&)) {
  std::lock_guard g(lock_);
  for (const Slot& s : fds_)
    if (s.file && pred(*s.file)) return true;
  return false;
}

std::vector<FilePtr> FdTable::Files() {
  std::vector<FilePtr> out;
  std::lock_guard g(lock_);
  for (const Slot& s : fds_)
    if (s.file) out.push_back(s.file);
  return out;
}

std::vector<int> FdTable::Numbers() {
  std::vector<int> out;
  std::lock_guard g(lock_);
  for (size_t i = 0; i < fds_.size(); i++)
    if (fds_[i].file) out.push_back(static_cast<int>(i));
  return out;
}

bool FdTable::TryLockFilesForFork(std::vector<sched::SpinLock*>& held, std::vector<FilePtr>& members) {
  held.clear();
  std::vector<File*> batch, seen;
  for (const Slot& s : fds_)
    if (s.file) batch.push_back(s.file.get());
  for (size_t i = 0; i < retired_n_; i++)
    if (retired_[i]) batch.push_back(retired_[i].get());
  if (reusable_) batch.push_back(reusable_.get());
  std::vector<sched::SpinLock*> locks;
  while (!batch.empty()) {
    locks.clear();
    for (File* f : batch) f->AddForkLocks(locks);
    // Two descriptions may share a lock (a pipe's two ends): each once.
    std::sort(locks.begin(), locks.end());
    locks.erase(std::unique(locks.begin(), locks.end()), locks.end());
    size_t first = held.size();
    for (sched::SpinLock* l : locks) {
      if (std::binary_search(held.begin(), held.begin() + static_cast<long>(first), l)) continue;
      if (!l->try_lock()) {
        UnlockFilesAfterFork(held);
        return false;
      }
      held.push_back(l);
    }
    std::sort(held.begin(), held.end());
    // The files these reach, their locks now held: the next batch.
    seen.insert(seen.end(), batch.begin(), batch.end());
    std::sort(seen.begin(), seen.end());
    size_t known = members.size();
    for (File* f : batch) f->AddForkMembers(members);
    batch.clear();
    for (size_t i = known; i < members.size(); i++) {
      File* f = members[i].get();
      if (!std::binary_search(seen.begin(), seen.end(), f) && std::find(batch.begin(), batch.end(), f) == batch.end())
        batch.push_back(f);
    }
  }
  return true;
}

void FdTable::UnlockFilesAfterFork(std::vector<sched::SpinLock*>& held) {
  for (sched::SpinLock* l : held) l->unlock();
  held.clear();
}

}  // namespace junction::libos::fs
