// unshare: Linux's flag checks and implied flags, then what a process of
// the LibOS can unshare. With no other thread there is nothing shared to
// copy, as on Linux. With others, CLONE_FS gives the caller a working
// directory of its own (the Vfs keeps it per uthread); the descriptor
// table is its process's (one FdTable), so CLONE_FILES is EINVAL
// (documented). CLONE_SYSVSEM
// applies the process's SEM_UNDO adjustments as an exit would. The
// container makes no namespaces: EPERM, as for a process without
// CAP_SYS_ADMIN (docs/security.md).
#include <sched.h>

#include "libos/fs/vfs.h"
#include "libos/ipc/sysv/sysv_sem.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"

namespace junction::libos {

namespace {

constexpr unsigned long kNamespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER |
                                      CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME;
constexpr unsigned long kUnshareFlags = CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES |
                                        CLONE_SYSVSEM | kNamespaces;

}  // namespace

JUNCTION_HANDLER(unshare) {
  unsigned long flags = static_cast<unsigned long>(a.a[0]);
  // Linux's ksys_unshare: the flags each one implies.
  if (flags & CLONE_NEWUSER) flags |= CLONE_THREAD | CLONE_FS;
  if (flags & CLONE_VM) flags |= CLONE_SIGHAND;
  if (flags & CLONE_SIGHAND) flags |= CLONE_THREAD;
  if (flags & CLONE_NEWNS) flags |= CLONE_FS;
  // check_unshare_flags: address space, handlers and thread group only
  // for a process of one thread (nothing to unshare then).
  if (flags & ~kUnshareFlags) return -EINVAL;
  const bool alone = LiveGuestThreads() <= 1;
  if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && !alone) return -EINVAL;
  if (flags & kNamespaces) return -EPERM;
  // A private descriptor table or undo list for one thread of several:
  // the LibOS has them per process only (docs/filesystem.md).
  if ((flags & (CLONE_FILES | CLONE_SYSVSEM)) && !alone) return -EINVAL;
  if (flags & CLONE_SYSVSEM) sysv::SemApplyUndo();
  // A working directory of its own (nothing to copy when alone).
  if ((flags & CLONE_FS) && !alone) fs::Vfs::Get().UnshareCwd();
  return 0;
}

}  // namespace junction::libos
