// inotify on host mounts, passed to the host: the instance is a host
// inotify descriptor (reads and readiness go through the reactor like any
// host descriptor that can block), a watch is added on the host file the
// VFS resolved (a /proc/self/fd link to an O_PATH descriptor: the host
// never resolves a guest path), and watch descriptors and events are the
// host's, unchanged. Paths on tmpfs, procfs, sysfs and devfs: EOPNOTSUPP.
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <memory>
#include <string>

#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

// An instance: a host inotify descriptor (HostFile does its reads; an
// anonymous inode, so they wait on the reactor unless O_NONBLOCK).
class InotifyFile final : public fs::HostFile {
 public:
  using HostFile::HostFile;
};

// Every bit inotify_add_watch accepts (the kernel's ALL_INOTIFY_BITS).
constexpr uint32_t kAllInotifyBits = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED |
                                     IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK |
                                     IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;

long InotifyCreate(long flags) {
  if (flags & ~static_cast<long>(IN_CLOEXEC | IN_NONBLOCK)) return -EINVAL;
  // Non-blocking on the host: a blocking guest read waits on the reactor.
  long fd = host::Syscall(SYS_inotify_init1, IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return fd;
  int file_flags = O_RDONLY | ((flags & IN_NONBLOCK) ? O_NONBLOCK : 0);
  auto f = std::make_shared<InotifyFile>(file_flags, "anon_inode:inotify", static_cast<int>(fd));
  return InstallFile(f, flags & IN_CLOEXEC);
}

// The host inotify descriptor behind guest descriptor `fd`.
long InotifyHostFd(long fd) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(fd);
  if (!f) return -EBADF;
  if (!dynamic_cast<InotifyFile*>(f.get())) return -EINVAL;
  return f->host_fd();
}

}  // namespace

JUNCTION_HANDLER(inotify_init) { return InotifyCreate(0); }
JUNCTION_HANDLER(inotify_init1) { return InotifyCreate(a.a[0]); }

JUNCTION_HANDLER(inotify_add_watch) {
  // Linux's order: the mask, the descriptor, then the path.
  auto mask = static_cast<uint32_t>(a.a[2]);
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return -EINVAL;
  if (!(mask & kAllInotifyBits)) return -EINVAL;
  long ifd = InotifyHostFd(a.a[0]);
  if (ifd < 0) return ifd;
  auto p = CopyStringFromUser(a.a[1]);
  if (!p.ok()) return -p.error();
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, *p, (mask & IN_DONT_FOLLOW) ? 0 : fs::kFollow);
  if (!l.ok()) return -l.error();
  int hfd, owned = -1;
  if (l->magic) {
    if (l->magic->host_fd() < 0) return -EOPNOTSUPP;
    hfd = l->magic->host_fd();
  } else {
    if (!l->mount->fs->host_backed) return -EOPNOTSUPP;
    auto fd = l->mount->fs->HostPathFd(l->rel);
    if (!fd.ok()) return -fd.error();
    hfd = owned = *fd;
  }
  // The link must be followed to reach the file: IN_DONT_FOLLOW was applied
  // by the VFS above.
  std::string link = "/proc/self/fd/" + std::to_string(hfd);
  long r = host::Syscall(SYS_inotify_add_watch, ifd, host::L(link.c_str()), mask & ~IN_DONT_FOLLOW);
  if (owned >= 0) host::Syscall(SYS_close, owned);
  return r;
}

JUNCTION_HANDLER(inotify_rm_watch) {
  long ifd = InotifyHostFd(a.a[0]);
  if (ifd < 0) return ifd;
  return host::Syscall(SYS_inotify_rm_watch, ifd, a.a[1]);
}

}  // namespace junction::libos
