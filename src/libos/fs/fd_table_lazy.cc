// The descriptor table's part on the lazy system call path: built with
// -mgeneral-regs-only, no libc (libos/entry/libos_context.h).
#include <fcntl.h>

#include <sys/syscall.h>

#include "libos/entry/word_bytes.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"
#include "libos/host/host.h"
#include "sched/kthread.h"
#include "sched/single_kthread.h"

namespace junction::libos::fs {

namespace {

// On one kthread a closer runs on this very thread, after the lazy call:
// neither the table's lock nor the "in use" slot needs a locked
// instruction (sched/single_kthread.h).
template <typename T>
void Publish(T* slot, T value) {
  if (sched::g_single_kthread) {
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    __atomic_store_n(slot, value, __ATOMIC_SEQ_CST);
  }
}

}  // namespace

// Only this file calls it: inline, it runs on every lazy descriptor lookup.
inline void FdTable::LockLazy() {
  if (sched::g_single_kthread)
    lock_.mark_held();
  else
    lock_.lock();
}

int FdTable::LazyHostFd(long fd, int access, int* in_use, bool never_blocks) {
  int host_fd = -1;
  LockLazy();
  if (fd >= 0 && static_cast<size_t>(fd) < fds_.size()) {
    File* f = fds_[static_cast<size_t>(fd)].file.get();
    if (f && f->host_fd() >= 0 && f->direct_io() && (!never_blocks || f->lazy_host_rw())) {
      int fl = f->flags();
      int mode = fl & O_ACCMODE;
      bool ok = !(fl & O_PATH) && (access == O_RDONLY ? mode != O_WRONLY : mode != O_RDONLY);
      if (ok) {
        host_fd = f->host_fd();
        // Published while the table still holds the description: whoever
        // closes it later sees this and waits (HostFile::~HostFile).
        Publish(in_use, host_fd);
      }
    }
  }
  lock_.unlock();
  return host_fd;
}

int FdTable::LazyCloseHostFile(long fd) {
  int host_fd = -1;
  LockLazy();
  if (fd >= 0 && static_cast<size_t>(fd) < fds_.size() && retired_n_ < kRetired) {
    Slot& s = fds_[static_cast<size_t>(fd)];
    // use_count 1: the table's is the only reference, and none can be
    // taken without this lock (no weak references: Linux refuses epoll
    // on regular files and directories, and so does the LibOS).
    if (s.file && s.file->lazy_close() && s.file.use_count() == 1) {
      host_fd = s.file->TakeHostFd();
      // Kept for the next lazy open if it can serve one, else freed later.
      if (s.file->lazy_reuse() && !reusable_ && s.file->hub().empty())
        reusable_.swap(s.file);
      else
        retired_[retired_n_++].swap(s.file);  // that slot is empty: nothing released here
      // FreedLocked, inline here (no call into code that may use vectors).
      size_t i = static_cast<size_t>(fd);
      if (i < lowest_maybe_free_) lowest_maybe_free_ = i;
      if (i < host_map_size_) host_map_[i].store(kNoDescriptor, std::memory_order_release);
    }
  }
  lock_.unlock();
  if (host_fd < 0) return -1;
  // As HostFile::~HostFile: a lazy pread/pwrite on another kthread may
  // still be using the number. The caller's host close follows (one
  // function return fewer after it: libos_context.h, LazyHostCall).
  while (sched::HostFdInLazyUse(host_fd)) __builtin_ia32_pause();
  return host_fd;
}

int FdTable::LazyInsertHostFile(int host_fd, int flags, bool cloexec, Filesystem* fs, const char* path,
                                size_t len) {
  int fd = -1;
  LockLazy();
  if (reusable_) {
    // InsertLocked's search, from the lowest number that may be free.
    size_t i = lowest_maybe_free_;
    while (i < fds_.size() && fds_[i].file) i++;
    if (i < fds_.size() && i < limit() &&
        static_cast<HostFile*>(reusable_.get())->Reuse(flags, host_fd, fs, path, len)) {
      fds_[i].file.swap(reusable_);  // the slot was empty: reusable_ is now
      fds_[i].cloexec = cloexec;
      lowest_maybe_free_ = i + 1;
      // PublishLocked, inline here (no call into code that may use vectors).
      if (i < host_map_size_) host_map_[i].store(host_fd, std::memory_order_release);
      fd = static_cast<int>(i);
    }
  }
  lock_.unlock();
  return fd;
}

bool FdTable::LazyHasRoom() {
  LockLazy();
  size_t i = lowest_maybe_free_;
  while (i < fds_.size() && fds_[i].file) i++;
  lowest_maybe_free_ = i;  // every number below it is in use
  bool room = i < limit();
  lock_.unlock();
  return room;
}

bool HostFile::Reuse(int flags, int host_fd, Filesystem* fs, const char* path, size_t len) {
  if (len > path_.capacity()) return false;
  // Within the capacity: no allocation and no libc (the growth branches of
  // resize and push_back are never taken).
  size_t old = path_.size();
  CopyBytesByWords(path_.data(), path, len < old ? len : old);
  if (len < old) path_.resize(len);
  for (size_t i = old; i < len; i++) path_.push_back(path[i]);
  flags_ = flags;
  owner_ = 0;
  host_fd_ = host_fd;
  fs_ = fs;
  ident_dev_ = ident_ino_ = 0;
  ident_known_ = false;
  mount_points_listed_ = 0;
  // What HostFs::GuestFile sets on a regular file or directory.
  MarkHostNonblockOurs();
  lazy_close_ = true;
  return true;
}

File* FdTable::LazyPipeEnd(long fd, uint8_t pipe_kind, const void** in_use) {
  File* found = nullptr;
  LockLazy();
  if (fd >= 0 && static_cast<size_t>(fd) < fds_.size()) {
    File* f = fds_[static_cast<size_t>(fd)].file.get();
    if (f && f->lazy_pipe() == pipe_kind && !(f->flags() & O_PATH)) {
      found = f;
      Publish(in_use, static_cast<const void*>(f));
    }
  }
  lock_.unlock();
  return found;
}

}  // namespace junction::libos::fs
