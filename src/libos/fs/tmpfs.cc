// tmpfs: directories and metadata in LibOS memory, file contents in
// memfds (so mmap, shared mappings and host-side I/O work). Each open
// reopens the memfd through /proc/self/fd, giving the description its own
// offset and flags as on Linux. A size limit is kept as Linux's tmpfs
// keeps it, in pages the files hold (fs/tmpfs_space.h): a write that does
// not fit writes what fits, fallocate gets its whole range or ENOSPC, a
// file's pages count until its last name and last open are gone. Changes are reported to inotify (fs/notify.h)
// as Linux's VFS reports them: by path for name and metadata changes, by
// the node's current name for open files and directories.
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>

#include "libos/fs/notify.h"
#include "libos/fs/path.h"
#include "libos/fs/tmpfs_space.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/process.h"

namespace junction::libos::fs {

namespace {

Errno E(long r) { return Errno{static_cast<int>(-r)}; }

struct timespec Now() {
  struct timespec ts;
  host::Syscall(SYS_clock_gettime, CLOCK_REALTIME, host::L(&ts));
  return ts;
}

struct TNode {
  unsigned mode = 0;
  uint32_t uid = 0, gid = 0;
  uint64_t ino = 0;
  unsigned nlink = 1;
  bool unlinkable_tmpfile = false;  // O_TMPFILE | O_EXCL: never gets a name
  int memfd = -1;
  std::string target;
  std::map<std::string, std::shared_ptr<TNode>> children;
  struct timespec atime{}, mtime{}, ctime{};
  NotifyInode notify;  // inotify watches on it
  // Its latest name, under which the events of its open files and
  // directories reach its directory's watches.
  std::weak_ptr<TNode> parent;
  std::string name;
  bool unlinked = false;  // that name is gone (IN_EXCL_UNLINK)
  bool dead = false;      // no name left: gone once not open (MaybeGone)
  unsigned opens = 0;     // open files and directories of it (atomic)
  // The bytes of pages its memfd held when last looked at, counted in
  // *space (its tmpfs's usage) until the node is gone.
  std::atomic<uint64_t> charged{0};
  std::atomic<uint64_t>* space = nullptr;
  ~TNode() {
    if (memfd >= 0) host::Syscall(SYS_close, memfd);
    if (space) space->fetch_sub(charged.load());
  }
};
using NodePtr = std::shared_ptr<TNode>;

uint64_t g_next_dev = 0x50;

uint32_t DirBit(const TNode& n) { return S_ISDIR(n.mode) ? IN_ISDIR : 0; }

// `n` now has entry `name` of `dir`.
void SetName(const std::shared_ptr<TNode>& dir, const std::string& name, TNode& n) {
  n.parent = dir;
  n.name = name;
  n.unlinked = false;
  n.dead = false;
}

// An event by path: on `n`, entry `name` of `dir` (null: the root).
void NotifyPath(TNode* dir, const std::string& name, TNode& n, uint32_t event) {
  Notify(dir ? &dir->notify : nullptr, &name, &n.notify, event | DirBit(n));
}

// An event through an open file or directory of `n`, under its current name.
void NotifyOpenNode(TNode& n, uint32_t event) {
  if (!NotifyAny()) return;
  std::shared_ptr<TNode> dir = n.parent.lock();
  NotifySlow(dir ? &dir->notify : nullptr, &n.name, &n.notify, event | DirBit(n), 0, n.unlinked);
}

// A node with no name left is gone once no file or directory has it open.
void MaybeGone(TNode& n) {
  if (n.dead && !__atomic_load_n(&n.opens, __ATOMIC_ACQUIRE)) NotifyGone(&n.notify);
}

class Tmpfs;

// An open tmpfs regular file: a host description of the memfd.
class TmpFile : public HostFile {
 public:
  TmpFile(int flags, int fd, NodePtr node, Tmpfs* fs);
  ~TmpFile() override;
  SysResult<size_t> Read(void* buf, size_t len) override;
  SysResult<size_t> Pread(void* buf, size_t len, uint64_t off) override;
  SysResult<size_t> Write(const void* buf, size_t len) override;
  SysResult<size_t> Pwrite(const void* buf, size_t len, uint64_t off) override;
  SysResult<void> Truncate(uint64_t len) override;
  SysResult<void> Fallocate(int mode, uint64_t off, uint64_t len) override;
  SysResult<void> Stat(struct stat* st) override;
  const NodePtr& node() const { return node_; }

 private:
  // Reports `event` for a transfer of `n` bytes (none for 0 bytes, as Linux).
  void NotifyIo(const SysResult<size_t>& n, uint32_t event) {
    if (n.ok() && *n > 0) NotifyOpenNode(*node_, event);
  }

  NodePtr node_;
  Tmpfs* tfs_;
};

// An open tmpfs directory: its entries when opened, and its events.
class TmpDir : public SyntheticDir {
 public:
  TmpDir(int flags, std::vector<DirEntry> entries, struct stat st, NodePtr node)
      : SyntheticDir(flags, std::string(), std::move(entries), st), node_(std::move(node)) {
    __atomic_add_fetch(&node_->opens, 1, __ATOMIC_RELAXED);
  }
  ~TmpDir() override {
    if (!(flags_ & O_PATH)) NotifyOpenNode(*node_, IN_CLOSE_NOWRITE);
    __atomic_sub_fetch(&node_->opens, 1, __ATOMIC_RELEASE);
    MaybeGone(*node_);
  }
  const NodePtr& node() const { return node_; }
  SysResult<size_t> Getdents(void* buf, size_t len) override {
    auto r = SyntheticDir::Getdents(buf, len);
    if (r.ok()) NotifyOpenNode(*node_, IN_ACCESS);  // every call, the last (0) too, as Linux
    return r;
  }

 private:
  NodePtr node_;
};

class Tmpfs : public Filesystem {
 public:
  explicit Tmpfs(uint64_t limit) : limit_(TmpfsPageUp(limit)), dev_(g_next_dev++) {
    root_ = NewNode(S_IFDIR | 01777);
    root_->nlink = 2;
  }
  const char* type() const override { return "tmpfs"; }

  NodePtr NewNode(unsigned mode) {
    auto n = std::make_shared<TNode>();
    n->mode = mode;
    n->ino = next_ino_++;
    n->uid = CurrentProcess().euid;
    n->gid = CurrentProcess().egid;
    n->atime = n->mtime = n->ctime = Now();
    n->space = &used_;
    return n;
  }

  SysResult<NodePtr> Find(const std::string& rel) {
    NodePtr n = root_;
    for (const auto& c : SplitPath(rel)) {
      if (!S_ISDIR(n->mode)) return Errno{ENOTDIR};
      auto it = n->children.find(c);
      if (it == n->children.end()) return Errno{ENOENT};
      n = it->second;
    }
    return n;
  }
  SysResult<NodePtr> FindParent(const std::string& rel, std::string* name) {
    size_t slash = rel.rfind('/');
    *name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    NodePtr p = TRY(Find(slash == std::string::npos ? "" : rel.substr(0, slash)));
    if (!S_ISDIR(p->mode)) return Errno{ENOTDIR};
    return p;
  }

  // Where `rel` is: its directory (null for the root), name and node.
  struct Place {
    NodePtr dir;
    std::string name;
    NodePtr node;
  };
  SysResult<Place> Locate(const std::string& rel) {
    if (rel.empty()) return Place{nullptr, std::string(), root_};
    Place p;
    p.dir = TRY(FindParent(rel, &p.name));
    auto it = p.dir->children.find(p.name);
    if (it == p.dir->children.end()) return Errno{ENOENT};
    p.node = it->second;
    return p;
  }

  struct stat StatOf(const TNode& n) {
    struct stat st = SyntheticStat(dev_, n.ino, n.mode);
    st.st_nlink = n.nlink;
    st.st_uid = n.uid;
    st.st_gid = n.gid;
    st.st_atim = n.atime;
    st.st_mtim = n.mtime;
    st.st_ctim = n.ctime;
    if (S_ISLNK(n.mode)) st.st_size = static_cast<off_t>(n.target.size());
    if (S_ISDIR(n.mode)) st.st_size = static_cast<off_t>(40 + 20 * n.children.size());
    if (n.memfd >= 0) {
      struct stat m;
      if (host::Syscall(SYS_fstat, n.memfd, host::L(&m)) == 0) {
        st.st_size = m.st_size;
        st.st_blocks = m.st_blocks;
        st.st_mtim = m.st_mtim;
        st.st_ctim = m.st_ctim;
      }
    }
    return st;
  }

  SysResult<struct stat> Lstat(const std::string& rel) override {
    NodePtr n = TRY(Find(rel));
    return StatOf(*n);
  }
  SysResult<std::string> Readlink(const std::string& rel) override {
    NodePtr n = TRY(Find(rel));
    if (!S_ISLNK(n->mode)) return Errno{EINVAL};
    return n->target;
  }

  SysResult<FilePtr> Open(const std::string& rel, int flags, unsigned mode) override {
    auto found = Locate(rel);
    Place pl;
    bool created = false;
    if (!found.ok()) {
      if (found.error() != ENOENT || !(flags & O_CREAT)) return Errno{found.error()};
      pl.dir = TRY(FindParent(rel, &pl.name));
      pl.node = NewNode(S_IFREG | (mode & 07777));
      long fd = host::Syscall(SYS_memfd_create, host::L("tmpfs"), MFD_CLOEXEC | MFD_ALLOW_SEALING);
      if (fd < 0) return E(fd);
      pl.node->memfd = static_cast<int>(fd);
      pl.dir->children[pl.name] = pl.node;
      SetName(pl.dir, pl.name, *pl.node);
      pl.dir->mtime = pl.dir->ctime = Now();
      created = true;
      Notify(&pl.dir->notify, &pl.name, nullptr, IN_CREATE);
    } else {
      pl = std::move(*found);
    }
    const NodePtr& n = pl.node;
    // O_PATH descriptors make no events (Linux's FMODE_NONOTIFY).
    const bool events = !(flags & O_PATH);
    if (S_ISDIR(n->mode)) {
      std::vector<DirEntry> ents = {{".", n->ino, DT_DIR}, {"..", n->ino, DT_DIR}};
      for (const auto& [name, c] : n->children)
        ents.push_back({name, c->ino,
                        static_cast<uint8_t>(S_ISDIR(c->mode) ? DT_DIR : S_ISLNK(c->mode) ? DT_LNK
                                             : S_ISSOCK(c->mode) ? DT_SOCK : DT_REG)});
      auto d = std::make_shared<TmpDir>(flags, std::move(ents), StatOf(*n), n);
      if (events) NotifyPath(pl.dir.get(), pl.name, *n, IN_OPEN);
      return FilePtr(std::move(d));
    }
    if (S_ISLNK(n->mode) || (S_ISSOCK(n->mode) && (flags & O_PATH)))
      return FilePtr(std::make_shared<TextFile>(flags, std::string(), std::string(), StatOf(*n)));
    if (S_ISSOCK(n->mode)) return Errno{ENXIO};  // a socket file is not opened, as on Linux
    char link[64];
    std::snprintf(link, sizeof(link), "/proc/self/fd/%d", n->memfd);
    long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(link),
                            (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_DIRECTORY)) | O_CLOEXEC, 0);
    if (fd < 0) return E(fd);
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) Recharge(*n, static_cast<int>(fd));
    auto f = std::make_shared<TmpFile>(flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_TRUNC),
                                       static_cast<int>(fd), n, this);
    if (events) {
      NotifyPath(pl.dir.get(), pl.name, *n, IN_OPEN);
      if ((flags & O_TRUNC) && !created) NotifyPath(pl.dir.get(), pl.name, *n, IN_MODIFY);
    }
    return FilePtr(std::move(f));
  }

  // Gives `n` the name `rel`; with `created`, reports IN_CREATE.
  SysResult<void> Insert(const std::string& rel, const NodePtr& n, bool created = true) {
    std::string name;
    NodePtr p = TRY(FindParent(rel, &name));
    if (p->children.count(name)) return Errno{EEXIST};
    p->children[name] = n;
    SetName(p, name, *n);
    p->mtime = p->ctime = Now();
    if (created) Notify(&p->notify, &name, nullptr, IN_CREATE | DirBit(*n));
    return {};
  }

  SysResult<void> Mkdir(const std::string& rel, unsigned mode) override {
    NodePtr n = NewNode(S_IFDIR | (mode & 07777));
    n->nlink = 2;
    return Insert(rel, n);
  }
  // Socket files only (unix bind): FIFOs and device nodes are not kept here.
  SysResult<void> Mknod(const std::string& rel, unsigned mode) override {
    if ((mode & S_IFMT) != S_IFSOCK) return Errno{EPERM};
    return Insert(rel, NewNode(mode));
  }
  SysResult<void> Symlink(const std::string& target, const std::string& rel) override {
    NodePtr n = NewNode(S_IFLNK | 0777);
    n->target = target;
    return Insert(rel, n);
  }
  SysResult<FilePtr> OpenTmpfile(const std::string& rel_dir, int flags, unsigned mode) override {
    NodePtr dir = TRY(Find(rel_dir));
    if (!S_ISDIR(dir->mode)) return Errno{ENOTDIR};
    NodePtr n = NewNode(S_IFREG | (mode & 07777));
    n->nlink = 0;
    n->unlinkable_tmpfile = flags & O_EXCL;
    // No name: Linux reports its events to the directory as "#<ino>".
    SetName(dir, "#" + std::to_string(n->ino), *n);
    n->unlinked = n->dead = true;
    long fd = host::Syscall(SYS_memfd_create, host::L("tmpfs"), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return E(fd);
    n->memfd = static_cast<int>(fd);
    char link[64];
    std::snprintf(link, sizeof(link), "/proc/self/fd/%d", n->memfd);
    long ofd = host::Syscall(SYS_openat, AT_FDCWD, host::L(link),
                             (flags & ~(O_TMPFILE | O_EXCL | O_CREAT)) | O_CLOEXEC, 0);
    if (ofd < 0) return E(ofd);
    auto f = std::make_shared<TmpFile>(flags & ~(O_CLOEXEC | O_TMPFILE | O_EXCL),
                                       static_cast<int>(ofd), n, this);
    NotifyOpenNode(*n, IN_OPEN);
    return FilePtr(std::move(f));
  }
  SysResult<void> LinkFile(const FilePtr& f, const std::string& rel) override {
    auto* tf = dynamic_cast<TmpFile*>(f.get());
    if (!tf) return Errno{EXDEV};
    NodePtr n = tf->node();
    if (n->nlink == 0 && n->unlinkable_tmpfile) return Errno{ENOENT};
    return AddLink(rel, n);
  }
  // A new name for `n`: its link count changes (IN_ATTRIB), then IN_CREATE.
  SysResult<void> AddLink(const std::string& rel, const NodePtr& n) {
    std::string name;
    NodePtr p = TRY(FindParent(rel, &name));
    if (p->children.count(name)) return Errno{EEXIST};
    n->nlink++;
    n->ctime = Now();
    Notify(nullptr, nullptr, &n->notify, IN_ATTRIB | DirBit(*n));
    return Insert(rel, n);
  }
  SysResult<void> Link(const std::string& from, const std::string& to) override {
    NodePtr n = TRY(Find(from));
    return AddLink(to, n);
  }
  SysResult<void> Unlink(const std::string& rel, bool dir) override {
    std::string name;
    NodePtr p = TRY(FindParent(rel, &name));
    auto it = p->children.find(name);
    if (it == p->children.end()) return Errno{ENOENT};
    NodePtr n = it->second;
    if (dir && !S_ISDIR(n->mode)) return Errno{ENOTDIR};
    if (!dir && S_ISDIR(n->mode)) return Errno{EISDIR};
    if (dir && !n->children.empty()) return Errno{ENOTEMPTY};
    --n->nlink;  // its pages count until the node is gone (~TNode)
    p->children.erase(it);
    p->mtime = p->ctime = Now();
    DropName(p, name, *n, dir);
    // Linux's order: the inode's own events (unless still open: at the
    // last close), then the directory's IN_DELETE.
    Notify(&p->notify, &name, nullptr, IN_DELETE | DirBit(*n));
    return {};
  }
  // Entry `name` of `dir` no longer names `n` (unlinked, or replaced by a
  // rename): a file's link count changed (IN_ATTRIB; not for rmdir, as
  // Linux); with no name left it is gone once not open.
  void DropName(const NodePtr& dir, const std::string& name, TNode& n, bool rmdir) {
    if (n.name == name && n.parent.lock() == dir) n.unlinked = true;
    if (!rmdir) Notify(nullptr, nullptr, &n.notify, IN_ATTRIB | DirBit(n));
    if (rmdir || S_ISDIR(n.mode) || n.nlink == 0) {
      n.unlinked = n.dead = true;
      MaybeGone(n);
    }
  }
  SysResult<void> Rename(const std::string& from, const std::string& to, unsigned flags) override {
    std::string n1, n2;
    NodePtr p1 = TRY(FindParent(from, &n1));
    NodePtr p2 = TRY(FindParent(to, &n2));
    auto it1 = p1->children.find(n1);
    if (it1 == p1->children.end()) return Errno{ENOENT};
    NodePtr src = it1->second;
    auto it2 = p2->children.find(n2);
    NodePtr dst = it2 == p2->children.end() ? nullptr : it2->second;
    if (flags & kRenameExchange) {
      if (!dst) return Errno{ENOENT};
      p1->children[n1] = dst;
      p2->children[n2] = src;
      SetName(p2, n2, *src);
      SetName(p1, n1, *dst);
      // Linux's fsnotify_move twice: src from n1 to n2, then dst back.
      NotifyMove(p1, n1, p2, n2, *src);
      NotifyMove(p2, n2, p1, n1, *dst);
      return {};
    }
    if (dst && (flags & kRenameNoReplace)) return Errno{EEXIST};
    if (dst == src) return {};
    if (dst) {
      if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode)) return Errno{ENOTDIR};
      if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode)) return Errno{EISDIR};
      if (S_ISDIR(dst->mode) && !dst->children.empty()) return Errno{ENOTEMPTY};
    }
    p1->children.erase(n1);
    p2->children[n2] = src;
    p1->mtime = p2->mtime = Now();
    SetName(p2, n2, *src);
    if (!dst) {
      NotifyMove(p1, n1, p2, n2, *src);
      return {};
    }
    // The replaced node lost a name: IN_ATTRIB after the moves, and its
    // IN_DELETE_SELF after the moved node's IN_MOVE_SELF, as Linux.
    if (!S_ISDIR(dst->mode)) --dst->nlink;
    if (dst->name == n2 && dst->parent.lock() == p2) dst->unlinked = true;
    uint32_t cookie = NextNotifyCookie();
    Notify(&p1->notify, &n1, nullptr, IN_MOVED_FROM | DirBit(*src), cookie);
    Notify(&p2->notify, &n2, nullptr, IN_MOVED_TO | DirBit(*src), cookie);
    Notify(nullptr, nullptr, &dst->notify, IN_ATTRIB | DirBit(*dst));
    Notify(nullptr, nullptr, &src->notify, IN_MOVE_SELF);
    if (S_ISDIR(dst->mode) || dst->nlink == 0) {
      dst->unlinked = dst->dead = true;
      MaybeGone(*dst);
    }
    return {};
  }
  // Linux's fsnotify_move without a replaced node.
  static void NotifyMove(const NodePtr& from_dir, const std::string& from, const NodePtr& to_dir,
                         const std::string& to, TNode& n) {
    if (!NotifyAny()) return;
    uint32_t cookie = NextNotifyCookie();
    Notify(&from_dir->notify, &from, nullptr, IN_MOVED_FROM | DirBit(n), cookie);
    Notify(&to_dir->notify, &to, nullptr, IN_MOVED_TO | DirBit(n), cookie);
    Notify(nullptr, nullptr, &n.notify, IN_MOVE_SELF);
  }
  SysResult<void> Chmod(const std::string& rel, unsigned mode) override {
    Place pl = TRY(Locate(rel));
    NodePtr& n = pl.node;
    n->mode = (n->mode & S_IFMT) | (mode & 07777);
    n->ctime = Now();
    NotifyPath(pl.dir.get(), pl.name, *n, IN_ATTRIB);
    return {};
  }
  SysResult<void> Chown(const std::string& rel, uint32_t uid, uint32_t gid) override {
    Place pl = TRY(Locate(rel));
    NodePtr& n = pl.node;
    if (uid != UINT32_MAX) n->uid = uid;
    if (gid != UINT32_MAX) n->gid = gid;
    n->ctime = Now();
    if (uid != UINT32_MAX || gid != UINT32_MAX) NotifyPath(pl.dir.get(), pl.name, *n, IN_ATTRIB);
    return {};
  }
  SysResult<void> Utimens(const std::string& rel, const struct timespec* ts) override {
    Place pl = TRY(Locate(rel));
    NodePtr& n = pl.node;
    // Linux's fsnotify_change: both times IN_ATTRIB, atime alone
    // IN_ACCESS, mtime alone IN_MODIFY.
    const bool a = !ts || ts[0].tv_nsec != UTIME_OMIT, m = !ts || ts[1].tv_nsec != UTIME_OMIT;
    if (a || m) NotifyPath(pl.dir.get(), pl.name, *n, a && m ? IN_ATTRIB : a ? IN_ACCESS : IN_MODIFY);
    struct timespec now = Now();
    auto pick = [&](const struct timespec* t, struct timespec* dst) {
      if (!t || t->tv_nsec == UTIME_NOW) *dst = now;
      else if (t->tv_nsec != UTIME_OMIT) *dst = *t;
    };
    pick(ts ? &ts[0] : nullptr, &n->atime);
    pick(ts ? &ts[1] : nullptr, &n->mtime);
    if (n->memfd >= 0) host::Syscall(SYS_utimensat, n->memfd, 0, host::L(ts), 0);
    return {};
  }
  SysResult<void> Truncate(const std::string& rel, uint64_t len) override {
    Place pl = TRY(Locate(rel));
    NodePtr& n = pl.node;
    if (S_ISDIR(n->mode)) return Errno{EISDIR};
    if (n->memfd < 0) return Errno{EINVAL};
    // Growing makes a hole: no room needed, as on Linux.
    long r = host::Syscall(SYS_ftruncate, n->memfd, host::L(len));
    Recharge(*n, n->memfd);
    if (r < 0) return E(r);
    NotifyPath(pl.dir.get(), pl.name, *n, IN_MODIFY);
    return {};
  }
  NotifyInode* NotifyTarget(const std::string& rel) override {
    auto n = Find(rel);
    return n.ok() ? &(*n)->notify : nullptr;
  }
  NotifyInode* NotifyTargetOf(const File& f) override;
  SysResult<void> Statfs(const std::string&, struct statfs* out) override {
    TRY_VOID(Filesystem::Statfs("", out));
    out->f_type = TMPFS_MAGIC;
    uint64_t total = limit_ ? limit_ / kTmpfsPage : 1ull << 20;
    out->f_blocks = total;
    out->f_bfree = out->f_bavail = total - std::min(total, used_.load() / kTmpfsPage);
    out->f_files = 1ull << 20;
    out->f_ffree = out->f_files - next_ino_;
    return {};
  }
  SysResult<void> Access(const std::string& rel, int mode) override {
    NodePtr n = TRY(Find(rel));
    if ((mode & X_OK) && !S_ISDIR(n->mode) && !(n->mode & 0111)) return Errno{EACCES};
    return {};
  }

  // A write of `len` bytes to `n` through its host descriptor `fd`, at
  // `off` (< 0: the description's offset, or its end with `append`): what
  // fits of it, ENOSPC if nothing does.
  SysResult<size_t> Write(TNode& n, int fd, const void* buf, size_t len, int64_t off, bool append) {
    uint64_t reserved = 0;
    if (limit_ && len) len = TRY(ReserveWrite(fd, len, off, append, &reserved));
    long r = off < 0 ? host::Syscall(SYS_write, fd, host::L(buf), host::L(len))
                     : host::Syscall(SYS_pwrite64, fd, host::L(buf), host::L(len), off);
    Recharge(n, fd);
    used_.fetch_sub(reserved);
    if (r < 0) return E(r);
    return static_cast<size_t>(r);
  }

  // fallocate on `n` through `fd`: the allocating modes need room for
  // every page of the range it lacks, or fail with ENOSPC having taken none.
  SysResult<void> Fallocate(TNode& n, int fd, int mode, uint64_t off, uint64_t len) {
    uint64_t reserved = 0;
    if (limit_ && (mode & ~FALLOC_FL_KEEP_SIZE) == 0 && off + len >= off) {
      struct stat st{};
      if (host::Syscall(SYS_fstat, fd, host::L(&st)) == 0) {
        reserved = TmpfsMissingPages(fd, st, off, len) * kTmpfsPage;
        uint64_t used = used_.load();
        do {
          if (used + reserved > limit_) return Errno{ENOSPC};
        } while (!used_.compare_exchange_weak(used, used + reserved));
      }
    }
    long r = host::Syscall(SYS_fallocate, fd, mode, host::L(off), host::L(len));
    Recharge(n, fd);
    used_.fetch_sub(reserved);
    if (r < 0) return E(r);
    return {};
  }

  // Counts the pages `n`'s memfd (`fd` names it) holds now.
  void Recharge(TNode& n, int fd) {
    struct stat st{};
    if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) return;
    uint64_t now = static_cast<uint64_t>(st.st_blocks) * 512;
    used_.fetch_add(now - n.charged.exchange(now));  // modular: may lower it
  }

 private:
  // Room for a write of `len` bytes (as Write): reserves in used_ the
  // bytes of pages it may take (*reserved) and returns the bytes that fit.
  SysResult<size_t> ReserveWrite(int fd, size_t len, int64_t off, bool append, uint64_t* reserved) {
    // Far from the limit: the most it can take, without a host call.
    const uint64_t most = TmpfsPageUp(len) + kTmpfsPage;
    uint64_t used = used_.load();
    while (used + most <= limit_) {
      if (used_.compare_exchange_weak(used, used + most)) {
        *reserved = most;
        return len;
      }
    }
    // Near it: page by page, what it really takes.
    struct stat st{};
    if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) return len;  // the write fails by itself
    uint64_t start = static_cast<uint64_t>(off);
    if (off < 0) {
      long pos = append ? st.st_size : host::Syscall(SYS_lseek, fd, 0, SEEK_CUR);
      start = pos < 0 ? 0 : static_cast<uint64_t>(pos);
    }
    for (;;) {
      uint64_t pages = 0;
      uint64_t fit = TmpfsWriteFit(fd, st, start, len, (limit_ - std::min(limit_, used)) / kTmpfsPage, &pages);
      if (!fit) return Errno{ENOSPC};
      if (used_.compare_exchange_weak(used, used + pages * kTmpfsPage)) {
        *reserved = pages * kTmpfsPage;
        return fit;
      }
    }
  }

  NodePtr root_;
  uint64_t limit_;  // bytes, whole pages (0: none)
  // Bytes of the pages the files hold (TNode::charged), and of pages
  // writes in progress have reserved.
  std::atomic<uint64_t> used_{0};
  uint64_t dev_;
  uint64_t next_ino_ = 2;
};

TmpFile::TmpFile(int flags, int fd, NodePtr node, Tmpfs* fs)
    : HostFile(flags, std::string(), fd), node_(std::move(node)), tfs_(fs) {
  direct_io_ = false;  // writes count against the tmpfs size limit (Grow below); events
  __atomic_add_fetch(&node_->opens, 1, __ATOMIC_RELAXED);
}

TmpFile::~TmpFile() {
  if (!(flags_ & O_PATH))
    NotifyOpenNode(*node_, (flags_ & O_ACCMODE) == O_RDONLY ? IN_CLOSE_NOWRITE : IN_CLOSE_WRITE);
  __atomic_sub_fetch(&node_->opens, 1, __ATOMIC_RELEASE);
  MaybeGone(*node_);
}

SysResult<size_t> TmpFile::Read(void* buf, size_t len) {
  auto n = HostFile::Read(buf, len);
  NotifyIo(n, IN_ACCESS);
  return n;
}
SysResult<size_t> TmpFile::Pread(void* buf, size_t len, uint64_t off) {
  auto n = HostFile::Pread(buf, len, off);
  NotifyIo(n, IN_ACCESS);
  return n;
}

SysResult<size_t> TmpFile::Write(const void* buf, size_t len) {
  auto n = tfs_->Write(*node_, host_fd_, buf, len, -1, flags_ & O_APPEND);
  NotifyIo(n, IN_MODIFY);
  return n;
}
SysResult<size_t> TmpFile::Pwrite(const void* buf, size_t len, uint64_t off) {
  auto n = tfs_->Write(*node_, host_fd_, buf, len, static_cast<int64_t>(off), false);
  NotifyIo(n, IN_MODIFY);
  return n;
}
SysResult<void> TmpFile::Truncate(uint64_t len) {
  auto r = HostFile::Truncate(len);  // growing makes a hole: no room needed
  tfs_->Recharge(*node_, host_fd_);
  TRY_VOID(r);
  NotifyOpenNode(*node_, IN_MODIFY);
  return {};
}
SysResult<void> TmpFile::Fallocate(int mode, uint64_t off, uint64_t len) {
  return tfs_->Fallocate(*node_, host_fd_, mode, off, len);
}
SysResult<void> TmpFile::Stat(struct stat* st) {
  *st = tfs_->StatOf(*node_);
  return {};
}

NotifyInode* Tmpfs::NotifyTargetOf(const File& f) {
  if (auto* tf = dynamic_cast<const TmpFile*>(&f)) return &tf->node()->notify;
  if (auto* td = dynamic_cast<const TmpDir*>(&f)) return &td->node()->notify;
  return nullptr;
}

}  // namespace

std::unique_ptr<Filesystem> MakeTmpfs(uint64_t size_limit) { return std::make_unique<Tmpfs>(size_limit); }

}  // namespace junction::libos::fs
