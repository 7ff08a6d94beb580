// Host-backed mounts (the container root and bind mounts). Every host call
// is relative to the mount's root descriptor with RESOLVE_NO_SYMLINKS (and
// RESOLVE_BENEATH unless the path only descends: ResolveFlags), or on a
// descriptor obtained that way (or is an lstat/readlink of one name on the
// root descriptor, TopLevelName), so no path a guest can write reaches
// outside the mount.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstring>

#include "libos/fs/fifo_open.h"
#include "libos/fs/host_fd_kind.h"
#include "libos/fs/path.h"
#include "libos/fs/shared_tmpfs.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

Errno E(long r) { return Errno{static_cast<int>(-r)}; }

class HostFs : public Filesystem {
 public:
  HostFs(int root_fd, bool ro) : root_fd_(root_fd) {
    read_only = ro;
    host_backed = true;
    host_root_fd = root_fd;
  }
  ~HostFs() override { host::Syscall(SYS_close, root_fd_); }
  const char* type() const override { return type_; }
  void set_type(const char* t) { type_ = t; }
  // A shared tmpfs mount with a size limit (fs/shared_tmpfs.h).
  void set_quota(uint64_t limit) {
    quota_ = std::make_unique<TmpfsQuota>(limit, root_fd_);
    quota = true;
  }

  // No symlink is ever crossed (RESOLVE_NO_SYMLINKS, which covers magic
  // links), so a relative path without a ".." component can only walk
  // down from the mount root: it cannot leave the mount. RESOLVE_BENEATH
  // adds nothing there but its cost (~160 ns per open: the kernel keeps
  // the root and checks the result is under it), so it is asked for only
  // when a ".." (or a leading '/', which no caller passes) could climb.
  static uint64_t ResolveFlags(std::string_view rel) {
    uint64_t r = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    if ((!rel.empty() && rel[0] == '/') || HasDotDot(rel)) r |= RESOLVE_BENEATH;
    return r;
  }

  static open_how HowOf(std::string_view rel, int flags, unsigned mode) {
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = ResolveFlags(rel);
    return how;
  }

  static long OpenAt2On(long dirfd, const char* rel, const open_how& how) {
    const char* p = *rel ? rel : ".";
    long r;
    do {
      r = host::Syscall(SYS_openat2, dirfd, host::L(p), host::L(&how), sizeof(how));
    } while (r == -EAGAIN);
    return r;
  }

  // Where a host call on `rel` starts: the root descriptor and `rel`
  // itself, or, for a `rel` the host cannot take in one argument (PATH_MAX
  // bytes or more), an O_PATH descriptor of a directory on the way, opened
  // a piece shorter than PATH_MAX at a time, and the rest. The guest's own
  // arguments are shorter (Vfs::Resolve), but a canonical path reached
  // from a deep working directory or dirfd need not be: Linux limits the
  // argument, not the depth. The pieces only descend (canonical, no ".."),
  // each without crossing a symlink, so they stay inside the mount.
  struct Start {
    long fd;          // negative: the error
    const char* rel;  // the rest, below fd
    bool owned = false;
    Start(long f, const char* r) : fd(f), rel(r) {}
    Start(const Start&) = delete;
    ~Start() {
      if (owned) host::Syscall(SYS_close, fd);
    }
  };
  void StartOf(const char* rel, Start* at) {
    size_t len = std::strlen(rel);
    if (len < PATH_MAX) return;
    if (HasDotDot(rel)) {
      at->fd = -ENAMETOOLONG;
      return;
    }
    struct open_how how = HowOf("", O_PATH | O_DIRECTORY, 0);
    while (len >= PATH_MAX) {
      size_t cut = PATH_MAX - 1;
      while (cut > 0 && at->rel[cut] != '/') cut--;
      long fd = -ENAMETOOLONG;
      if (cut > 0) {
        char piece[PATH_MAX];
        std::memcpy(piece, at->rel, cut);
        piece[cut] = 0;
        fd = OpenAt2On(at->fd, piece, how);
      }
      if (at->owned) host::Syscall(SYS_close, at->fd);
      at->fd = fd;
      at->owned = fd >= 0;
      if (fd < 0) return;
      at->rel += cut + 1;
      len -= cut + 1;
    }
  }

  long OpenAt2(const std::string& rel, int flags, unsigned mode) { return OpenAt2(rel.c_str(), flags, mode); }
  long OpenAt2(const char* rel, int flags, unsigned mode) {
    Start at(root_fd_, rel);
    StartOf(rel, &at);
    if (at.fd < 0) return at.fd;
    return OpenAt2On(at.fd, at.rel, HowOf(at.rel, flags, mode));
  }

  bool IsFifo(const std::string& rel) {
    auto st = Lstat(rel);
    return st.ok() && S_ISFIFO(st->st_mode);
  }

  // The blocking open of a FIFO, run by the host's io_uring worker so that
  // only this uthread waits (fifo_open.h); where the host has no io_uring,
  // a plain blocking open on the kthread.
  long OpenFifoWriter(const std::string& rel, int flags, unsigned mode) {
    Start at(root_fd_, rel.c_str());
    StartOf(rel.c_str(), &at);
    if (at.fd < 0) return at.fd;
    struct open_how how = HowOf(at.rel, flags, mode);
    bool unused;
    long fd = BlockingHostOpen(static_cast<int>(at.fd), *at.rel ? at.rel : ".", how, -1, &unused);
    return fd == -ENOSYS ? OpenAt2(rel, flags, mode) : fd;
  }

  // A reader's blocking open, `stand_in` being its non-blocking open of
  // the FIFO, held meanwhile: as on Linux, where a reader blocked in open
  // counts as a reader, a writer blocked in its own open returns at once.
  // A writer's arrival ends the wait either through the blocking open or,
  // if the writer came (and perhaps went) before that open started, through
  // the stand-in, which is then the guest's descriptor.
  long OpenFifoReader(const std::string& rel, int flags, unsigned mode, int stand_in) {
    Start at(root_fd_, rel.c_str());
    StartOf(rel.c_str(), &at);
    if (at.fd < 0) {
      host::Syscall(SYS_close, stand_in);
      return at.fd;
    }
    struct open_how how = HowOf(at.rel, flags, mode);
    bool stand_in_ready = false;
    long fd = BlockingHostOpen(static_cast<int>(at.fd), *at.rel ? at.rel : ".", how, stand_in, &stand_in_ready);
    if (stand_in_ready) {
      host::Syscall(SYS_fcntl, stand_in, F_SETFL, flags & ~O_NONBLOCK);
      return stand_in;
    }
    host::Syscall(SYS_close, stand_in);
    return fd == -ENOSYS ? OpenAt2(rel, flags, mode) : fd;
  }

  // OpenAt2 for a guest open, except that a blocking open of a FIFO parks
  // the uthread instead of the kthread and returns when Linux's would: as
  // soon as the peer opens. The host open is non-blocking, so that no open
  // can block the kthread, whatever the name is by then: a writer without a
  // reader fails with ENXIO, a reader always succeeds; the descriptor
  // itself (no race with a rename) then tells its type: a FIFO waits in
  // OpenFifoWriter / OpenFifoReader. A regular file, directory or block
  // device keeps O_NONBLOCK on the host, where Linux ignores it
  // (*host_nonblock_ours: HostFile::MarkHostNonblockOurs); anything else (a
  // FIFO with its peer there, a character device) loses it again (an fcntl).
  long OpenGuest(const char* rel, int flags, unsigned mode, bool* host_nonblock_ours) {
    *host_nonblock_ours = false;
    int acc = flags & O_ACCMODE;
    if ((flags & (O_NONBLOCK | O_PATH)) || (acc != O_RDONLY && acc != O_WRONLY))
      return OpenAt2(rel, flags, mode);
    long fd = OpenAt2(rel, flags | O_NONBLOCK, mode);
    if (fd == -ENXIO && acc == O_WRONLY && IsFifo(rel)) return OpenFifoWriter(rel, flags, mode);
    if (fd < 0) return fd;
    // The open itself may say what it opened: O_DIRECTORY opens only a
    // directory, O_CREAT|O_EXCL only a regular file it has just made.
    bool ignores_nonblock = (flags & O_DIRECTORY) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ||
                          HostFdIgnoresNonblock(fd);
    return AfterNonblockingOpen(rel, flags, mode, fd, ignores_nonblock, host_nonblock_ours);
  }

  // OpenGuest's part after its non-blocking host open of `fd` (also the
  // lazy open's, sys_path_lazy.cc): a regular file, directory or block
  // device (HostFdIgnoresNonblock) is done; a FIFO opened for reading waits
  // for a writer; anything else loses the host O_NONBLOCK.
  long AfterNonblockingOpen(const char* rel, int flags, unsigned mode, long fd, bool ignores_nonblock,
                            bool* host_nonblock_ours) {
    *host_nonblock_ours = false;
    if (ignores_nonblock) {
      *host_nonblock_ours = true;
      return fd;
    }
    int acc = flags & O_ACCMODE;
    struct stat st;
    if (host::Syscall(SYS_fstat, fd, host::L(&st)) == 0) {
      if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        *host_nonblock_ours = true;
        return fd;
      }
      if (acc == O_RDONLY && S_ISFIFO(st.st_mode))
        return OpenFifoReader(rel, flags, mode, static_cast<int>(fd));
    }
    host::Syscall(SYS_fcntl, fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
  }

  static bool IsRegular(long fd) {
    struct stat st;
    return host::Syscall(SYS_fstat, fd, host::L(&st)) == 0 && S_ISREG(st.st_mode);
  }

  // The guest's description of host descriptor `fd` from OpenGuest.
  FilePtr GuestFile(int flags, long fd, bool host_nonblock_ours, std::string path = {}) {
    std::shared_ptr<HostFile> f;
    flags &= ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW);
    // On a size-limited mount, a regular file (or a directory: no writes)
    // charges its writes; OpenGuest looked at the type unless O_RDWR,
    // O_NONBLOCK or O_PATH (no writes) sent it straight to the host. (A
    // block device it found charges them too: the LibOS makes no device
    // nodes, so only a host process could have put one there.)
    if (quota_ && !(flags & (O_DIRECTORY | O_PATH)) && (host_nonblock_ours || IsRegular(fd)))
      f = std::make_shared<QuotaFile>(flags, std::move(path), static_cast<int>(fd), quota_.get());
    else
      f = std::make_shared<HostFile>(flags, std::move(path), static_cast<int>(fd));
    if (host_nonblock_ours) {  // a regular file or directory (OpenGuest)
      f->MarkHostNonblockOurs();
      f->set_lazy_close();
      if (!quota_) f->set_lazy_reuse();
    }
    return f;
  }

  // Runs fn(parent_fd, name) on the parent directory of `rel`.
  template <typename Fn>
  SysResult<void> WithParent(const std::string& rel, Fn fn) {
    if (rel.empty()) return Errno{EBUSY};
    size_t slash = rel.rfind('/');
    std::string dir = slash == std::string::npos ? "" : rel.substr(0, slash);
    std::string name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    long pfd = OpenAt2(dir, O_PATH | O_DIRECTORY, 0);
    if (pfd < 0) return E(pfd);
    long r = fn(pfd, name.c_str());
    host::Syscall(SYS_close, pfd);
    if (r < 0) return E(r);
    return {};
  }

  // Runs fn("/proc/self/fd/N") on an O_PATH descriptor of `rel` itself.
  template <typename Fn>
  SysResult<void> WithMagicPath(const std::string& rel, Fn fn) {
    long fd = OpenAt2(rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return E(fd);
    char p[64];
    std::snprintf(p, sizeof(p), "/proc/self/fd/%ld", fd);
    long r = fn(fd, p);
    host::Syscall(SYS_close, fd);
    if (r < 0) return E(r);
    return {};
  }

  // A name directly below the root (no '/', not "." or ".."): one host
  // call on the root descriptor can neither cross a symlink nor leave the
  // mount, so it needs no RESOLVE_BENEATH descriptor of its own. The
  // top-level names are the ones every path walk meets (/bin, /lib, /lib64
  // are symlinks on merged-/usr systems): 1 host call instead of 3.
  static bool TopLevelName(const std::string& rel) {
    return rel.find('/') == std::string::npos && rel != "." && rel != "..";
  }

  SysResult<struct stat> Lstat(const std::string& rel) override {
    struct stat st;
    if (rel.empty()) {
      long r = host::Syscall(SYS_fstat, root_fd_, host::L(&st));
      if (r < 0) return E(r);
      return st;
    }
    if (TopLevelName(rel)) {
      long r = host::Syscall(SYS_newfstatat, root_fd_, host::L(rel.c_str()), host::L(&st),
                             AT_SYMLINK_NOFOLLOW);
      if (r < 0) return E(r);
      return st;
    }
    long fd = OpenAt2(rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return E(fd);
    long r = host::Syscall(SYS_fstat, fd, host::L(&st));
    host::Syscall(SYS_close, fd);
    if (r < 0) return E(r);
    return st;
  }

  SysResult<std::string> Readlink(const std::string& rel) override {
    if (!rel.empty() && TopLevelName(rel)) {
      char buf[PATH_MAX];
      long n = host::Syscall(SYS_readlinkat, root_fd_, host::L(rel.c_str()), host::L(buf), sizeof(buf));
      if (n < 0) return E(n);
      return std::string(buf, static_cast<size_t>(n));
    }
    long fd = OpenAt2(rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return E(fd);
    char buf[PATH_MAX];
    long n = host::Syscall(SYS_readlinkat, fd, host::L(""), host::L(buf), sizeof(buf));
    host::Syscall(SYS_close, fd);
    if (n < 0) return E(n);
    return std::string(buf, static_cast<size_t>(n));
  }

  SysResult<FilePtr> Open(const std::string& rel, int flags, unsigned mode) override {
    bool nonblock_ours;
    long fd = OpenGuest(rel.c_str(), flags | O_NOFOLLOW, mode, &nonblock_ours);
    if (fd < 0) return E(fd);
    return GuestFile(flags, fd, nonblock_ours);
  }

  SysResult<FilePtr> OpenTmpfile(const std::string& rel_dir, int flags, unsigned mode) override {
    long fd = OpenAt2(rel_dir, flags, mode);
    if (fd < 0) return E(fd);
    if (quota_)
      return FilePtr(std::make_shared<QuotaFile>(flags & ~O_CLOEXEC, std::string(), static_cast<int>(fd), quota_.get()));
    return FilePtr(std::make_shared<HostFile>(flags & ~O_CLOEXEC, std::string(), static_cast<int>(fd)));
  }
  SysResult<void> LinkFile(const FilePtr& f, const std::string& rel) override {
    // Through the host's /proc/self/fd link: no CAP_DAC_READ_SEARCH needed,
    // and an O_TMPFILE|O_EXCL file is refused by the host (ENOENT).
    char link[64];
    std::snprintf(link, sizeof(link), "/proc/self/fd/%d", f->host_fd());
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_linkat, AT_FDCWD, host::L(link), p, host::L(n), AT_SYMLINK_FOLLOW);
    });
  }
  SysResult<void> Mknod(const std::string& rel, unsigned mode) override {
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_mknodat, p, host::L(n), mode, 0);
    });
  }
  SysResult<void> Mkdir(const std::string& rel, unsigned mode) override {
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_mkdirat, p, host::L(n), mode);
    });
  }
  SysResult<void> Unlink(const std::string& rel, bool dir) override {
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_unlinkat, p, host::L(n), dir ? AT_REMOVEDIR : 0);
    });
  }
  SysResult<void> Symlink(const std::string& target, const std::string& rel) override {
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_symlinkat, host::L(target.c_str()), p, host::L(n));
    });
  }
  SysResult<void> Link(const std::string& from, const std::string& to) override {
    return WithParent(from, [&](long p1, const char* n1) {
      auto r = WithParent(to, [&](long p2, const char* n2) {
        return host::Syscall(SYS_linkat, p1, host::L(n1), p2, host::L(n2), 0);
      });
      return r.ok() ? 0L : -static_cast<long>(r.error());
    });
  }
  SysResult<void> Rename(const std::string& from, const std::string& to, unsigned flags) override {
    return WithParent(from, [&](long p1, const char* n1) {
      auto r = WithParent(to, [&](long p2, const char* n2) {
        return host::Syscall(SYS_renameat2, p1, host::L(n1), p2, host::L(n2), flags);
      });
      return r.ok() ? 0L : -static_cast<long>(r.error());
    });
  }
  SysResult<void> Chmod(const std::string& rel, unsigned mode) override {
    return WithMagicPath(rel, [&](long, const char* p) {
      return host::Syscall(SYS_fchmodat, AT_FDCWD, host::L(p), mode);
    });
  }
  SysResult<void> Chown(const std::string& rel, uint32_t uid, uint32_t gid) override {
    return WithMagicPath(rel, [&](long fd, const char*) {
      return host::Syscall(SYS_fchownat, fd, host::L(""), static_cast<int>(uid),
                           static_cast<int>(gid), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    });
  }
  SysResult<void> Utimens(const std::string& rel, const struct timespec* ts) override {
    if (rel.empty())
      return WithMagicPath(rel, [&](long, const char* p) {
        return host::Syscall(SYS_utimensat, AT_FDCWD, host::L(p), host::L(ts), 0);
      });
    return WithParent(rel, [&](long p, const char* n) {
      return host::Syscall(SYS_utimensat, p, host::L(n), host::L(ts), AT_SYMLINK_NOFOLLOW);
    });
  }
  SysResult<void> Truncate(const std::string& rel, uint64_t len) override {
    return WithMagicPath(rel, [&](long, const char* p) {
      return host::Syscall(SYS_truncate, host::L(p), host::L(len));
    });
  }
  SysResult<void> Statfs(const std::string& rel, struct statfs* out) override {
    if (quota_) {  // the mount's own size and usage, like a tmpfs of that size
      long r = host::Syscall(SYS_fstatfs, root_fd_, host::L(out));
      if (r < 0) return E(r);
      uint64_t used = std::min(quota_->Recount(), quota_->limit());
      out->f_type = TMPFS_MAGIC;
      out->f_bsize = out->f_frsize = 4096;
      out->f_blocks = quota_->limit() / 4096;
      out->f_bfree = out->f_bavail = (quota_->limit() - used) / 4096;
      return {};
    }
    if (rel.empty()) {
      long r = host::Syscall(SYS_fstatfs, root_fd_, host::L(out));
      if (r < 0) return E(r);
      return {};
    }
    return WithMagicPath(rel, [&](long fd, const char*) {
      return host::Syscall(SYS_fstatfs, fd, host::L(out));
    });
  }
  SysResult<void> Access(const std::string& rel, int mode) override {
    if ((mode & W_OK) && read_only) return Errno{EROFS};
    return WithMagicPath(rel, [&](long fd, const char*) {
      return host::Syscall(SYS_faccessat2, fd, host::L(""), mode, AT_EMPTY_PATH);
    });
  }
  SysResult<int> HostPathFd(const std::string& rel) override {
    long fd = OpenAt2(rel, O_PATH | O_NOFOLLOW, 0);
    if (fd < 0) return E(fd);
    return static_cast<int>(fd);
  }

 private:
  int root_fd_;
  const char* type_ = "host";
  std::unique_ptr<TmpfsQuota> quota_;
};

}  // namespace

std::unique_ptr<Filesystem> MakeHostFs(const std::string& host_dir, bool read_only, int* err, const char* type) {
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(host_dir.c_str()),
                          O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *err = static_cast<int>(-fd);
    return nullptr;
  }
  auto fs = std::make_unique<HostFs>(static_cast<int>(fd), read_only);
  fs->set_type(type);
  return fs;
}

std::unique_ptr<Filesystem> MakeSharedTmpfs(const std::string& host_dir, uint64_t size_limit, int* err) {
  auto fs = MakeHostFs(host_dir, false, err, "tmpfs");
  if (fs && size_limit) static_cast<HostFs*>(fs.get())->set_quota(size_limit);
  return fs;
}

bool IsHostFs(const Filesystem* fs) { return fs->host_backed; }

SysResult<FilePtr> HostFsAdoptOpen(Filesystem* fs, const char* rel, int flags, long fd, bool ignores_nonblock,
                                   std::string guest_path) {
  bool nonblock_ours;
  auto* h = static_cast<HostFs*>(fs);
  fd = h->AfterNonblockingOpen(rel, flags, 0, fd, ignores_nonblock, &nonblock_ours);
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  FilePtr f = h->GuestFile(flags, fd, nonblock_ours, std::move(guest_path));
  f->set_fs(fs);
  return f;
}

SysResult<FilePtr> HostFsOpenFast(Filesystem* fs, const char* rel, int flags, unsigned mode,
                                  std::string* guest_path) {
  // The guest's flags as given: a trailing symlink fails with ELOOP
  // (RESOLVE_NO_SYMLINKS) unless the guest asked for O_NOFOLLOW, whose
  // errors are then the native ones.
  bool nonblock_ours;
  long fd = static_cast<HostFs*>(fs)->OpenGuest(rel, flags, mode, &nonblock_ours);
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  FilePtr f = static_cast<HostFs*>(fs)->GuestFile(flags, fd, nonblock_ours, std::move(*guest_path));
  f->set_fs(fs);
  return f;
}

}  // namespace junction::libos::fs
