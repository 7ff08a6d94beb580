// The descriptor table's part on the lazy system call path: built with
// -mgeneral-regs-only, no libc (libos/entry/libos_context.h).
#include <fcntl.h>

#include "libos/fs/fd_table.h"

namespace junction::libos::fs {

int FdTable::LazyHostFd(long fd, int access, int* in_use) {
  int host_fd = -1;
  lock_.lock();
  if (fd >= 0 && static_cast<size_t>(fd) < fds_.size()) {
    File* f = fds_[static_cast<size_t>(fd)].file.get();
    if (f && f->host_fd() >= 0 && f->direct_io()) {
      int fl = f->flags();
      int mode = fl & O_ACCMODE;
      bool ok = !(fl & O_PATH) && (access == O_RDONLY ? mode != O_WRONLY : mode != O_RDONLY);
      if (ok) {
        host_fd = f->host_fd();
        // Published while the table still holds the description: whoever
        // closes it later sees this and waits (HostFile::~HostFile).
        __atomic_store_n(in_use, host_fd, __ATOMIC_SEQ_CST);
      }
    }
  }
  lock_.unlock();
  return host_fd;
}

File* FdTable::LazyPipeEnd(long fd, uint8_t pipe_kind, const void** in_use) {
  File* found = nullptr;
  lock_.lock();
  if (fd >= 0 && static_cast<size_t>(fd) < fds_.size()) {
    File* f = fds_[static_cast<size_t>(fd)].file.get();
    if (f && f->lazy_pipe() == pipe_kind && !(f->flags() & O_PATH)) {
      found = f;
      __atomic_store_n(in_use, static_cast<const void*>(f), __ATOMIC_SEQ_CST);
    }
  }
  lock_.unlock();
  return found;
}

}  // namespace junction::libos::fs
