// Extended attributes, passed to the host on files the VFS resolved.
#include <sys/syscall.h>

#include <fcntl.h>

#include <optional>
#include <string>

#include "libos/fs/fd_table.h"
#include "libos/fs/vfs.h"
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

// The host target of an xattr call: the description's host descriptor, or
// for a path a /proc/self/fd link to an O_PATH descriptor the VFS opened
// after resolving the path (the host never resolves a guest path).
struct Target {
  long nr;
  long arg;
  std::string path;
  int owned = -1;
  ~Target() {
    if (owned >= 0) host::Syscall(SYS_close, owned);
  }
};

long PathVariant(long nr) {
  switch (nr) {
    case SYS_lgetxattr: return SYS_getxattr;
    case SYS_llistxattr: return SYS_listxattr;
    case SYS_lsetxattr: return SYS_setxattr;
    case SYS_lremovexattr: return SYS_removexattr;
    default: return nr;
  }
}

bool NoFollow(long nr) {
  return nr == SYS_lgetxattr || nr == SYS_llistxattr || nr == SYS_lsetxattr || nr == SYS_lremovexattr;
}

long ResolveTarget(long nr, long target, bool is_fd, Target* t) {
  t->nr = nr;
  if (is_fd) {
    fs::FilePtr f = fs::FdTable::Get().Lookup(target);
    if (!f || (f->flags() & O_PATH)) return -EBADF;
    if (f->host_fd() < 0 || (f->fs() && !f->fs()->host_backed)) return -EOPNOTSUPP;
    t->arg = f->host_fd();
    return 0;
  }
  auto p = CopyStringFromUser(target);
  if (!p.ok()) return -p.error();
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, *p, NoFollow(nr) ? 0 : fs::kFollow);
  if (!l.ok()) return -l.error();
  int hfd;
  if (l->magic) {
    if (l->magic->host_fd() < 0) return -EOPNOTSUPP;
    hfd = l->magic->host_fd();
  } else {
    if (!l->mount->fs->host_backed) return -EOPNOTSUPP;
    auto fd = l->mount->fs->HostPathFd(l->rel);
    if (!fd.ok()) return -fd.error();
    hfd = t->owned = *fd;
  }
  t->path = "/proc/self/fd/" + std::to_string(hfd);
  t->nr = PathVariant(nr);
  t->arg = host::L(t->path.c_str());
  return 0;
}

// Reads: value/list buffer of `size` bytes is written by the host.
long GetOrList(long nr, long target, bool is_fd, long name, long buf, long size) {
  if (size < 0) return -E2BIG;
  Target t;
  if (long r = ResolveTarget(nr, target, is_fd, &t)) return r;
  std::optional<std::string> n;
  if (name != -1) {
    auto got = XattrName(name);
    if (!got.ok()) return -got.error();
    n = std::move(*got);
  }
  auto call = [&](long b, long sz) {
    return n ? host::Syscall(t.nr, t.arg, host::L(n->c_str()), b, sz) : host::Syscall(t.nr, t.arg, b, sz);
  };
  if (!size || GuestWritable(static_cast<uintptr_t>(buf), static_cast<size_t>(size))) return call(buf, size);
  // A buffer the host must not write: Linux faults only when it copies,
  // after the lookup's errors and ENODATA/ERANGE, and not for an empty
  // answer. The size asked first tells which.
  long need = call(0, 0);
  if (need <= 0) return need;
  return need > size ? -ERANGE : -EFAULT;
}

long SetOrRemove(long nr, long target, bool is_fd, long name, long value, long size, long flags,
                 bool remove) {
  auto n = XattrName(name);
  if (!n.ok()) return -n.error();
  if (!remove && (size < 0 || static_cast<size_t>(size) > kXattrSizeMax)) return -E2BIG;
  if (!remove && size && !GuestReadable(static_cast<uintptr_t>(value), static_cast<size_t>(size)))
    return -EFAULT;
  Target t;
  if (long r = ResolveTarget(nr, target, is_fd, &t)) return r;
  if (remove) return host::Syscall(t.nr, t.arg, host::L(n->c_str()));
  return host::Syscall(t.nr, t.arg, host::L(n->c_str()), value, size, flags);
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
