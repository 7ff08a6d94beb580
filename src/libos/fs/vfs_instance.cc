// The process's one Vfs. Apart from vfs.cc so that a forked child, which
// only takes and drops its lock, runs this with the rest of its path
// (src/cmd/child_text.ld) and not a text page of the VFS.
#include "libos/fs/vfs.h"

namespace junction::libos::fs {

Vfs& Vfs::Get() {
  static auto* v = new Vfs;
  return *v;
}

}  // namespace junction::libos::fs
