#include "libos/fs/fd_table.h"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <new>

#include "base/fork_written.h"

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
  limit_.store(soft, std::memory_order_relaxed);
  hard_limit_.store(hard, std::memory_order_relaxed);
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
  if (i >= host_map_size_) return;
  const File* f = i < fds_.size() ? fds_[i].file.get() : nullptr;
  int32_t v = !f ? kNoDescriptor : f->host_fd() >= 0 ? f->host_fd() : kLibosObject;
  host_map_[i].store(v, std::memory_order_release);
}

void FdTable::PublishHostFds(std::atomic<int32_t>* map, size_t n) {
  std::lock_guard g(lock_);
  host_map_ = map;
  host_map_size_ = map ? n : 0;
  // A forked child publishes into a row of the shared table: a store
  // to every one of its 1024 slots cost ~2 us per child. Beyond the
  // table only a previous owner's leftovers need clearing.
  size_t used = std::min(fds_.size(), host_map_size_);
  for (size_t i = 0; i < used; i++) PublishLocked(i);
  for (size_t i = used; i < host_map_size_; i++) {
    if (host_map_[i].load(std::memory_order_relaxed) != kNoDescriptor)
      host_map_[i].store(kNoDescriptor, std::memory_order_release);
  }
}

bool FdTable::AnyFile(bool (*pred)(const File&)) {
  std::lock_guard g(lock_);
  for (const Slot& s : fds_)
    if (s.file && pred(*s.file)) return true;
  return false;
}

std::vector<int> FdTable::Numbers() {
  std::vector<int> out;
  std::lock_guard g(lock_);
  for (size_t i = 0; i < fds_.size(); i++)
    if (fds_[i].file) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace junction::libos::fs
