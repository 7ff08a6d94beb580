// Path-based file system calls: open family, stat family, directory and
// link operations, permissions and times. Handlers decode and check the
// guest's arguments and call the VFS (libos/fs/vfs.h); paths are resolved
// by the LibOS against the container's mount table, never by the host.
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "libos/fs/fd_table.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

using fs::FdTable;
using fs::FilePtr;
using fs::Vfs;

#define PATH_ARG(var, idx)                      \
  auto var##_r = CopyStringFromUser(a.a[idx], 4096); \
  if (!var##_r.ok()) return -var##_r.error();   \
  const std::string& var = *var##_r

long ToErr(int e) { return -static_cast<long>(e); }

template <typename T>
long CopyOut(long addr, const T& v) {
  auto r = UserPtr<T>(addr).Write(v);
  return r.ok() ? 0 : -EFAULT;
}

constexpr int kOpenFlagsKnown = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE |
                                O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC |
                                O_PATH | O_TMPFILE;

// As Linux's build_open_how and build_open_flags, before the path is read:
// open and openat drop unknown flags and a mode no file is created with
// (the host openat2 of the fast path would refuse both with EINVAL), and
// refuse O_CREAT with O_DIRECTORY and a malformed O_TMPFILE. openat2
// checked stricter already. 0 or -EINVAL.
long OpenFlagsAsLinux(int* flags, unsigned* mode) {
  *flags &= kOpenFlagsKnown;
  *mode &= 07777;
  if (*flags & O_PATH) *flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  constexpr int kTmpfileBit = 020000000;  // the kernel's __O_TMPFILE (glibc's adds O_DIRECTORY)
  if (!(*flags & (O_CREAT | kTmpfileBit))) *mode = 0;
  if ((*flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT)) return -EINVAL;
  if ((*flags & kTmpfileBit) &&
      ((*flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (*flags & O_ACCMODE) == O_RDONLY))
    return -EINVAL;
  return 0;
}

long OpenAt(long dirfd, const std::string& path, int flags, unsigned mode, uint64_t resolve) {
  if (long e = OpenFlagsAsLinux(&flags, &mode)) return e;
  // At RLIMIT_NOFILE: EMFILE before the open creates or truncates anything.
  if (!path.empty() && !FdTable::Get().CheckRoom().ok()) return -EMFILE;
  auto f = Vfs::Get().Open(dirfd, path, flags, mode, resolve);
  if (!f.ok()) return ToErr(f.error());
  auto fd = FdTable::Get().Insert(*f, flags & O_CLOEXEC);
  return fd.ok() ? *fd : ToErr(fd.error());
}

// stat of `path` (or of `dirfd` itself with AT_EMPTY_PATH and "").
SysResult<struct stat> StatPath(long dirfd, const std::string& path, int flags) {
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Errno{ENOENT};
    if (static_cast<int>(dirfd) == AT_FDCWD) {
      fs::Lookup l = TRY(Vfs::Get().Resolve(AT_FDCWD, ".", fs::kFollow));
      return l.st;
    }
    FilePtr f = FdTable::Get().Lookup(dirfd);
    if (!f) return Errno{EBADF};
    struct stat st;
    TRY_VOID(f->Stat(&st));
    return st;
  }
  fs::Lookup l = TRY(Vfs::Get().Resolve(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : fs::kFollow));
  return l.st;
}

long StatCommon(long dirfd, long path_addr, long buf, int flags) {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  std::string path;
  if (path_addr || !(flags & AT_EMPTY_PATH)) {
    auto p = CopyStringFromUser(path_addr, 4096);
    if (!p.ok()) return -p.error();
    path = *p;
  }
  // The buffer is checked by the copy: the lookup's errors come first.
  auto st = StatPath(dirfd, path, flags);
  if (!st.ok()) return ToErr(st.error());
  return CopyOut(buf, *st);
}

void StatToStatx(const struct stat& st, struct statx* sx) {
  std::memset(sx, 0, sizeof(*sx));
  sx->stx_mask = STATX_BASIC_STATS;
  sx->stx_blksize = static_cast<uint32_t>(st.st_blksize);
  sx->stx_nlink = static_cast<uint32_t>(st.st_nlink);
  sx->stx_uid = st.st_uid;
  sx->stx_gid = st.st_gid;
  sx->stx_mode = static_cast<uint16_t>(st.st_mode);
  sx->stx_ino = st.st_ino;
  sx->stx_size = static_cast<uint64_t>(st.st_size);
  sx->stx_blocks = static_cast<uint64_t>(st.st_blocks);
  sx->stx_atime = {st.st_atim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec), 0};
  sx->stx_mtime = {st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_mtim.tv_nsec), 0};
  sx->stx_ctime = {st.st_ctim.tv_sec, static_cast<uint32_t>(st.st_ctim.tv_nsec), 0};
  sx->stx_rdev_major = major(st.st_rdev);
  sx->stx_rdev_minor = minor(st.st_rdev);
  sx->stx_dev_major = major(st.st_dev);
  sx->stx_dev_minor = minor(st.st_dev);
}

// A host descriptor to ask statx/xattr calls about `path`; -1 if the file
// is not host-backed (then `st` holds its stat). The caller closes `*owned`.
SysResult<int> HostFdFor(long dirfd, const std::string& path, int flags, struct stat* st, int* owned) {
  *owned = -1;
  if (path.empty()) {
    if (!(flags & AT_EMPTY_PATH)) return Errno{ENOENT};
    if (static_cast<int>(dirfd) != AT_FDCWD) {
      FilePtr f = FdTable::Get().Lookup(dirfd);
      if (!f) return Errno{EBADF};
      if (f->host_fd() >= 0 && f->direct_io()) return f->host_fd();
      TRY_VOID(f->Stat(st));
      return -1;
    }
  }
  fs::Lookup l = TRY(Vfs::Get().Resolve(dirfd, path.empty() ? "." : path,
                                        (flags & AT_SYMLINK_NOFOLLOW) ? 0 : fs::kFollow));
  *st = l.st;
  if (l.magic) return l.magic->host_fd() >= 0 && l.magic->direct_io() ? l.magic->host_fd() : -1;
  if (!l.mount->fs->host_backed) return -1;
  int fd = TRY(l.mount->fs->HostPathFd(l.rel));
  *owned = fd;
  return fd;
}

}  // namespace

JUNCTION_HANDLER(open) {
  int flags = static_cast<int>(a.a[1]);
  unsigned mode = static_cast<unsigned>(a.a[2]);
  if (long e = OpenFlagsAsLinux(&flags, &mode)) return e;  // before the path, as Linux
  PATH_ARG(path, 0);
  return OpenAt(AT_FDCWD, path, flags, mode, 0);
}

JUNCTION_HANDLER(creat) {
  PATH_ARG(path, 0);
  return OpenAt(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, static_cast<unsigned>(a.a[1]), 0);
}

JUNCTION_HANDLER(openat) {
  int flags = static_cast<int>(a.a[2]);
  unsigned mode = static_cast<unsigned>(a.a[3]);
  if (long e = OpenFlagsAsLinux(&flags, &mode)) return e;  // before the path, as Linux
  PATH_ARG(path, 1);
  return OpenAt(a.a[0], path, flags, mode, 0);
}

JUNCTION_HANDLER(openat2) {
  PATH_ARG(path, 1);
  size_t size = static_cast<size_t>(a.a[3]);
  if (size < sizeof(open_how)) return -EINVAL;
  if (size > 4096) return -E2BIG;
  auto how = UserPtr<open_how>(a.a[2]).Read();
  if (!how.ok()) return -EFAULT;
  // Bytes past the struct we know must be zero.
  for (size_t i = sizeof(open_how); i < size; i++) {
    auto b = UserPtr<uint8_t>(a.a[2] + static_cast<long>(i)).Read();
    if (!b.ok()) return -EFAULT;
    if (*b) return -E2BIG;
  }
  constexpr uint64_t kResolveKnown = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |
                                     RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED;
  if (how->resolve & ~kResolveKnown) return -EINVAL;
  if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT)) return -EINVAL;
  if (how->flags & ~static_cast<uint64_t>(kOpenFlagsKnown)) return -EINVAL;
  if (how->mode & ~07777ull) return -EINVAL;
  if (how->mode && !(how->flags & (O_CREAT | __O_TMPFILE))) return -EINVAL;
  uint64_t resolve = how->resolve & ~static_cast<uint64_t>(RESOLVE_CACHED);
  if (resolve & RESOLVE_NO_SYMLINKS) resolve |= RESOLVE_NO_MAGICLINKS;
  return OpenAt(a.a[0], path, static_cast<int>(how->flags), static_cast<unsigned>(how->mode),
                resolve ? resolve : 0);
}

JUNCTION_HANDLER(fstat) {
  FilePtr f = FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct stat))) return -EFAULT;
  struct stat st;
  auto r = f->Stat(&st);
  if (!r.ok()) return ToErr(r.error());
  return CopyOut(a.a[1], st);
}

JUNCTION_HANDLER(stat) { return StatCommon(AT_FDCWD, a.a[0], a.a[1], 0); }
JUNCTION_HANDLER(lstat) { return StatCommon(AT_FDCWD, a.a[0], a.a[1], AT_SYMLINK_NOFOLLOW); }
JUNCTION_HANDLER(newfstatat) { return StatCommon(a.a[0], a.a[1], a.a[2], static_cast<int>(a.a[3])); }

JUNCTION_HANDLER(statx) {
  int flags = static_cast<int>(a.a[2]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -EINVAL;
  if (static_cast<unsigned>(a.a[3]) & STATX__RESERVED) return -EINVAL;
  std::string path;
  if (a.a[1] || !(flags & AT_EMPTY_PATH)) {
    auto p = CopyStringFromUser(a.a[1], 4096);
    if (!p.ok()) return -p.error();
    path = *p;
  }
  struct stat st;
  int owned;
  auto hfd = HostFdFor(a.a[0], path, flags, &st, &owned);
  if (!hfd.ok()) return ToErr(hfd.error());
  struct statx sx;
  if (*hfd >= 0) {
    long r = host::Syscall(SYS_statx, *hfd, host::L(""), AT_EMPTY_PATH | (flags & AT_STATX_SYNC_TYPE),
                           a.a[3], host::L(&sx));
    if (owned >= 0) host::Syscall(SYS_close, owned);
    if (r < 0) return r;
  } else {
    StatToStatx(st, &sx);
  }
  return CopyOut(a.a[4], sx);
}

namespace {

long Access(long dirfd, long path_addr, long mode, long flags) {
  const long a_dirfd = dirfd;
  if (mode & ~static_cast<long>(F_OK | R_OK | W_OK | X_OK)) return -EINVAL;
  if (flags & ~static_cast<long>(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  auto p = CopyStringFromUser(path_addr, 4096);
  if (!p.ok()) return -p.error();
  if (p->empty() && !(flags & AT_EMPTY_PATH)) return -ENOENT;
  const bool empty = p->empty();
  std::string path = empty ? std::string(".") : std::move(*p);
  // AT_EMPTY_PATH with "": the descriptor's own file, which need not be a
  // directory (its guest path when it has one).
  if (empty && dirfd != AT_FDCWD) {
    fs::FilePtr f = FdTable::Get().Lookup(dirfd);
    if (!f) return -EBADF;
    if (!f->path().empty() && f->path()[0] == '/') {
      path = f->path();
      dirfd = AT_FDCWD;
    } else {
      // A pipe, socket or anonymous-inode file: the caller's own (mode
      // 0600 or 0777), so only execute permission can be missing.
      struct stat st{};
      if (!f->Stat(&st).ok() || mode == F_OK) return 0;
      return (mode & X_OK) && !(st.st_mode & 0111) ? -EACCES : 0;
    }
  }
  fs::FilePtr self;  // AT_EMPTY_PATH's file, looked up by its path
  if (empty && dirfd == AT_FDCWD && path[0] == '/') self = FdTable::Get().Lookup(static_cast<int>(a_dirfd));
  auto l = Vfs::Get().Resolve(dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : fs::kFollow);
  if (self) {
    // The path may no longer lead to the descriptor's file (renamed or
    // unlinked since): then its own mode bits answer, as Linux checks the
    // inode (the mount's rules only where the path still finds it).
    struct stat st{};
    if (!self->Stat(&st).ok()) return 0;
    auto there = l.ok() && !l->magic ? l->mount->fs->Lstat(l->rel) : SysResult<struct stat>(Errno{ENOENT});
    if (!there.ok() || there->st_ino != st.st_ino || there->st_dev != st.st_dev) {
      if ((mode & W_OK) && !(st.st_mode & 0222)) return -EACCES;
      if ((mode & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111)) return -EACCES;
      return 0;
    }
  }
  if (!l.ok()) return ToErr(l.error());
  if (mode == F_OK || l->magic) return 0;
  return ToRaw(l->mount->fs->Access(l->rel, static_cast<int>(mode)));
}

}  // namespace

JUNCTION_HANDLER(access) { return Access(AT_FDCWD, a.a[0], a.a[1], 0); }
JUNCTION_HANDLER(faccessat) { return Access(a.a[0], a.a[1], a.a[2], 0); }
JUNCTION_HANDLER(faccessat2) { return Access(a.a[0], a.a[1], a.a[2], a.a[3]); }

namespace {

long ReadlinkCommon(long dirfd, long path_addr, long buf, long size) {
  // bufsiz is an int (Linux's readlinkat), checked before the path; the
  // buffer only by the copy, after the lookup's errors (ENOENT, EINVAL
  // for a non-link).
  if (static_cast<int>(size) <= 0) return -EINVAL;
  size = static_cast<int>(size);
  auto p = CopyStringFromUser(path_addr, 4096);
  if (!p.ok()) return -p.error();
  auto t = Vfs::Get().Readlink(dirfd, p->empty() ? std::string() : *p);
  if (!t.ok()) return ToErr(t.error());
  size_t n = std::min(t->size(), static_cast<size_t>(size));
  if (!SafeCopy(reinterpret_cast<void*>(buf), t->data(), n)) return -EFAULT;
  return static_cast<long>(n);
}

}  // namespace

JUNCTION_HANDLER(readlink) { return ReadlinkCommon(AT_FDCWD, a.a[0], a.a[1], a.a[2]); }
JUNCTION_HANDLER(readlinkat) { return ReadlinkCommon(a.a[0], a.a[1], a.a[2], a.a[3]); }

JUNCTION_HANDLER(getcwd) {
  std::string cwd = Vfs::Get().cwd();
  size_t size = static_cast<size_t>(a.a[1]);
  // Linux builds the answer in a PATH_MAX buffer: a deeper directory has
  // no answer (glibc's getcwd then walks ".." itself), whatever `size`.
  if (cwd.size() + 1 > PATH_MAX) return -ENAMETOOLONG;
  if (size < cwd.size() + 1) return -ERANGE;
  if (!CopyToUser(static_cast<uintptr_t>(a.a[0]), cwd.c_str(), cwd.size() + 1).ok()) return -EFAULT;
  return static_cast<long>(cwd.size() + 1);
}

JUNCTION_HANDLER(chdir) {
  PATH_ARG(path, 0);
  auto l = Vfs::Get().Resolve(AT_FDCWD, path, fs::kFollow);
  if (!l.ok()) return ToErr(l.error());
  if (S_ISDIR(l->st.st_mode) && !l->magic) {
    auto acc = l->mount->fs->Access(l->rel, X_OK);
    if (!acc.ok()) return ToErr(acc.error());
  }
  return ToRaw(Vfs::Get().Chdir(*l));
}

JUNCTION_HANDLER(fchdir) {
  FilePtr f = FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  fs::Lookup l;
  l.exists = true;
  l.guest = f->path();
  auto r = f->Stat(&l.st);
  if (!r.ok()) return ToErr(r.error());
  return ToRaw(Vfs::Get().Chdir(l));
}

JUNCTION_HANDLER(statfs) {
  PATH_ARG(path, 0);
  auto l = Vfs::Get().Resolve(AT_FDCWD, path, fs::kFollow);
  if (!l.ok()) return ToErr(l.error());
  struct statfs sf;
  auto r = l->mount->fs->Statfs(l->rel, &sf);
  if (!r.ok()) return ToErr(r.error());
  return CopyOut(a.a[1], sf);
}

JUNCTION_HANDLER(fstatfs) {
  FilePtr f = FdTable::Get().Lookup(a.a[0]);
  if (!f) return -EBADF;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct statfs))) return -EFAULT;
  struct statfs sf;
  // A host-backed tmpfs mount answers itself: a config one has its own size.
  bool own = f->fs() && std::strcmp(f->fs()->type(), "tmpfs") == 0;
  if (f->host_fd() >= 0 && (!f->fs() || f->fs()->host_backed) && !own) {
    long r = host::Syscall(SYS_fstatfs, f->host_fd(), host::L(&sf));
    if (r < 0) return r;
  } else if (f->fs()) {
    auto r = f->fs()->Statfs("", &sf);
    if (!r.ok()) return ToErr(r.error());
  } else {
    return -EBADF;
  }
  return CopyOut(a.a[1], sf);
}

JUNCTION_HANDLER(unlink) {
  PATH_ARG(path, 0);
  return ToRaw(Vfs::Get().Unlink(AT_FDCWD, path, false));
}

JUNCTION_HANDLER(unlinkat) {
  PATH_ARG(path, 1);
  if (a.a[2] & ~static_cast<long>(AT_REMOVEDIR)) return -EINVAL;
  return ToRaw(Vfs::Get().Unlink(a.a[0], path, a.a[2] & AT_REMOVEDIR));
}

JUNCTION_HANDLER(rmdir) {
  PATH_ARG(path, 0);
  return ToRaw(Vfs::Get().Unlink(AT_FDCWD, path, true));
}

JUNCTION_HANDLER(mkdir) {
  PATH_ARG(path, 0);
  return ToRaw(Vfs::Get().Mkdir(AT_FDCWD, path, static_cast<unsigned>(a.a[1])));
}

namespace {
// FIFOs, socket files and regular files; device nodes need CAP_MKNOD,
// which a container does not have.
long MknodCommon(long dirfd, const std::string& path, long mode) {
  switch (mode & S_IFMT) {
    case 0: mode |= S_IFREG; break;
    case S_IFREG: case S_IFIFO: case S_IFSOCK: break;
    case S_IFCHR: case S_IFBLK: return -EPERM;
    default: return -EINVAL;
  }
  return ToRaw(Vfs::Get().Mknod(dirfd, path, static_cast<unsigned>(mode)));
}
}  // namespace

JUNCTION_HANDLER(mknod) {
  PATH_ARG(path, 0);
  return MknodCommon(AT_FDCWD, path, static_cast<unsigned>(a.a[1]));
}

JUNCTION_HANDLER(mknodat) {
  PATH_ARG(path, 1);
  return MknodCommon(a.a[0], path, static_cast<unsigned>(a.a[2]));
}

JUNCTION_HANDLER(mkdirat) {
  PATH_ARG(path, 1);
  return ToRaw(Vfs::Get().Mkdir(a.a[0], path, static_cast<unsigned>(a.a[2])));
}

JUNCTION_HANDLER(rename) {
  PATH_ARG(from, 0);
  PATH_ARG(to, 1);
  return ToRaw(Vfs::Get().Rename(AT_FDCWD, from, AT_FDCWD, to, 0));
}

JUNCTION_HANDLER(renameat) {
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  return ToRaw(Vfs::Get().Rename(a.a[0], from, a.a[2], to, 0));
}

JUNCTION_HANDLER(renameat2) {
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  unsigned flags = static_cast<unsigned>(a.a[4]);
  if (flags & ~(fs::kRenameNoReplace | fs::kRenameExchange)) return -EINVAL;
  return ToRaw(Vfs::Get().Rename(a.a[0], from, a.a[2], to, flags));
}

JUNCTION_HANDLER(symlink) {
  PATH_ARG(target, 0);
  PATH_ARG(path, 1);
  return ToRaw(Vfs::Get().Symlink(target, AT_FDCWD, path));
}

JUNCTION_HANDLER(symlinkat) {
  PATH_ARG(target, 0);
  PATH_ARG(path, 2);
  return ToRaw(Vfs::Get().Symlink(target, a.a[1], path));
}

JUNCTION_HANDLER(link) {
  PATH_ARG(from, 0);
  PATH_ARG(to, 1);
  return ToRaw(Vfs::Get().Link(AT_FDCWD, from, AT_FDCWD, to, false));
}

JUNCTION_HANDLER(linkat) {
  if (a.a[4] & ~static_cast<long>(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  if (from.empty()) {
    // AT_EMPTY_PATH: the file open at olddirfd (Linux wants
    // CAP_DAC_READ_SEARCH for it, else ENOENT).
    if (!(a.a[4] & AT_EMPTY_PATH) || CurrentProcess().euid != 0) return -ENOENT;
    fs::FilePtr f = fs::FdTable::Get().Lookup(a.a[0]);
    if (!f) return -EBADF;
    return ToRaw(Vfs::Get().LinkFile(f, a.a[2], to));
  }
  return ToRaw(Vfs::Get().Link(a.a[0], from, a.a[2], to, a.a[4] & AT_SYMLINK_FOLLOW));
}

JUNCTION_HANDLER(truncate) {
  PATH_ARG(path, 0);
  if (a.a[1] < 0) return -EINVAL;
  auto l = Vfs::Get().Resolve(AT_FDCWD, path, fs::kFollow);
  if (!l.ok()) return ToErr(l.error());
  if (S_ISDIR(l->st.st_mode)) return -EISDIR;
  if (l->mount->fs->read_only) return -EROFS;
  return ToRaw(l->mount->fs->Truncate(l->rel, static_cast<uint64_t>(a.a[1])));
}

namespace {

// Applies a metadata change to `path` (or to the file behind dirfd).
template <typename Fn>
long OnPath(long dirfd, const std::string& path, bool follow, bool empty_ok, Fn fn) {
  fs::Lookup l;
  if (path.empty()) {
    if (!empty_ok) return -ENOENT;
    FilePtr f = static_cast<int>(dirfd) == AT_FDCWD ? nullptr : FdTable::Get().Lookup(dirfd);
    std::string p = f ? f->path() : Vfs::Get().cwd();
    if (static_cast<int>(dirfd) != AT_FDCWD && !f) return -EBADF;
    auto r = Vfs::Get().Resolve(AT_FDCWD, p, 0);
    if (!r.ok()) return ToErr(r.error());
    l = *r;
  } else {
    auto r = Vfs::Get().Resolve(dirfd, path, follow ? fs::kFollow : 0);
    if (!r.ok()) return ToErr(r.error());
    l = *r;
  }
  if (l.magic) {
    auto r = Vfs::Get().Resolve(AT_FDCWD, l.guest, 0);
    if (!r.ok()) return ToErr(r.error());
    l = *r;
  }
  if (l.mount->fs->read_only) return -EROFS;
  return ToRaw(fn(l.mount->fs.get(), l.rel));
}

// The same for a descriptor (fchmod, fchown, futimens).
template <typename HostFn, typename Fn>
long OnFd(long fd, HostFn host_fn, Fn fn) {
  FilePtr f = FdTable::Get().Lookup(fd);
  if (!f) return -EBADF;
  if (f->flags() & O_PATH) return -EBADF;
  if (f->host_fd() >= 0 && (!f->fs() || f->fs()->host_backed)) return host_fn(f->host_fd());
  if (!f->fs()) return -EBADF;
  return OnPath(AT_FDCWD, f->path(), false, false, fn);
}

}  // namespace

JUNCTION_HANDLER(fchmod) {
  unsigned mode = static_cast<unsigned>(a.a[1]);
  return OnFd(a.a[0], [&](int h) { return host::Syscall(SYS_fchmod, h, mode); },
              [&](fs::Filesystem* f, const std::string& rel) { return f->Chmod(rel, mode); });
}

JUNCTION_HANDLER(chmod) {
  PATH_ARG(path, 0);
  unsigned mode = static_cast<unsigned>(a.a[1]);
  return OnPath(AT_FDCWD, path, true, false,
                [&](fs::Filesystem* f, const std::string& rel) { return f->Chmod(rel, mode); });
}

JUNCTION_HANDLER(fchmodat) {
  PATH_ARG(path, 1);
  unsigned mode = static_cast<unsigned>(a.a[2]);
  return OnPath(a.a[0], path, true, false,
                [&](fs::Filesystem* f, const std::string& rel) { return f->Chmod(rel, mode); });
}

JUNCTION_HANDLER(fchown) {
  long uid = a.a[1], gid = a.a[2];
  return OnFd(a.a[0], [&](int h) { return host::Syscall(SYS_fchown, h, uid, gid); },
              [&](fs::Filesystem* f, const std::string& rel) {
                return f->Chown(rel, static_cast<uint32_t>(uid), static_cast<uint32_t>(gid));
              });
}

namespace {

long ChownPath(long dirfd, long path_addr, long uid, long gid, int flags) {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  auto p = CopyStringFromUser(path_addr, 4096);
  if (!p.ok()) return -p.error();
  return OnPath(dirfd, *p, !(flags & AT_SYMLINK_NOFOLLOW), flags & AT_EMPTY_PATH,
                [&](fs::Filesystem* f, const std::string& rel) {
                  return f->Chown(rel, static_cast<uint32_t>(uid), static_cast<uint32_t>(gid));
                });
}

}  // namespace

JUNCTION_HANDLER(chown) { return ChownPath(AT_FDCWD, a.a[0], a.a[1], a.a[2], 0); }
JUNCTION_HANDLER(lchown) { return ChownPath(AT_FDCWD, a.a[0], a.a[1], a.a[2], AT_SYMLINK_NOFOLLOW); }
JUNCTION_HANDLER(fchownat) { return ChownPath(a.a[0], a.a[1], a.a[2], a.a[3], static_cast<int>(a.a[4])); }

JUNCTION_HANDLER(utimensat) {
  int flags = static_cast<int>(a.a[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  struct timespec ts[2];
  const struct timespec* tsp = nullptr;
  if (a.a[2]) {
    auto t0 = UserPtr<struct timespec>(a.a[2]).Read();
    auto t1 = UserPtr<struct timespec>(a.a[2] + static_cast<long>(sizeof(struct timespec))).Read();
    if (!t0.ok() || !t1.ok()) return -EFAULT;
    ts[0] = *t0;
    ts[1] = *t1;
    for (auto& t : ts)
      if (t.tv_nsec != UTIME_NOW && t.tv_nsec != UTIME_OMIT && (t.tv_nsec < 0 || t.tv_nsec >= 1000000000))
        return -EINVAL;
    tsp = ts;
  }
  auto fn = [&](fs::Filesystem* f, const std::string& rel) { return f->Utimens(rel, tsp); };
  if (!a.a[1]) {  // futimens
    return OnFd(a.a[0], [&](int h) { return host::Syscall(SYS_utimensat, h, 0, host::L(tsp), 0); }, fn);
  }
  PATH_ARG(path, 1);
  if (path.empty() && (flags & AT_EMPTY_PATH))
    return OnFd(a.a[0], [&](int h) { return host::Syscall(SYS_utimensat, h, 0, host::L(tsp), 0); }, fn);
  return OnPath(a.a[0], path, !(flags & AT_SYMLINK_NOFOLLOW), false, fn);
}

}  // namespace junction::libos
