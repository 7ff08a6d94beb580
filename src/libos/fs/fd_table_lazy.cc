// The descriptor table's part on the lazy system call path: built with
// -mgeneral-regs-only, no libc (libos/entry/libos_context.h).
#include <fcntl.h>

#include "libos/fs/fd_table.h"
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
