// The process's one Vfs and its lock. Apart from vfs.cc so that a forked
// child, which only takes and drops the lock, runs this with the rest of
// its path (src/cmd/child_text.ld) and not a text page of the VFS.
#include "base/fork_written.h"
#include "libos/fs/vfs.h"

namespace junction::libos::fs {

// Not in the heap object: a fork writes it in both processes.
JUNCTION_FORK_WRITTEN alignas(64) SpinLock Vfs::lock_;

Vfs& Vfs::Get() {
  static auto* v = new Vfs;
  return *v;
}

}  // namespace junction::libos::fs
