#include "libos/fs/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/fs/path.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/libos.h"
#include "libos/vdso/vdso.h"
#include "sched/kthread.h"

namespace junction::libos::fs {

namespace {

template <typename T>
SysResult<T> HostResult(long r) {
  if (r < 0) return Errno{static_cast<int>(-r)};
  return static_cast<T>(r);
}

}  // namespace

namespace {
sched::SpinLock g_epoll_dups_lock;  // guards every File's epoll_dups_ (rare: dup'ed epoll members)
}  // namespace

File::~File() {
  if (!epoll_dups_) return;
  for (int fd : *epoll_dups_) host::Syscall(SYS_close, fd);
  delete epoll_dups_;
}

long File::DupForEpoll() {
  long d = host::Syscall(SYS_fcntl, host_fd_, F_DUPFD_CLOEXEC, 0);
  if (d < 0) return d;
  sched::SpinGuard g(g_epoll_dups_lock);
  if (!epoll_dups_) epoll_dups_ = new std::vector<int>();
  epoll_dups_->push_back(static_cast<int>(d));
  return d;
}

void File::CloseEpollDup(int fd) {
  {
    sched::SpinGuard g(g_epoll_dups_lock);
    if (!epoll_dups_) return;
    auto it = std::find(epoll_dups_->begin(), epoll_dups_->end(), fd);
    if (it == epoll_dups_->end()) return;
    epoll_dups_->erase(it);
  }
  host::Syscall(SYS_close, fd);
}
SysResult<size_t> File::Read(void*, size_t) { return Errno{EINVAL}; }
SysResult<size_t> File::ReadPartial(void*, size_t, size_t) { return Errno{EFAULT}; }
SysResult<size_t> File::Write(const void*, size_t) { return Errno{EBADF}; }
SysResult<size_t> File::Pread(void*, size_t, uint64_t) { return Errno{ESPIPE}; }
SysResult<size_t> File::Pwrite(const void*, size_t, uint64_t) { return Errno{ESPIPE}; }
SysResult<int64_t> File::Seek(int64_t, int) { return Errno{ESPIPE}; }
SysResult<void> File::Stat(struct stat*) { return Errno{EBADF}; }
SysResult<void> File::Identity(uint64_t* dev, uint64_t* ino) {
  struct stat st{};
  auto r = Stat(&st);
  if (!r.ok()) return r;
  *dev = st.st_dev;
  *ino = st.st_ino;
  return {};
}
SysResult<size_t> File::Getdents(void*, size_t) { return Errno{ENOTDIR}; }
SysResult<void> File::Truncate(uint64_t) { return Errno{EINVAL}; }
SysResult<int> File::Available() { return 0; }
uint32_t File::Poll() { return 0x001 /*EPOLLIN*/ | 0x004 /*EPOLLOUT*/ | 0x040 | 0x100 /*RDNORM, WRNORM*/; }
SysResult<long> File::Fcntl(int, long) { return Errno{EINVAL}; }
SysResult<long> File::Ioctl(unsigned long, long) { return Errno{ENOTTY}; }

void PollHub::Add(PollWatcher* w) {
  sched::SpinGuard g(lock_);
  w->prev = nullptr;
  w->next = head_;
  if (head_) head_->prev = w;
  head_ = w;
  w->linked = true;
}

void PollHub::Remove(PollWatcher* w) {
  sched::SpinGuard g(lock_);
  if (!w->linked) return;
  if (w->prev) w->prev->next = w->next; else head_ = w->next;
  if (w->next) w->next->prev = w->prev;
  w->linked = false;
}

void PollHub::Notify(uint32_t events) {
  if (!head_) return;  // racy peek: a watcher added later re-reads Poll()
  sched::SpinGuard g(lock_);
  bool exclusive_woke = false;
  for (PollWatcher* w = head_; w; w = w->next) {
    if (!w->exclusive) w->Notify(events);
    else if (!exclusive_woke) exclusive_woke = w->NotifyExclusive(events);
  }
}

bool HostFile::MayBlock() {
  if (may_block_ < 0) {
    struct stat st{};
    host::Syscall(SYS_fstat, host_fd_, host::L(&st));
    // Anonymous inodes (no file type: eventfds shared across a fork) block too.
    bool b = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || (st.st_mode & S_IFMT) == 0;
    if (S_ISCHR(st.st_mode)) {
      struct termios t;
      b = host::Syscall(SYS_ioctl, host_fd_, TCGETS, host::L(&t)) == 0;
    }
    may_block_ = b;
    __atomic_store_n(&lazy_host_rw_, !b, __ATOMIC_RELAXED);
  }
  return may_block_;
}

long HostFile::SetHostStatusFlags(long flags) {
  long r = host::Syscall(SYS_fcntl, host_fd_, F_SETFL, flags);
  if (r == 0) __atomic_store_n(&host_nonblock_ours_, false, __ATOMIC_RELAXED);
  return r;
}

HostFile::~HostFile() {
  if (host_fd_ < 0) return;
  // A lazy pread/pwrite on another kthread may still be using the number
  // (it looked it up before the description was closed): not reused yet.
  while (sched::HostFdInLazyUse(host_fd_)) __builtin_ia32_pause();
  host::Syscall(SYS_close, host_fd_);
}
// A pipe, FIFO, socket or terminal waits in the reactor (HostIo), as
// read(2) does: splice and sendfile from one no longer hold the kthread.
SysResult<size_t> HostFile::Read(void* buf, size_t len) {
  return HostResult<size_t>(HostIo(this, false, SYS_read, host::L(buf), host::L(len)));
}
SysResult<size_t> HostFile::Write(const void* buf, size_t len) {
  return HostResult<size_t>(HostIo(this, true, SYS_write, host::L(buf), host::L(len)));
}
SysResult<size_t> HostFile::Pread(void* buf, size_t len, uint64_t off) {
  return HostResult<size_t>(host::Syscall(SYS_pread64, host_fd_, host::L(buf), host::L(len), host::L(off)));
}
SysResult<size_t> HostFile::Pwrite(const void* buf, size_t len, uint64_t off) {
  return HostResult<size_t>(host::Syscall(SYS_pwrite64, host_fd_, host::L(buf), host::L(len), host::L(off)));
}
SysResult<int64_t> HostFile::Seek(int64_t off, int whence) {
  if (off == 0 && whence == SEEK_SET) mount_points_listed_ = 0;  // rewinddir
  return HostResult<int64_t>(host::Syscall(SYS_lseek, host_fd_, off, whence));
}
SysResult<void> HostFile::Stat(struct stat* st) {
  long r = host::Syscall(SYS_fstat, host_fd_, host::L(st));
  if (r < 0) return Errno{static_cast<int>(-r)};
  if (!__atomic_load_n(&ident_known_, __ATOMIC_ACQUIRE)) {
    ident_dev_ = st->st_dev;
    ident_ino_ = st->st_ino;
    __atomic_store_n(&ident_known_, true, __ATOMIC_RELEASE);
  }
  return {};
}
SysResult<void> HostFile::Identity(uint64_t* dev, uint64_t* ino) {
  if (!__atomic_load_n(&ident_known_, __ATOMIC_ACQUIRE)) {
    struct stat st;
    auto r = Stat(&st);
    if (!r.ok()) return r;
  }
  *dev = ident_dev_;
  *ino = ident_ino_;
  return {};
}
SysResult<size_t> HostFile::Getdents(void* buf, size_t len) {
  long n = host::Syscall(SYS_getdents64, host_fd_, host::L(buf), host::L(len));
  if (n != 0 || path_.empty() || path_[0] != '/') return HostResult<size_t>(n);
  size_t extra = AppendMountPoints(static_cast<char*>(buf), len);
  if (extra == SIZE_MAX) return Errno{EINVAL};  // not even one entry fits
  return extra;
}

size_t HostFile::AppendMountPoints(char* buf, size_t len) {
  size_t used = 0, index = 0;
  for (const auto& m : Vfs::Get().mounts()) {
    const std::string& t = m->target;
    if (t == "/" || t == path_ || !PathCovers(path_, t)) continue;
    std::string name = PathBelow(path_, t);
    if (name.find('/') != std::string::npos) continue;  // not directly below
    if (index++ < mount_points_listed_) continue;
    struct stat st;
    if (host::Syscall(SYS_newfstatat, host_fd_, host::L(name.c_str()), host::L(&st),
                      AT_SYMLINK_NOFOLLOW) != -ENOENT) {
      mount_points_listed_++;  // the host lists it already
      continue;
    }
    size_t reclen = (offsetof(struct dirent64, d_name) + name.size() + 1 + 7) & ~size_t{7};
    if (used + reclen > len) return used ? used : SIZE_MAX;
    auto* d = reinterpret_cast<struct dirent64*>(buf + used);
    std::memset(d, 0, reclen);
    d->d_ino = PathIno(t);
    d->d_off = INT64_MAX - 1 - static_cast<int64_t>(index);
    d->d_reclen = static_cast<unsigned short>(reclen);
    d->d_type = DT_DIR;
    std::memcpy(d->d_name, name.c_str(), name.size() + 1);
    used += reclen;
    mount_points_listed_++;
  }
  return used;
}
SysResult<void> HostFile::Truncate(uint64_t len) {
  long r = host::Syscall(SYS_ftruncate, host_fd_, host::L(len));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return {};
}
SysResult<void> HostFile::Fallocate(int mode, uint64_t off, uint64_t len) {
  long r = host::Syscall(SYS_fallocate, host_fd_, mode, host::L(off), host::L(len));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return {};
}

SysResult<size_t> TextFile::Read(void* buf, size_t len) {
  auto n = Pread(buf, len, pos_);
  if (n.ok()) pos_ += *n;
  return n;
}
SysResult<size_t> TextFile::Pread(void* buf, size_t len, uint64_t off) {
  if (off >= text_.size()) return size_t{0};
  size_t n = std::min(len, text_.size() - static_cast<size_t>(off));
  if (!SafeCopy(buf, text_.data() + off, n)) return Errno{EFAULT};  // a guest buffer that faults
  return n;
}
SysResult<int64_t> TextFile::Seek(int64_t off, int whence) {
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<int64_t>(pos_)
               : whence == SEEK_END ? static_cast<int64_t>(text_.size()) : -1;
  if (base < 0 || base + off < 0) return Errno{EINVAL};
  pos_ = static_cast<uint64_t>(base + off);
  return static_cast<int64_t>(pos_);
}
SysResult<void> TextFile::Stat(struct stat* st) {
  *st = st_;
  return {};
}
SysResult<int> TextFile::Available() {
  return pos_ < text_.size() ? static_cast<int>(text_.size() - pos_) : 0;
}

SysResult<size_t> SyntheticDir::Getdents(void* buf, size_t len) {
  if (later_) {
    for (auto& e : later_()) entries_.push_back(std::move(e));
    later_ = nullptr;
  }
  size_t used = 0;
  auto* out = static_cast<char*>(buf);
  while (pos_ < entries_.size()) {
    const DirEntry& e = entries_[pos_];
    size_t reclen = (offsetof(struct dirent64, d_name) + e.name.size() + 1 + 7) & ~size_t{7};
    if (used + reclen > len) {
      if (used == 0) return Errno{EINVAL};
      break;
    }
    struct dirent64 d;
    std::memset(&d, 0, sizeof(d));
    d.d_ino = e.ino;
    d.d_off = static_cast<int64_t>(pos_ + 1);
    d.d_reclen = static_cast<unsigned short>(reclen);
    d.d_type = e.type;
    // Built here, then copied out (fault-tolerant): a guest buffer that
    // faults ends the listing with what fit, or EFAULT, as Linux.
    char rec[sizeof(struct dirent64) + 8] = {};
    if (reclen > sizeof(rec)) return Errno{EINVAL};
    std::memcpy(rec, &d, offsetof(struct dirent64, d_name));
    std::memcpy(rec + offsetof(struct dirent64, d_name), e.name.c_str(), e.name.size() + 1);
    if (!SafeCopy(out + used, rec, reclen)) {
      if (used == 0) return Errno{EFAULT};
      break;
    }
    used += reclen;
    pos_++;
  }
  return used;
}
SysResult<int64_t> SyntheticDir::Seek(int64_t off, int whence) {
  if (whence == SEEK_SET && off >= 0) {
    pos_ = static_cast<size_t>(off);
    return off;
  }
  if (whence == SEEK_CUR && off == 0) return static_cast<int64_t>(pos_);
  return Errno{EINVAL};
}
SysResult<void> SyntheticDir::Stat(struct stat* st) {
  *st = st_;
  return {};
}

Filesystem::~Filesystem() = default;
SysResult<std::string> Filesystem::Readlink(const std::string&) { return Errno{EINVAL}; }
SysResult<FilePtr> Filesystem::OpenMagic(const std::string&, int) { return Errno{ENOENT}; }
SysResult<void> Filesystem::Mkdir(const std::string&, unsigned) { return Errno{EACCES}; }
SysResult<void> Filesystem::Mknod(const std::string&, unsigned) { return Errno{EPERM}; }
SysResult<FilePtr> Filesystem::OpenTmpfile(const std::string&, int, unsigned) {
  return Errno{EOPNOTSUPP};
}
SysResult<void> Filesystem::LinkFile(const FilePtr&, const std::string&) { return Errno{EXDEV}; }
SysResult<void> Filesystem::Unlink(const std::string&, bool) { return Errno{EACCES}; }
SysResult<void> Filesystem::Symlink(const std::string&, const std::string&) { return Errno{EACCES}; }
SysResult<void> Filesystem::Link(const std::string&, const std::string&) { return Errno{EPERM}; }
SysResult<void> Filesystem::Rename(const std::string&, const std::string&, unsigned) { return Errno{EACCES}; }
SysResult<void> Filesystem::Chmod(const std::string&, unsigned) { return Errno{EPERM}; }
SysResult<void> Filesystem::Chown(const std::string&, uint32_t, uint32_t) { return Errno{EPERM}; }
SysResult<void> Filesystem::Utimens(const std::string&, const struct timespec*) { return Errno{EPERM}; }
SysResult<void> Filesystem::Truncate(const std::string&, uint64_t) { return Errno{EACCES}; }
SysResult<void> Filesystem::Statfs(const std::string&, struct statfs* out) {
  std::memset(out, 0, sizeof(*out));
  out->f_bsize = 4096;
  out->f_namelen = 255;
  out->f_frsize = 4096;
  return {};
}
SysResult<void> Filesystem::Access(const std::string& rel, int mode) {
  auto st = Lstat(rel);
  if (!st.ok()) return Errno{st.error()};
  if ((mode & W_OK) && (read_only || !(st->st_mode & 0222))) return Errno{read_only ? EROFS : EACCES};
  if ((mode & X_OK) && !(st->st_mode & 0111)) return Errno{EACCES};
  return {};
}
SysResult<int> Filesystem::HostPathFd(const std::string&) { return Errno{EOPNOTSUPP}; }

struct stat SyntheticStat(uint64_t dev, uint64_t ino, unsigned mode, uint64_t size) {
  struct stat st;
  std::memset(&st, 0, sizeof(st));
  st.st_dev = dev;
  st.st_ino = ino;
  st.st_mode = mode;
  st.st_nlink = S_ISDIR(mode) ? 2 : 1;
  st.st_size = static_cast<off_t>(size);
  st.st_blksize = 4096;
  // From the vDSO's data when it is up (no host call: every look-up below
  // /dev or /proc stats a generated node), else the host's clock.
  struct timespec now;
  junction_vdso_data* d = GuestVdsoData();
  if (!d || !vdso::ReadClock(d, CLOCK_REALTIME, &now))
    host::Syscall(SYS_clock_gettime, CLOCK_REALTIME, host::L(&now));
  st.st_atim = st.st_mtim = st.st_ctim = now;
  return st;
}

uint64_t PathIno(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return (h & 0xffffffffull) | 1;
}

}  // namespace junction::libos::fs
