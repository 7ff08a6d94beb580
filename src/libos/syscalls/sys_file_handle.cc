// name_to_handle_at and open_by_handle_at (Linux fs/fhandle.c).
// name_to_handle_at: the LibOS resolves the guest path (the container
// root stays the boundary) and asks the host for the handle of the file it
// found, through an O_PATH descriptor of it; a LibOS file system (tmpfs,
// procfs) has no handles (EOPNOTSUPP, as Linux's for a file system
// without export operations). The mount id is the container's, as its
// /proc/self/mountinfo numbers the mounts. open_by_handle_at is refused:
// a handle names any file of a host file system, outside the container
// root too, so it is EPERM, as for a caller without CAP_DAC_READ_SEARCH.
#include <fcntl.h>
#include <sys/syscall.h>

#include <cstring>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/sys_common.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

constexpr int kMaxHandleSize = 128;  // MAX_HANDLE_SZ
#ifndef AT_HANDLE_FID
#define AT_HANDLE_FID 0x200
#endif
#ifndef AT_HANDLE_MNT_ID_UNIQUE
#define AT_HANDLE_MNT_ID_UNIQUE 0x001
#endif

// The container's id of mount `m`: Vfs::MountsText numbers the mounts from
// 20 in table order.
uint64_t ContainerMountId(const fs::Mount* m) {
  const auto& mounts = fs::Vfs::Get().mounts();
  for (size_t i = 0; i < mounts.size(); i++)
    if (mounts[i].get() == m) return 20 + i;
  return 20;
}

// A host descriptor of the file and the container mount it is on: the
// dirfd itself (AT_EMPTY_PATH and ""), else the path resolved by the VFS
// (its O_PATH descriptor in *owned, for the caller to close).
SysResult<int> HostFileOf(long dirfd, const std::string& path, int flags, const fs::Mount** mount, int* owned) {
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Errno{ENOENT};
    if (static_cast<int>(dirfd) != AT_FDCWD) {
      fs::FilePtr f = fs::FdTable::Get().Lookup(dirfd);
      if (!f) return Errno{EBADF};
      if (f->host_fd() < 0 || (f->fs() && !f->fs()->host_backed)) return Errno{EOPNOTSUPP};
      // Its mount: the one its path is on now.
      auto l = fs::Vfs::Get().Resolve(AT_FDCWD, f->path(), 0);
      *mount = l.ok() ? l->mount : nullptr;
      return f->host_fd();
    }
  }
  fs::Lookup l = TRY(fs::Vfs::Get().Resolve(dirfd, path.empty() ? "." : path,
                                            (flags & AT_SYMLINK_FOLLOW) ? fs::kFollow : 0));
  *mount = l.mount;
  if (l.magic) {
    // A followed /proc/self/fd link: the file it names.
    if (l.magic->host_fd() < 0 || (l.magic->fs() && !l.magic->fs()->host_backed)) return Errno{EOPNOTSUPP};
    auto m = fs::Vfs::Get().Resolve(AT_FDCWD, l.magic->path(), 0);
    *mount = m.ok() ? m->mount : nullptr;
    return l.magic->host_fd();
  }
  if (!l.mount->fs->host_backed) return Errno{EOPNOTSUPP};
  int fd = TRY(l.mount->fs->HostPathFd(l.rel));
  *owned = fd;
  return fd;
}

}  // namespace

JUNCTION_HANDLER(name_to_handle_at) {
  int flags = static_cast<int>(a.a[4]);
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH | AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE)) return -EINVAL;
  auto path = CopyStringFromUser(a.a[1]);
  if (!path.ok()) return -path.error();
  const fs::Mount* mount = nullptr;
  int owned = -1;
  auto hfd = HostFileOf(a.a[0], *path, flags, &mount, &owned);
  if (!hfd.ok()) return -hfd.error();
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) host::Syscall(SYS_close, fd);
    }
  } closer{owned};
  // The handle's header (handle_bytes, handle_type), then its bytes.
  auto header = UserPtr<uint32_t>(a.a[2]).Read();
  if (!header.ok()) return -EFAULT;
  uint32_t want = *header;
  if (want > kMaxHandleSize) return -EINVAL;
  std::vector<char> handle(8 + kMaxHandleSize);
  std::memcpy(handle.data(), &want, sizeof(want));
  uint64_t host_mount = 0;
  long r = host::Syscall(SYS_name_to_handle_at, *hfd, host::L(""), host::L(handle.data()), host::L(&host_mount),
                         AT_EMPTY_PATH | (flags & (AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE)));
  if (r < 0 && r != -EOVERFLOW) return r;
  uint32_t bytes;
  std::memcpy(&bytes, handle.data(), sizeof(bytes));
  // As Linux, the mount id and the header go back with EOVERFLOW too (the
  // size it needs, type FILEID_INVALID), the bytes only on success.
  uint64_t id = ContainerMountId(mount);
  size_t id_size = (flags & AT_HANDLE_MNT_ID_UNIQUE) ? 8 : 4;
  if (!CopyToUser(static_cast<uintptr_t>(a.a[3]), &id, id_size).ok())
    return -EFAULT;
  size_t out = 8 + (r == 0 ? bytes : 0);
  if (!CopyToUser(static_cast<uintptr_t>(a.a[2]), handle.data(), out).ok())
    return -EFAULT;
  return r;
}

}  // namespace junction::libos
