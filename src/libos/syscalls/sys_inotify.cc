// inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch: decode
// and validate, then call the instance (fs/inotify.h). A watch goes where
// the file is: tmpfs inodes are watched by the LibOS, host files through
// the instance's host inotify descriptor (on the file the VFS resolved: a
// /proc/self/fd link to an O_PATH descriptor, the host never resolves a
// guest path), and procfs, sysfs and devfs files get a watch that never
// fires, as Linux makes (almost) no events there.
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/syscall.h>

#include <memory>
#include <string>

#include "libos/fs/fd_table.h"
#include "libos/fs/inotify.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

// Every bit inotify_add_watch accepts (the kernel's ALL_INOTIFY_BITS).
constexpr uint32_t kAllInotifyBits = IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED |
                                     IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK |
                                     IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT;

long InotifyCreate(long flags) {
  if (flags & ~static_cast<long>(IN_CLOEXEC | IN_NONBLOCK)) return -EINVAL;
  auto f = std::make_shared<fs::Inotify>((flags & IN_NONBLOCK) ? O_NONBLOCK : 0);
  return InstallFile(f, flags & IN_CLOEXEC);
}

// The instance behind guest descriptor `fd`, or the errno.
SysResult<fs::FilePtr> InstanceOf(long fd) {
  fs::FilePtr f = fs::FdTable::Get().Lookup(fd);
  if (!f) return Errno{EBADF};
  if (!dynamic_cast<fs::Inotify*>(f.get())) return Errno{EINVAL};
  return f;
}

// A watch on host descriptor `hfd` (the link must be followed to reach
// the file: IN_DONT_FOLLOW was applied by the VFS).
SysResult<int> WatchHostFile(fs::Inotify& in, int hfd, uint32_t mask) {
  std::string link = "/proc/self/fd/" + std::to_string(hfd);
  return in.AddHostWatch(link.c_str(), mask & ~IN_DONT_FOLLOW);
}

SysResult<int> AddWatch(fs::Inotify& in, const fs::Lookup& l, uint32_t mask) {
  if ((mask & IN_ONLYDIR) && !S_ISDIR(l.st.st_mode)) return Errno{ENOTDIR};
  if (l.magic) {  // /proc/self/fd/N: the open file itself
    fs::Filesystem* owner = l.magic->fs();
    if (l.magic->host_fd() >= 0 && (!owner || owner->host_backed))
      return WatchHostFile(in, l.magic->host_fd(), mask);
    return in.AddWatch(owner ? owner->NotifyTargetOf(*l.magic) : nullptr, l.st.st_dev, l.st.st_ino, mask);
  }
  fs::Filesystem* fsys = l.mount->fs.get();
  if (!fsys->host_backed) return in.AddWatch(fsys->NotifyTarget(l.rel), l.st.st_dev, l.st.st_ino, mask);
  int hfd = TRY(fsys->HostPathFd(l.rel));
  auto r = WatchHostFile(in, hfd, mask);
  host::Syscall(SYS_close, hfd);
  return r;
}

}  // namespace

JUNCTION_HANDLER(inotify_init) { return InotifyCreate(0); }
JUNCTION_HANDLER(inotify_init1) { return InotifyCreate(a.a[0]); }

JUNCTION_HANDLER(inotify_add_watch) {
  // Linux's order: the mask, the descriptor, then the path.
  auto mask = static_cast<uint32_t>(a.a[2]);
  if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return -EINVAL;
  if (!(mask & kAllInotifyBits)) return -EINVAL;
  auto f = InstanceOf(a.a[0]);
  if (!f.ok()) return -f.error();
  auto p = CopyStringFromUser(a.a[1]);
  if (!p.ok()) return -p.error();
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, *p, (mask & IN_DONT_FOLLOW) ? 0 : fs::kFollow);
  if (!l.ok()) return -l.error();
  auto r = AddWatch(static_cast<fs::Inotify&>(**f), *l, mask);
  return r.ok() ? *r : -r.error();
}

JUNCTION_HANDLER(inotify_rm_watch) {
  auto f = InstanceOf(a.a[0]);
  if (!f.ok()) return -f.error();
  auto r = static_cast<fs::Inotify&>(**f).RemoveWatch(static_cast<int>(a.a[1]));
  return r.ok() ? 0 : -r.error();
}

}  // namespace junction::libos
