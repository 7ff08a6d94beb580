// Open file descriptions (Linux `struct file`) and the file systems that
// create them. A description is shared by every descriptor dup'ed from it
// (refcounted by std::shared_ptr), so offset and status flags are shared
// as on Linux.
//
// Host-backed descriptions (files and directories under host mounts, tmpfs
// files kept in memfds, devices, and whatever the guest inherited or got
// from pipe2) keep their host descriptor: the host holds offset and status
// flags, and handlers pass I/O straight to it. The others (procfs/sysfs
// text, synthetic directories) implement the virtual methods.
#pragma once

#include <sys/stat.h>
#include <sys/statfs.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/sys_result.h"
#include "sched/spinlock.h"

namespace junction::libos::fs {

class Filesystem;
class NotifyInode;

// Readiness (Linux's f_op->poll plus its wait queue): who wants to hear
// when a LibOS object's events (EPOLLIN, EPOLLOUT, EPOLLHUP...) change.
// epoll items and poll/select calls register a PollWatcher; objects call
// PollHub::Notify after changing state, without holding their own lock.
// Lock order: object lock, then PollHub::lock_, then the watcher's lock.
struct PollWatcher {
  // Called with the events that may have become ready (a hint: callers
  // re-read File::Poll). Must not block or take a File's lock.
  virtual void Notify(uint32_t events) = 0;
  // Exclusive watchers (EPOLLEXCLUSIVE) are told in turn until one says it
  // woke a waiter, like Linux's exclusive wait-queue entries; the others
  // are always told.
  virtual bool NotifyExclusive(uint32_t events) {
    Notify(events);
    return true;
  }
  PollWatcher* prev = nullptr;
  PollWatcher* next = nullptr;
  bool linked = false;
  bool exclusive = false;

 protected:
  ~PollWatcher() = default;
};

class PollHub {
 public:
  void Add(PollWatcher* w);
  void Remove(PollWatcher* w);
  void Notify(uint32_t events);
  bool empty() const { return head_ == nullptr; }
  sched::SpinLock& fork_lock() { return lock_; }

 private:
  sched::SpinLock lock_;
  PollWatcher* head_ = nullptr;  // guarded by lock_
};

class File {
 public:
  File(int flags, std::string path, int host_fd = -1)
      : flags_(flags), path_(std::move(path)), host_fd_(host_fd) {}
  virtual ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // The host descriptor behind this description, or -1.
  int host_fd() const { return host_fd_; }
  // A host descriptor for one more entry of this description in a host
  // epoll set (which keys entries by descriptor and open file, so a second
  // guest number of it in one epoll instance needs a dup): owned by this
  // description and closed with it, as Linux drops a file from every
  // interest list when its last reference goes. -errno on failure.
  long DupForEpoll();
  // Such a dup no longer needed (EPOLL_CTL_DEL, the instance closed).
  void CloseEpollDup(int fd);
  // The guest path it was opened by (what /proc/self/fd shows), or a
  // "pipe:[ino]"-style name for anonymous objects.
  const std::string& path() const { return path_; }
  void set_path(std::string p) { path_ = std::move(p); }
  // O_ACCMODE and status flags (O_APPEND, O_NONBLOCK...) for non-host files.
  int flags() const { return flags_; }
  void set_flags(int f) { flags_ = f; }
  Filesystem* fs() const { return fs_; }
  void set_fs(Filesystem* fs) { fs_ = fs; }

  virtual SysResult<size_t> Read(void* buf, size_t len);
  // read(2) into a buffer of which only the first `room` bytes lie in
  // guest memory: a file that does what Linux does at a fault there (the
  // copy stops at `room`, what was taken stays taken) overrides; others
  // answer EFAULT, nothing taken.
  virtual SysResult<size_t> ReadPartial(void* buf, size_t len, size_t room);
  virtual SysResult<size_t> Write(const void* buf, size_t len);
  virtual SysResult<size_t> Pread(void* buf, size_t len, uint64_t off);
  virtual SysResult<size_t> Pwrite(const void* buf, size_t len, uint64_t off);
  virtual SysResult<int64_t> Seek(int64_t off, int whence);
  virtual SysResult<void> Stat(struct stat* st);
  // Device and inode as Stat gives them (a mapping's name in
  // /proc/self/maps); fixed for an open file, so a host file asks once.
  virtual SysResult<void> Identity(uint64_t* dev, uint64_t* ino);
  virtual SysResult<size_t> Getdents(void* buf, size_t len);
  virtual SysResult<void> Truncate(uint64_t len);
  // Bytes a read could return now (FIONREAD) for generated files.
  virtual SysResult<int> Available();
  // True if I/O may go straight to host_fd() (no LibOS bookkeeping). A
  // field, not a virtual call: the lazy pread path reads it (fd_table_lazy.cc).
  bool direct_io() const { return direct_io_; }

  // Readiness of a LibOS object (EPOLLIN | EPOLLOUT | EPOLLHUP ...). Files
  // with a host descriptor and no LibOS readiness (host_pollable()) are
  // watched through the reactor instead; the default is "always ready",
  // as for regular files.
  virtual uint32_t Poll();
  virtual bool host_pollable() const { return host_fd_ >= 0; }
  // Objects whose readiness changes with time (timerfd) return the
  // CLOCK_MONOTONIC time at which Poll() may change without a
  // notification (waiters wake up by then), or ~0 if none is set now;
  // others return 0.
  virtual uint64_t NextEventNs() { return 0; }
  // The host object a fork replaced this LibOS object by (a pipe end,
  // eventfd, timerfd or unix socket: proc/host_objects.cc), for calls that
  // still hold this one (a poll or select in progress follows it); null
  // if it was not replaced.
  virtual std::shared_ptr<File> MovedTo() { return nullptr; }
  PollHub& hub() { return hub_; }
  // Before a host fork: the spinlocks of this object that a close or a
  // notification in the child takes (its hub's; objects add their own).
  // The fork holds them all, so no other kthread's critical section on
  // them is inherited half done and taken (a Go child's exec closing a
  // pipe end spun forever on its epoll's lock).
  virtual void AddForkLocks(std::vector<sched::SpinLock*>& out) { out.push_back(&hub_.fork_lock()); }
  // Before a host fork, with this file's fork locks held: the files it
  // reaches whose locks the child may take too (an epoll's members), so
  // that the fork holds theirs as well.
  virtual void AddForkMembers(std::vector<std::shared_ptr<File>>& out) { (void)out; }
  // fcntl/ioctl requests a LibOS object answers itself (F_GETPIPE_SZ,
  // FIONREAD...); ENOTTY / EINVAL when it does not know the request.
  virtual SysResult<long> Fcntl(int cmd, long arg);
  virtual SysResult<long> Ioctl(unsigned long req, long arg);
  bool nonblocking() const { return flags_ & 04000 /*O_NONBLOCK*/; }
  // How long a blocking receive (`sending` false) or send on it may wait,
  // in ns (0: no limit): a socket's SO_RCVTIMEO/SO_SNDTIMEO. When it
  // passes, the call fails with EAGAIN (or returns what it moved).
  virtual uint64_t wait_timeout_ns(bool sending) const {
    (void)sending;
    return 0;
  }
  // Pipe ends say which (1 read, 2 write) for the lazy read/write path
  // (ipc/pipe_lazy.cc); 0 for everything else.
  uint8_t lazy_pipe() const { return lazy_pipe_; }
  // Host files whose I/O never blocks (regular files: HostFile::MayBlock
  // found it false) say so for the lazy read/write path.
  bool lazy_host_rw() const { return __atomic_load_n(&lazy_host_rw_, __ATOMIC_RELAXED); }
  // A host regular file or directory whose last close needs nothing but
  // the host close (no LibOS state: Linux refuses epoll on them), so the
  // lazy close may make it (FdTable::LazyCloseHostFile).
  bool lazy_close() const { return lazy_close_; }
  void set_lazy_close() { lazy_close_ = true; }
  // A plain HostFile from a guest open (HostFile::Reuse may make it the
  // description of another host regular file or directory once closed).
  bool lazy_reuse() const { return lazy_reuse_; }
  void set_lazy_reuse() { lazy_reuse_ = true; }
  // The lazy close: hands over the host descriptor, which the destructor
  // then leaves alone. Only by the last holder.
  int TakeHostFd() {
    int fd = host_fd_;
    host_fd_ = -1;
    return fd;
  }
  // F_SETOWN: the container pid (or -pgid) that gets SIGIO for O_ASYNC.
  int owner() const { return owner_; }
  void set_owner(int o) { owner_ = o; }

 protected:
  int flags_;
  int owner_ = 0;
  uint8_t lazy_pipe_ = 0;
  bool lazy_host_rw_ = false;
  bool lazy_close_ = false;
  bool lazy_reuse_ = false;
  bool direct_io_ = false;  // set by the constructors of direct-I/O kinds
  std::string path_;
  int host_fd_;
  Filesystem* fs_ = nullptr;
  PollHub hub_;
  std::vector<int>* epoll_dups_ = nullptr;  // DupForEpoll's (guarded by a global lock)
};

using FilePtr = std::shared_ptr<File>;
// Before a fork: LibOS objects and the host objects that replace them.
using Replacements = std::map<File*, FilePtr>;

// A description backed by a host descriptor (closed with the description).
class HostFile : public File {
 public:
  HostFile(int flags, std::string path, int host_fd = -1) : File(flags, std::move(path), host_fd) {
    direct_io_ = true;
  }
  ~HostFile() override;
  SysResult<size_t> Read(void* buf, size_t len) override;
  SysResult<size_t> Write(const void* buf, size_t len) override;
  SysResult<size_t> Pread(void* buf, size_t len, uint64_t off) override;
  SysResult<size_t> Pwrite(const void* buf, size_t len, uint64_t off) override;
  SysResult<int64_t> Seek(int64_t off, int whence) override;
  SysResult<void> Stat(struct stat* st) override;
  SysResult<void> Identity(uint64_t* dev, uint64_t* ino) override;
  SysResult<size_t> Getdents(void* buf, size_t len) override;
  SysResult<void> Truncate(uint64_t len) override;
  // fallocate(2) (`off` >= 0, `len` > 0); a size-limited tmpfs's files
  // need room first (tmpfs.cc, shared_tmpfs.cc).
  virtual SysResult<void> Fallocate(int mode, uint64_t off, uint64_t len);
  // True for descriptors whose I/O can block (terminals, pipes, FIFOs,
  // sockets): their calls wait through the reactor first.
  bool MayBlock();
  // A regular file or directory the open left O_NONBLOCK on the host
  // although the guest did not ask for it (Linux ignores it for those
  // types; clearing it cost a host call per open, host_fs.cc): it never
  // blocks, and F_GETFL shows the guest's O_NONBLOCK, not the host's.
  void MarkHostNonblockOurs() {
    may_block_ = 0;
    lazy_host_rw_ = true;
    host_nonblock_ours_ = true;
  }
  bool host_nonblock_ours() const { return __atomic_load_n(&host_nonblock_ours_, __ATOMIC_RELAXED); }
  // Makes this closed description (TakeHostFd, no other holder) that of
  // host regular file or directory `host_fd`, as HostFs opens one: the
  // constructor's state, then MarkHostNonblockOurs. False (nothing changed)
  // if `path` does not fit the path's buffer. Vector-free (fd_table_lazy.cc).
  bool Reuse(int flags, int host_fd, Filesystem* fs, const char* path, size_t len);
  // The host's status flags (F_GETFL) as the guest sees them.
  long GuestStatusFlags(long host_flags) const {
    if (host_flags < 0 || !host_nonblock_ours()) return host_flags;
    return (host_flags & ~04000L /*O_NONBLOCK*/) | (flags_ & 04000);
  }
  // Sets the host's status flags to the guest's own (an F_SETFL, or a
  // description about to leave this LibOS over SCM_RIGHTS).
  long SetHostStatusFlags(long flags);

 private:
  // Directories: after the host's entries, mount points directly below
  // this one that the host directory lacks (a bare root has no /proc).
  size_t AppendMountPoints(char* buf, size_t len);

  int may_block_ = -1;  // cached MayBlock(); -1 = not looked at yet
  // Identity(), remembered by the first Stat or Identity (ident_known_ is
  // stored last: a racing reader sees both values or looks again).
  uint64_t ident_dev_ = 0, ident_ino_ = 0;
  bool ident_known_ = false;
  bool host_nonblock_ours_ = false;
  size_t mount_points_listed_ = 0;  // AppendMountPoints' position
};

// Read-only text generated when opened (procfs, sysfs).
class TextFile : public File {
 public:
  TextFile(int flags, std::string path, std::string text, struct stat st)
      : File(flags, std::move(path)), text_(std::move(text)), st_(st) {}
  SysResult<size_t> Read(void* buf, size_t len) override;
  SysResult<size_t> Pread(void* buf, size_t len, uint64_t off) override;
  SysResult<int64_t> Seek(int64_t off, int whence) override;
  SysResult<void> Stat(struct stat* st) override;
  SysResult<int> Available() override;

 private:
  std::string text_;
  struct stat st_;
  uint64_t pos_ = 0;
};

struct DirEntry {
  std::string name;
  uint64_t ino;
  uint8_t type;  // DT_*
};

// A directory whose entries the LibOS lists (procfs, sysfs, devfs, tmpfs).
class SyntheticDir : public File {
 public:
  SyntheticDir(int flags, std::string path, std::vector<DirEntry> entries, struct stat st,
               std::function<std::vector<DirEntry>()> later = nullptr)
      : File(flags, std::move(path)), entries_(std::move(entries)), st_(st), later_(std::move(later)) {}
  SysResult<size_t> Getdents(void* buf, size_t len) override;
  SysResult<int64_t> Seek(int64_t off, int whence) override;
  SysResult<void> Stat(struct stat* st) override;
  SysResult<size_t> Read(void*, size_t) override { return Errno{EISDIR}; }

 private:
  std::vector<DirEntry> entries_;
  struct stat st_;
  // Entries listed at the first read, not at open (/proc/self/fd shows
  // the descriptor of the directory being read, as on Linux).
  std::function<std::vector<DirEntry>()> later_;
  size_t pos_ = 0;
};

// Flags for Filesystem::Rename (RENAME_NOREPLACE/EXCHANGE from linux/fs.h).
inline constexpr unsigned kRenameNoReplace = 1, kRenameExchange = 2;

// A mounted file system. Paths (`rel`) are relative to its root, canonical
// ("a/b/c", "" for the root) and free of symlinks except possibly the last
// component, which methods never follow.
class Filesystem {
 public:
  virtual ~Filesystem();
  virtual const char* type() const = 0;  // for /proc/self/mounts
  virtual SysResult<struct stat> Lstat(const std::string& rel) = 0;
  virtual SysResult<std::string> Readlink(const std::string& rel);
  // True for procfs's magic links (/proc/self/fd/N, exe, cwd, root).
  virtual bool IsMagicLink(const std::string& /*rel*/) { return false; }
  // Following /proc/self/fd/N opens the file itself, not its path.
  virtual SysResult<FilePtr> OpenMagic(const std::string& rel, int flags);
  // Opens `rel` (created with `mode` if O_CREAT and it does not exist).
  virtual SysResult<FilePtr> Open(const std::string& rel, int flags, unsigned mode) = 0;
  virtual SysResult<void> Mkdir(const std::string& rel, unsigned mode);
  // A FIFO, unix socket file or empty regular file (`mode` has S_IFMT).
  virtual SysResult<void> Mknod(const std::string& rel, unsigned mode);
  // O_TMPFILE: an unnamed regular file in directory `rel_dir`.
  virtual SysResult<FilePtr> OpenTmpfile(const std::string& rel_dir, int flags, unsigned mode);
  // linkat(AT_EMPTY_PATH) and /proc/self/fd/N: a name for the open file
  // `f` (of this file system), e.g. an O_TMPFILE one.
  virtual SysResult<void> LinkFile(const FilePtr& f, const std::string& rel);
  virtual SysResult<void> Unlink(const std::string& rel, bool dir);
  virtual SysResult<void> Symlink(const std::string& target, const std::string& rel);
  virtual SysResult<void> Link(const std::string& from, const std::string& to);
  virtual SysResult<void> Rename(const std::string& from, const std::string& to, unsigned flags);
  virtual SysResult<void> Chmod(const std::string& rel, unsigned mode);
  virtual SysResult<void> Chown(const std::string& rel, uint32_t uid, uint32_t gid);
  virtual SysResult<void> Utimens(const std::string& rel, const struct timespec* ts);
  virtual SysResult<void> Truncate(const std::string& rel, uint64_t len);
  virtual SysResult<void> Statfs(const std::string& rel, struct statfs* out);
  virtual SysResult<void> Access(const std::string& rel, int mode);
  // A host O_PATH descriptor for `rel` (host-backed file systems only):
  // statx, xattrs. The caller closes it.
  virtual SysResult<int> HostPathFd(const std::string& rel);
  // inotify on a file system whose events the LibOS makes (tmpfs): the
  // watches of `rel`, or of the open file `f` of this file system. Null:
  // it makes none (procfs, sysfs, devfs), watches there never fire.
  virtual NotifyInode* NotifyTarget(const std::string& /*rel*/) { return nullptr; }
  virtual NotifyInode* NotifyTargetOf(const File& /*f*/) { return nullptr; }

  bool read_only = false;
  bool host_backed = false;  // a HostFs (fast path eligible)
  int host_root_fd = -1;     // a HostFs's root descriptor (the lazy stat and open: sys_path_lazy.cc)
  bool quota = false;        // a shared tmpfs with a size limit (its files count their writes)
};

// Fills a stat for a synthetic node.
struct stat SyntheticStat(uint64_t dev, uint64_t ino, unsigned mode, uint64_t size = 0);
// Inode number for a synthetic path.
uint64_t PathIno(const std::string& s);

}  // namespace junction::libos::fs

namespace junction::libos {
// read/write-style host call `nr` on a host-backed file; one that may block
// (a pipe, socket, terminal) waits through the reactor (sys_fd.cc).
long HostIo(fs::File* f, bool write, long nr, long a1, long a2);
inline long HostIo(const fs::FilePtr& f, bool write, long nr, long a1, long a2) {
  return HostIo(f.get(), write, nr, a1, a2);
}
// read(2)/write(2) of `len` bytes at `buf` that way: for a LibOS object
// that goes on on the host object that replaced it at a fork.
SysResult<size_t> HostRw(const fs::FilePtr& f, bool write, void* buf, size_t len);
}  // namespace junction::libos
