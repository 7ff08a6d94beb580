// Extended attributes, passed to the host (paths under the container root).
#include <sys/syscall.h>

#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

constexpr size_t kXattrNameMax = 255;
constexpr size_t kXattrSizeMax = 65536;

SysResult<std::string> XattrName(long addr) {
  auto n = CopyStringFromUser(addr, kXattrNameMax + 1);
  if (!n.ok()) return n.error() == ENAMETOOLONG ? Errno{ERANGE} : Errno{n.error()};
  return n;
}

// Reads: value/list buffer of `size` bytes is written by the host.
long GetOrList(long nr, long target, bool is_fd, long name, long buf, long size) {
  if (size < 0) return -E2BIG;
  if (size && !GuestWritable(static_cast<uintptr_t>(buf), static_cast<size_t>(size))) return -EFAULT;
  std::string path;
  if (is_fd) {
    if (!fs::IsGuestFd(target)) return -EBADF;
  } else {
    auto p = CopyStringFromUser(target);
    if (!p.ok()) return -p.error();
    path = fs::HostPath(*p);
    target = host::L(path.c_str());
  }
  if (name == -1)  // list
    return host::Syscall(nr, target, buf, size);
  auto n = XattrName(name);
  if (!n.ok()) return -n.error();
  return host::Syscall(nr, target, host::L(n->c_str()), buf, size);
}

long SetOrRemove(long nr, long target, bool is_fd, long name, long value, long size, long flags,
                 bool remove) {
  std::string path;
  if (is_fd) {
    if (!fs::IsGuestFd(target)) return -EBADF;
  } else {
    auto p = CopyStringFromUser(target);
    if (!p.ok()) return -p.error();
    path = fs::HostPath(*p);
    target = host::L(path.c_str());
  }
  auto n = XattrName(name);
  if (!n.ok()) return -n.error();
  if (remove) return host::Syscall(nr, target, host::L(n->c_str()));
  if (size < 0 || static_cast<size_t>(size) > kXattrSizeMax) return -E2BIG;
  if (size && !GuestReadable(static_cast<uintptr_t>(value), static_cast<size_t>(size))) return -EFAULT;
  return host::Syscall(nr, target, host::L(n->c_str()), value, size, flags);
}

}  // namespace

JUNCTION_HANDLER(getxattr) { return GetOrList(SYS_getxattr, a.a[0], false, a.a[1], a.a[2], a.a[3]); }
JUNCTION_HANDLER(lgetxattr) { return GetOrList(SYS_lgetxattr, a.a[0], false, a.a[1], a.a[2], a.a[3]); }
JUNCTION_HANDLER(fgetxattr) { return GetOrList(SYS_fgetxattr, a.a[0], true, a.a[1], a.a[2], a.a[3]); }
JUNCTION_HANDLER(listxattr) { return GetOrList(SYS_listxattr, a.a[0], false, -1, a.a[1], a.a[2]); }
JUNCTION_HANDLER(llistxattr) { return GetOrList(SYS_llistxattr, a.a[0], false, -1, a.a[1], a.a[2]); }
JUNCTION_HANDLER(flistxattr) { return GetOrList(SYS_flistxattr, a.a[0], true, -1, a.a[1], a.a[2]); }
JUNCTION_HANDLER(setxattr) {
  return SetOrRemove(SYS_setxattr, a.a[0], false, a.a[1], a.a[2], a.a[3], a.a[4], false);
}
JUNCTION_HANDLER(lsetxattr) {
  return SetOrRemove(SYS_lsetxattr, a.a[0], false, a.a[1], a.a[2], a.a[3], a.a[4], false);
}
JUNCTION_HANDLER(fsetxattr) {
  return SetOrRemove(SYS_fsetxattr, a.a[0], true, a.a[1], a.a[2], a.a[3], a.a[4], false);
}
JUNCTION_HANDLER(removexattr) {
  return SetOrRemove(SYS_removexattr, a.a[0], false, a.a[1], 0, 0, 0, true);
}
JUNCTION_HANDLER(lremovexattr) {
  return SetOrRemove(SYS_lremovexattr, a.a[0], false, a.a[1], 0, 0, 0, true);
}
JUNCTION_HANDLER(fremovexattr) {
  return SetOrRemove(SYS_fremovexattr, a.a[0], true, a.a[1], 0, 0, 0, true);
}

}  // namespace junction::libos
