// File system calls, passed through to the host after the guest's pointers
// and descriptors are checked and paths are placed under the container
// root. The files issue replaces the pass-through with the LibOS VFS.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/process.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

using fs::IsGuestFd;

bool DirFdOk(long dirfd) { return static_cast<int>(dirfd) == AT_FDCWD || IsGuestFd(dirfd); }

// Copies a guest path and maps it under the container root.
SysResult<std::string> GuestPath(long addr) {
  auto p = CopyStringFromUser(addr, 4096);
  if (!p.ok()) return p;
  return fs::HostPath(*p);
}

long NewFd(long r) {
  if (r >= 0) fs::MarkGuestFd(static_cast<int>(r));
  return r;
}

bool IovecsOk(long iov_addr, long iovcnt, int prot) {
  if (iovcnt < 0 || iovcnt > 1024) return false;
  auto* iov = reinterpret_cast<const iovec*>(iov_addr);
  if (!GuestReadable(static_cast<uintptr_t>(iov_addr), sizeof(iovec) * static_cast<size_t>(iovcnt)))
    return false;
  for (long i = 0; i < iovcnt; i++) {
    auto base = reinterpret_cast<uintptr_t>(iov[i].iov_base);
    bool ok = prot == 2 ? GuestWritable(base, iov[i].iov_len) : GuestReadable(base, iov[i].iov_len);
    if (!ok) return false;
  }
  return true;
}

#define PATH_ARG(var, idx)               \
  auto var##_r = GuestPath(a.a[idx]);    \
  if (!var##_r.ok()) return -var##_r.error(); \
  const std::string& var = *var##_r

#define FD_ARG(idx) \
  if (!IsGuestFd(a.a[idx])) return -EBADF

#define DIRFD_ARG(idx) \
  if (!DirFdOk(a.a[idx])) return -EBADF

}  // namespace

JUNCTION_HANDLER(read) {
  FD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) return -EFAULT;
  return host::Syscall(SYS_read, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(write) {
  FD_ARG(0);
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) return -EFAULT;
  return host::Syscall(SYS_write, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(pread64) {
  FD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) return -EFAULT;
  return host::Syscall(SYS_pread64, a.a[0], a.a[1], a.a[2], a.a[3]);
}

JUNCTION_HANDLER(pwrite64) {
  FD_ARG(0);
  if (!GuestReadable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) return -EFAULT;
  return host::Syscall(SYS_pwrite64, a.a[0], a.a[1], a.a[2], a.a[3]);
}

JUNCTION_HANDLER(readv) {
  FD_ARG(0);
  if (a.a[2] < 0 || a.a[2] > 1024) return -EINVAL;
  if (!IovecsOk(a.a[1], a.a[2], 2)) return -EFAULT;
  return host::Syscall(SYS_readv, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(writev) {
  FD_ARG(0);
  if (a.a[2] < 0 || a.a[2] > 1024) return -EINVAL;
  if (!IovecsOk(a.a[1], a.a[2], 1)) return -EFAULT;
  return host::Syscall(SYS_writev, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(open) {
  PATH_ARG(path, 0);
  if (long g = fs::OpenGeneratedFile(path, static_cast<int>(a.a[1])); g != -ENOENT) return g;
  return NewFd(host::Syscall(SYS_openat, AT_FDCWD, host::L(path.c_str()), a.a[1], a.a[2]));
}

JUNCTION_HANDLER(creat) {
  PATH_ARG(path, 0);
  return NewFd(host::Syscall(SYS_openat, AT_FDCWD, host::L(path.c_str()),
                             O_CREAT | O_WRONLY | O_TRUNC, a.a[1]));
}

JUNCTION_HANDLER(openat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  if (long g = fs::OpenGeneratedFile(path, static_cast<int>(a.a[2])); g != -ENOENT) return g;
  return NewFd(host::Syscall(SYS_openat, a.a[0], host::L(path.c_str()), a.a[2], a.a[3]));
}

JUNCTION_HANDLER(close) {
  FD_ARG(0);
  long r = host::Syscall(SYS_close, a.a[0]);
  fs::ForgetFd(static_cast<int>(a.a[0]));
  return r;
}

JUNCTION_HANDLER(fstat) {
  FD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct stat))) return -EFAULT;
  return host::Syscall(SYS_fstat, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(stat) {
  PATH_ARG(path, 0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct stat))) return -EFAULT;
  return host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(path.c_str()), a.a[1], 0);
}

JUNCTION_HANDLER(lstat) {
  PATH_ARG(path, 0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct stat))) return -EFAULT;
  return host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(path.c_str()), a.a[1], AT_SYMLINK_NOFOLLOW);
}

JUNCTION_HANDLER(newfstatat) {
  DIRFD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), sizeof(struct stat))) return -EFAULT;
  if ((a.a[3] & AT_EMPTY_PATH) && !a.a[1]) return host::Syscall(SYS_fstat, a.a[0], a.a[2]);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_newfstatat, a.a[0], host::L(path.c_str()), a.a[2], a.a[3]);
}

JUNCTION_HANDLER(statx) {
  DIRFD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[4]), 256)) return -EFAULT;
  PATH_ARG(path, 1);
  return host::Syscall(SYS_statx, a.a[0], host::L(path.c_str()), a.a[2], a.a[3], a.a[4]);
}

JUNCTION_HANDLER(lseek) {
  FD_ARG(0);
  return host::Syscall(SYS_lseek, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(access) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_faccessat, AT_FDCWD, host::L(path.c_str()), a.a[1]);
}

JUNCTION_HANDLER(faccessat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_faccessat, a.a[0], host::L(path.c_str()), a.a[2]);
}

JUNCTION_HANDLER(faccessat2) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_faccessat2, a.a[0], host::L(path.c_str()), a.a[2], a.a[3]);
}

// /proc/self/exe names the guest's executable, not junction.
static long ReadlinkCommon(long dirfd, const std::string& path, long buf, long size) {
  if (size <= 0) return -EINVAL;
  if (!GuestWritable(static_cast<uintptr_t>(buf), static_cast<size_t>(size))) return -EFAULT;
  if (path == "/proc/self/exe" || path == fs::HostPath("/proc/self/exe")) {
    const std::string& exe = CurrentProcess().exe_path;
    size_t n = std::min(exe.size(), static_cast<size_t>(size));
    std::memcpy(reinterpret_cast<void*>(buf), exe.data(), n);
    return static_cast<long>(n);
  }
  return host::Syscall(SYS_readlinkat, dirfd, host::L(path.c_str()), buf, size);
}

JUNCTION_HANDLER(readlink) {
  PATH_ARG(path, 0);
  return ReadlinkCommon(AT_FDCWD, path, a.a[1], a.a[2]);
}

JUNCTION_HANDLER(readlinkat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return ReadlinkCommon(a.a[0], path, a.a[2], a.a[3]);
}

JUNCTION_HANDLER(getcwd) {
  if (!GuestWritable(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]))) return -EFAULT;
  return host::Syscall(SYS_getcwd, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(chdir) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_chdir, host::L(path.c_str()));
}

JUNCTION_HANDLER(fchdir) {
  FD_ARG(0);
  return host::Syscall(SYS_fchdir, a.a[0]);
}

JUNCTION_HANDLER(fcntl) {
  FD_ARG(0);
  switch (a.a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      return NewFd(host::Syscall(SYS_fcntl, a.a[0], a.a[1], a.a[2]));
    case F_GETFD: case F_SETFD: case F_GETFL: case F_SETFL:
    case F_GETPIPE_SZ: case F_SETPIPE_SZ: case F_GET_SEALS: case F_ADD_SEALS:
    case F_GETOWN: case F_SETOWN: case F_SETSIG: case F_GETSIG: case F_NOTIFY:
    case F_SETLEASE: case F_GETLEASE:
      return host::Syscall(SYS_fcntl, a.a[0], a.a[1], a.a[2]);
    case F_GETLK: case F_SETLK: case F_SETLKW:
    case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
      if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), sizeof(struct flock))) return -EFAULT;
      return host::Syscall(SYS_fcntl, a.a[0], a.a[1], a.a[2]);
    default:
      return -EINVAL;
  }
}

JUNCTION_HANDLER(ioctl) {
  FD_ARG(0);
  // Only the requests whose argument layout we know are passed on.
  size_t size = 0;
  switch (a.a[1]) {
    case TCGETS: size = sizeof(struct termios); break;
    case TCSETS: case TCSETSW: case TCSETSF: size = sizeof(struct termios); break;
    case TIOCGWINSZ: case TIOCSWINSZ: size = sizeof(struct winsize); break;
    case TIOCGPGRP: case TIOCSPGRP: case FIONREAD: case FIONBIO: case TIOCGSID: size = sizeof(int); break;
    case FIOCLEX: case FIONCLEX: size = 0; break;
    default: return -ENOTTY;
  }
  if (size && !GuestWritable(static_cast<uintptr_t>(a.a[2]), size)) return -EFAULT;
  return host::Syscall(SYS_ioctl, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(getdents64) {
  FD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), static_cast<size_t>(a.a[2]))) return -EFAULT;
  return host::Syscall(SYS_getdents64, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(dup) {
  FD_ARG(0);
  return NewFd(host::Syscall(SYS_dup, a.a[0]));
}

// The target of dup2/dup3 must not be a LibOS descriptor.
static long DupTo(long oldfd, long newfd, long flags) {
  if (!IsGuestFd(oldfd)) return -EBADF;
  if (newfd < 0) return -EBADF;
  if (!IsGuestFd(newfd)) {
    long probe = host::Syscall(SYS_fcntl, newfd, F_GETFD);
    if (probe >= 0) return -EBUSY;  // a LibOS descriptor holds that number
  }
  if (oldfd == newfd) return flags == -1 ? newfd : -EINVAL;
  return NewFd(host::Syscall(SYS_dup3, oldfd, newfd, flags == -1 ? 0 : flags));
}

JUNCTION_HANDLER(dup2) { return DupTo(a.a[0], a.a[1], -1); }
JUNCTION_HANDLER(dup3) { return DupTo(a.a[0], a.a[1], a.a[2]); }

static long PipeCommon(long fds_addr, long flags) {
  if (!GuestWritable(static_cast<uintptr_t>(fds_addr), 8)) return -EFAULT;
  int fds[2];
  long r = host::Syscall(SYS_pipe2, host::L(fds), flags);
  if (r < 0) return r;
  fs::MarkGuestFd(fds[0]);
  fs::MarkGuestFd(fds[1]);
  std::memcpy(reinterpret_cast<void*>(fds_addr), fds, sizeof(fds));
  return 0;
}

JUNCTION_HANDLER(pipe) { return PipeCommon(a.a[0], 0); }
JUNCTION_HANDLER(pipe2) { return PipeCommon(a.a[0], a.a[1]); }

static long PollCheck(long fds, long nfds) {
  if (nfds < 0 || nfds > 65536) return -EINVAL;
  if (!GuestWritable(static_cast<uintptr_t>(fds), sizeof(pollfd) * static_cast<size_t>(nfds))) return -EFAULT;
  return 0;
}

JUNCTION_HANDLER(poll) {
  if (long r = PollCheck(a.a[0], a.a[1])) return r;
  return host::Syscall(SYS_poll, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(ppoll) {
  if (long r = PollCheck(a.a[0], a.a[1])) return r;
  if (a.a[2] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), 16)) return -EFAULT;
  return host::Syscall(SYS_ppoll, a.a[0], a.a[1], a.a[2], 0, 0);  // guest mask: signals issue
}

JUNCTION_HANDLER(statfs) {
  PATH_ARG(path, 0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct statfs))) return -EFAULT;
  return host::Syscall(SYS_statfs, host::L(path.c_str()), a.a[1]);
}

JUNCTION_HANDLER(fstatfs) {
  FD_ARG(0);
  if (!GuestWritable(static_cast<uintptr_t>(a.a[1]), sizeof(struct statfs))) return -EFAULT;
  return host::Syscall(SYS_fstatfs, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(unlink) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(path.c_str()), 0);
}

JUNCTION_HANDLER(unlinkat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_unlinkat, a.a[0], host::L(path.c_str()), a.a[2]);
}

JUNCTION_HANDLER(mkdir) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(path.c_str()), a.a[1]);
}

JUNCTION_HANDLER(mkdirat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_mkdirat, a.a[0], host::L(path.c_str()), a.a[2]);
}

JUNCTION_HANDLER(rmdir) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_unlinkat, AT_FDCWD, host::L(path.c_str()), AT_REMOVEDIR);
}

JUNCTION_HANDLER(rename) {
  PATH_ARG(from, 0);
  PATH_ARG(to, 1);
  return host::Syscall(SYS_renameat2, AT_FDCWD, host::L(from.c_str()), AT_FDCWD, host::L(to.c_str()), 0);
}

JUNCTION_HANDLER(renameat) {
  DIRFD_ARG(0);
  DIRFD_ARG(2);
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  return host::Syscall(SYS_renameat2, a.a[0], host::L(from.c_str()), a.a[2], host::L(to.c_str()), 0);
}

JUNCTION_HANDLER(renameat2) {
  DIRFD_ARG(0);
  DIRFD_ARG(2);
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  return host::Syscall(SYS_renameat2, a.a[0], host::L(from.c_str()), a.a[2], host::L(to.c_str()), a.a[4]);
}

JUNCTION_HANDLER(ftruncate) {
  FD_ARG(0);
  return host::Syscall(SYS_ftruncate, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(truncate) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_truncate, host::L(path.c_str()), a.a[1]);
}

JUNCTION_HANDLER(fsync) {
  FD_ARG(0);
  return host::Syscall(SYS_fsync, a.a[0]);
}

JUNCTION_HANDLER(fdatasync) {
  FD_ARG(0);
  return host::Syscall(SYS_fdatasync, a.a[0]);
}

JUNCTION_HANDLER(flock) {
  FD_ARG(0);
  return host::Syscall(SYS_flock, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(fadvise64) {
  FD_ARG(0);
  return host::Syscall(SYS_fadvise64, a.a[0], a.a[1], a.a[2], a.a[3]);
}

JUNCTION_HANDLER(fchmod) {
  FD_ARG(0);
  return host::Syscall(SYS_fchmod, a.a[0], a.a[1]);
}

JUNCTION_HANDLER(chmod) {
  PATH_ARG(path, 0);
  return host::Syscall(SYS_fchmodat, AT_FDCWD, host::L(path.c_str()), a.a[1]);
}

JUNCTION_HANDLER(fchmodat) {
  DIRFD_ARG(0);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_fchmodat, a.a[0], host::L(path.c_str()), a.a[2]);
}

JUNCTION_HANDLER(fchown) {
  FD_ARG(0);
  return host::Syscall(SYS_fchown, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(utimensat) {
  DIRFD_ARG(0);
  if (a.a[2] && !GuestReadable(static_cast<uintptr_t>(a.a[2]), 32)) return -EFAULT;
  if (!a.a[1]) return host::Syscall(SYS_utimensat, a.a[0], 0, a.a[2], a.a[3]);
  PATH_ARG(path, 1);
  return host::Syscall(SYS_utimensat, a.a[0], host::L(path.c_str()), a.a[2], a.a[3]);
}

JUNCTION_HANDLER(symlink) {
  auto target = CopyStringFromUser(a.a[0]);  // the link's text is not a host path
  if (!target.ok()) return -target.error();
  PATH_ARG(path, 1);
  return host::Syscall(SYS_symlinkat, host::L(target->c_str()), AT_FDCWD, host::L(path.c_str()));
}

JUNCTION_HANDLER(symlinkat) {
  auto target = CopyStringFromUser(a.a[0]);
  if (!target.ok()) return -target.error();
  DIRFD_ARG(1);
  PATH_ARG(path, 2);
  return host::Syscall(SYS_symlinkat, host::L(target->c_str()), a.a[1], host::L(path.c_str()));
}

JUNCTION_HANDLER(link) {
  PATH_ARG(from, 0);
  PATH_ARG(to, 1);
  return host::Syscall(SYS_linkat, AT_FDCWD, host::L(from.c_str()), AT_FDCWD, host::L(to.c_str()), 0);
}

JUNCTION_HANDLER(linkat) {
  DIRFD_ARG(0);
  DIRFD_ARG(2);
  PATH_ARG(from, 1);
  PATH_ARG(to, 3);
  return host::Syscall(SYS_linkat, a.a[0], host::L(from.c_str()), a.a[2], host::L(to.c_str()), a.a[4]);
}

}  // namespace junction::libos
