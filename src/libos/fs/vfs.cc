#include "libos/fs/vfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <optional>

#include "libos/fs/link_hints.h"
#include "libos/fs/shared_shm.h"
#include "libos/fs/path.h"
#include "libos/host/host.h"
#include "libos/proc/process_view.h"
#include "libos/process.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos::fs {

namespace {

constexpr int kMaxSymlinks = 40;

bool WantsWrite(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_TRUNC | O_CREAT));
}

unsigned Umask() { return CurrentProcess().umask; }

}  // namespace

SysResult<void> Vfs::Init(const config::AppConfig* cfg, const std::string& host_root, std::string* failed) {
  __atomic_store_n(&ready_, nullptr, __ATOMIC_RELEASE);
  mounts_.clear();
  host_root_ = host_root.empty() ? "/" : host_root;
  while (host_root_.size() > 1 && host_root_.back() == '/') host_root_.pop_back();
  int err = 0;
  auto fail = [&](std::string what) {
    if (failed) *failed = std::move(what);
    return Errno{err};
  };
  auto add = [&](const std::string& target, const std::string& source,
                 std::unique_ptr<Filesystem> fs) {
    std::string t = NormalizeAbsolute(target);
    for (auto& m : mounts_)
      if (m->target == t) {
        m->fs = std::move(fs);
        m->source = source;
        return;
      }
    auto m = std::make_unique<Mount>();
    m->target = t;
    m->source = source;
    m->fs = std::move(fs);
    mounts_.push_back(std::move(m));
  };
  auto root = MakeHostFs(host_root_, false, &err);
  if (!root) return fail("fs.root: \"" + host_root_ + "\"");
  add("/", host_root_, std::move(root));
  add("/proc", "proc", MakeProcfs());
  add("/sys", "sysfs", MakeSysfs());
  add("/dev", "devtmpfs", MakeDevfs());
  // /dev/shm: a private host directory on the host's tmpfs, shared by the
  // container's processes (fs/shared_shm.h), unless the config mounts its
  // own there; the LibOS's tmpfs if the host has no writable /dev/shm.
  if (!*SharedShmDir()) CreateSharedShmDir();
  std::unique_ptr<Filesystem> shm;
  if (*SharedShmDir()) {
    shm = MakeHostFs(SharedShmDir(), false, &err, "tmpfs");
    if (!shm) return fail(std::string("/dev/shm: cannot open its host directory ") + SharedShmDir());
  }
  add("/dev/shm", "tmpfs", shm ? std::move(shm) : MakeTmpfs(0));
  if (cfg) {
    int tmpfs_index = 0;
    for (size_t i = 0; i < cfg->fs.mounts.size(); i++) {
      const auto& m = cfg->fs.mounts[i];
      std::string key = "fs.mounts[" + std::to_string(i) + "]";
      if (m.type == config::MountType::kTmpfs) {
        // A host directory shared by the container's processes
        // (fs/shared_tmpfs.h); the LibOS's tmpfs, private to each process
        // after a fork, only on a host without a writable /dev/shm. One
        // that cannot be made beside /dev/shm's is an error: a private
        // tmpfs in its place loses files a child writes there.
        std::unique_ptr<Filesystem> fs;
        if (*SharedShmDir()) {
          std::string dir = CreateSharedTmpfsDir(tmpfs_index++, &err);
          if (!dir.empty()) fs = MakeSharedTmpfs(dir, m.size_bytes, &err);
          if (!fs) return fail(key + " (tmpfs at " + m.target + "): cannot make its host directory beside " + SharedShmDir());
        } else {
          fs = MakeTmpfs(m.size_bytes);
        }
        add(m.target, "tmpfs", std::move(fs));
      } else {
        auto fs = MakeHostFs(m.source, m.read_only, &err);
        if (!fs) return fail(key + ".source: \"" + m.source + "\"");
        add(m.target, m.source, std::move(fs));
      }
    }
  }
  std::stable_sort(mounts_.begin(), mounts_.end(),
                   [](const auto& a, const auto& b) { return a->target.size() < b->target.size(); });
  __atomic_store_n(&ready_, this, __ATOMIC_RELEASE);  // mounts are fixed from here on
  return {};
}

Mount* Vfs::MountFor(const std::string& guest) {
  for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it)
    if (PathCovers((*it)->target, guest)) return it->get();
  return mounts_.empty() ? nullptr : mounts_.front().get();
}

void Vfs::InitCwd() {
  // Called with lock_ held. The guest starts where junction was started
  // (or in `workdir`), seen from the container root.
  if (cwd_init_) return;
  cwd_init_ = true;
  char buf[PATH_MAX];
  long n = host::Syscall(SYS_getcwd, host::L(buf), sizeof(buf));
  std::string host_cwd = n > 0 ? std::string(buf) : "/";
  if (PathCovers(host_root_, host_cwd))
    cwd_ = "/" + PathBelow(host_root_, host_cwd);
  else
    cwd_ = "/";
  cwd_ = NormalizeAbsolute(cwd_);
}

std::string* Vfs::ThreadCwd_locked() {
  // No thread has unshared its directory: the common case, and the only
  // one outside a running scheduler (unit tests, start-up), where there is
  // no current uthread to ask for.
  if (!thread_cwds_) return nullptr;
  sched::Uthread* u = sched::Current();
  if (!u || !u->private_cwd) return nullptr;
  auto it = thread_cwds_->find(u);
  return it == thread_cwds_->end() ? nullptr : &it->second;
}

std::string Vfs::cwd() {
  std::lock_guard g(lock_);
  InitCwd();
  if (std::string* own = ThreadCwd_locked()) return *own;
  return cwd_;
}

SysResult<void> Vfs::Chdir(const Lookup& dir) {
  if (!dir.exists) return Errno{ENOENT};
  if (!S_ISDIR(dir.st.st_mode)) return Errno{ENOTDIR};
  std::lock_guard g(lock_);
  cwd_init_ = true;
  if (std::string* own = ThreadCwd_locked()) {
    *own = dir.guest;
    return {};
  }
  cwd_ = dir.guest;
  proc::PublishCwd(cwd_);  // /proc/PID/cwd for the container's other processes
  return {};
}

void Vfs::UnshareCwd() {
  sched::Uthread* u = sched::Current();
  if (!u) return;
  std::lock_guard g(lock_);
  InitCwd();
  if (ThreadCwd_locked()) return;  // already its own: Linux copies it, the same
  if (!thread_cwds_) thread_cwds_ = new std::map<const void*, std::string>();
  // A dead thread's entry at this address is replaced.
  (*thread_cwds_)[u] = cwd_;
  u->private_cwd = true;
}

SysResult<std::string> Vfs::StartDir(long dirfd) {
  if (static_cast<int>(dirfd) == AT_FDCWD) return cwd();
  FilePtr f = FdTable::Get().Lookup(dirfd);
  if (!f) return Errno{EBADF};
  struct stat st;
  auto r = f->Stat(&st);
  if (!r.ok()) return Errno{r.error()};
  if (!S_ISDIR(st.st_mode)) return Errno{ENOTDIR};
  return f->path();
}

void Vfs::MountRootStat(Mount* m, struct stat* st) {
  // procfs, sysfs and devfs roots look like the directories they cover in
  // a host-backed parent (as the host's own /proc, /sys, /dev do).
  if (m->fs->host_backed || m->target == "/") return;
  std::string t = m->fs->type();
  if (t != "proc" && t != "sysfs" && t != "devtmpfs") return;
  size_t slash = m->target.rfind('/');
  std::string parent = slash == 0 ? "/" : m->target.substr(0, slash);
  Mount* pm = MountFor(parent);
  if (!pm->fs->host_backed) return;
  auto hst = pm->fs->Lstat(PathBelow(pm->target, m->target));
  if (hst.ok() && S_ISDIR(hst->st_mode)) *st = *hst;
}

// One name directly below a mount on a top-level directory (/dev/null,
// /proc/cpuinfo, /sys/kernel): the walk would look at nothing but the
// mount's root (a directory, whatever the parent mount holds there) and
// the name itself, which FastLookup does in one Lstat.
bool Vfs::NameBelowTopMount(const Mount* m, const std::string& guest) {
  const std::string& t = m->target;
  return t.size() > 1 && t.find('/', 1) == std::string::npos && guest.size() > t.size() + 1 &&
         guest.size() - t.size() - 1 <= NAME_MAX && guest.find('/', t.size() + 1) == std::string::npos;
}

SysResult<Lookup> Vfs::FastLookup(std::string& guest, unsigned flags) {
  Mount* m = MountFor(guest);
  Lookup out;
  out.mount = m;
  out.rel = PathBelow(m->target, guest);
  auto st = m->fs->Lstat(out.rel);
  if (!st.ok()) {
    if (st.error() == ENOENT && (flags & kAllowMissing)) return Errno{ELOOP};  // let the walk decide
    return Errno{st.error()};
  }
  if (S_ISLNK(st->st_mode) && (flags & kFollow)) return Errno{ELOOP};
  out.guest = std::move(guest);
  out.exists = true;
  out.st = *st;
  return out;
}

std::optional<std::string> Vfs::FollowKnownLinks(const std::string& guest, bool follow_last, int* links,
                                                 bool* last_from_link) {
  // Each step does what the walk does at a symlink: the names before it are
  // directories (the host's RESOLVE_NO_SYMLINKS look at the link, or the
  // root itself for a top-level name, says so), its link is read now, and
  // the walk goes on with the link's names in place of its own. A link's
  // leading ".." climb from its directory, which has no symlink in it: the
  // walk's lexical step up. A ".." further in, or anything unusual, ends
  // the steps here (what is done so far stands); the walk does the rest.
  std::string cur = guest;
  bool any = false;
  for (int step = 0; step < 8; step++) {
    size_t plen = LinkHintFirst(cur);
    if (plen == 0 || (plen == cur.size() && !follow_last)) break;
    std::string_view prefix(cur.data(), plen);
    std::string p(prefix);
    Mount* m = MountFor(p);
    if (!IsHostFs(m->fs.get()) || m->target == p) break;
    auto target = m->fs->Readlink(PathBelow(m->target, p));
    if (!target.ok() || target->empty()) {
      if (!target.ok() && (target.error() == EINVAL || target.error() == ENOENT || target.error() == ENOTDIR))
        LinkHintDrop(prefix);  // no longer a link there
      break;
    }
    if (*links + 1 > kMaxSymlinks) break;  // the walk says ELOOP
    // The link's directory (canonical, no symlink) or the root.
    std::string next = (*target)[0] == '/' ? std::string() : p.substr(0, p.rfind('/'));
    bool named = false, ok = true;
    for (const std::string& c : SplitPath(*target)) {
      if (c == ".") continue;
      if (c == "..") {
        if (named) {
          ok = false;
          break;
        }
        size_t slash = next.rfind('/');
        next.resize(slash == std::string::npos ? 0 : slash);
        continue;
      }
      named = true;
      next += '/';
      next += c;
    }
    if (!ok) break;
    // A last link whose target must be a directory ("f/", "f/."): the walk
    // checks that (here the names after it would have).
    if (named && plen == cur.size() && (target->back() == '/' || SplitPath(*target).back() == ".")) break;
    next.append(cur, plen, std::string::npos);
    if (next.empty()) next = "/";
    if (next.size() >= PATH_MAX) break;
    ++*links;
    if (plen == cur.size()) *last_from_link = true;
    cur = std::move(next);
    any = true;
  }
  if (!any) return std::nullopt;
  return cur;
}

SysResult<Lookup> Vfs::ResolveKnownLinks(const std::string& guest, unsigned flags, bool* tried) {
  int links = 0;
  bool via_link = false;
  auto known = FollowKnownLinks(guest, flags & kFollow, &links, &via_link);
  *tried = known.has_value();
  if (!known) return Errno{ELOOP};
  Mount* m = MountFor(*known);
  if (IsHostFs(m->fs.get()) || NameBelowTopMount(m, *known)) {
    std::string g = *known;
    auto r = FastLookup(g, flags);
    if (r.ok()) r->followed_link = via_link;
    if (r.ok() || (r.error() != ELOOP && r.error() != EXDEV)) return r;
  }
  return Walk("/", *known, flags, 0, links, via_link);
}

SysResult<Lookup> Vfs::Resolve(long dirfd, const std::string& path, unsigned flags,
                               uint64_t resolve) {
  if (path.empty()) return Errno{ENOENT};
  if (path.size() >= PATH_MAX) return Errno{ENAMETOOLONG};
  std::string start = "/";
  if (path[0] != '/' || (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))) start = TRY(StartDir(dirfd));
  if (!resolve && !HasDotDot(path) && path.back() != '/') {
    std::string g = NormalizeAbsolute(path[0] == '/' ? path : start + "/" + path);
    Mount* m = MountFor(g);
    if (IsHostFs(m->fs.get()) || NameBelowTopMount(m, g)) {
      auto r = FastLookup(g, flags);
      if (r.ok() || (r.error() != ELOOP && r.error() != EXDEV)) return r;
      bool tried = false;
      if (r.error() == ELOOP) r = ResolveKnownLinks(g, flags, &tried);
      if (tried) return r;
    }
  }
  return Walk(start, path, flags, resolve);
}

namespace {

// After a symlink (/bin -> usr/bin) on a host mount, the rest of the path
// usually holds no other one (usr/bin/true): one lstat of the whole rest,
// which the host fails (ELOOP) at any symlink on the way, instead of one
// per name. `todo` is the walk's rest, last name first. False if the rest
// does not qualify or the look fails; then the names are walked one by one
// and that walk decides the error.
struct Rest {
  Mount* mount;
  std::string rel, guest;
  struct stat st;
};
bool LookAtRest(Vfs& v, const std::vector<std::string>& cur, const std::vector<std::string>& todo,
                Rest* out) {
  if (todo.size() < 2) return false;  // one name: the walk's own step costs as much
  for (const auto& n : todo)
    if (n.empty() || n == "." || n == ".." || n.size() > NAME_MAX) return false;
  std::vector<std::string> all = cur;
  all.insert(all.end(), todo.rbegin(), todo.rend());
  std::string g = JoinAbsolute(all);
  if (g.size() >= PATH_MAX) return false;
  Mount* m = v.MountFor(g);
  // The same mount as `cur`: no mount point on the way.
  if (!IsHostFs(m->fs.get()) || m != v.MountFor(JoinAbsolute(cur))) return false;
  std::string rel = PathBelow(m->target, g);
  if (rel.empty()) return false;
  auto st = m->fs->Lstat(rel);
  if (!st.ok()) return false;
  *out = Rest{m, std::move(rel), std::move(g), *st};
  return true;
}

}  // namespace

SysResult<Lookup> Vfs::Walk(const std::string& start, const std::string& path, unsigned flags,
                            uint64_t resolve, int links, bool last_from_link) {
  const std::vector<std::string> base = SplitPath(start);
  const std::vector<std::string> root =
      (resolve & RESOLVE_IN_ROOT) ? base : std::vector<std::string>{};
  std::vector<std::string> cur;
  if (path[0] == '/') {
    if (resolve & RESOLVE_BENEATH) return Errno{EXDEV};
    cur = root;
  } else {
    cur = base;
  }
  std::vector<std::string> todo = SplitPath(path);
  std::reverse(todo.begin(), todo.end());
  const bool trailing_slash = path.back() == '/';
  bool after_link = false;  // a symlink's target was just queued
  std::optional<struct stat> next_st;  // the next name's lstat, if LookAtRest made it
  Lookup out;
  while (!todo.empty()) {
    if (after_link) {
      after_link = false;
      Rest rest;
      if (!resolve && !trailing_slash && LookAtRest(*this, cur, todo, &rest)) {
        if (!S_ISLNK(rest.st.st_mode) || !(flags & kFollow)) {
          out.mount = rest.mount;
          out.rel = std::move(rest.rel);
          out.guest = std::move(rest.guest);
          out.exists = true;
          out.st = rest.st;
          out.followed_link = last_from_link;
          return out;
        }
        // The last name is a link to follow; every name before it is a
        // directory (the host walked them).
        cur.insert(cur.end(), todo.rbegin(), todo.rend() - 1);
        todo.erase(todo.begin() + 1, todo.end());
        next_st = rest.st;
      }
    }
    std::string name = std::move(todo.back());
    todo.pop_back();
    const bool last = todo.empty();
    if (name == ".") continue;
    if (name == "..") {
      if ((resolve & RESOLVE_BENEATH) && cur.size() <= base.size()) return Errno{EXDEV};
      if (cur.size() > root.size()) {
        Mount* before = MountFor(JoinAbsolute(cur));
        cur.pop_back();
        if ((resolve & RESOLVE_NO_XDEV) && MountFor(JoinAbsolute(cur)) != before) return Errno{EXDEV};
      }
      continue;
    }
    if (name.size() > NAME_MAX) return Errno{ENAMETOOLONG};
    std::vector<std::string> cand = cur;
    cand.push_back(name);
    std::string g = JoinAbsolute(cand);
    Mount* m = MountFor(g);
    if ((resolve & RESOLVE_NO_XDEV) && m != MountFor(JoinAbsolute(cur))) return Errno{EXDEV};
    std::string rel = PathBelow(m->target, g);
    SysResult<struct stat> st = next_st ? SysResult<struct stat>(*next_st) : m->fs->Lstat(rel);
    next_st.reset();
    if (!st.ok()) {
      if (st.error() == ENOENT && last && (flags & kAllowMissing)) {
        out.mount = m;
        out.rel = rel;
        out.guest = g;
        out.exists = false;
        out.followed_link = last_from_link;
        return out;
      }
      return Errno{st.error()};
    }
    if (S_ISLNK(st->st_mode) && (!last || (flags & kFollow) || trailing_slash)) {
      if (resolve & RESOLVE_NO_SYMLINKS) return Errno{ELOOP};
      if (m->fs->IsMagicLink(rel)) {
        if (resolve & RESOLVE_NO_MAGICLINKS) return Errno{ELOOP};
        if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) return Errno{EXDEV};
        if (last) {
          auto f = m->fs->OpenMagic(rel, O_RDONLY);
          if (f.ok()) {
            out.mount = m;
            out.rel = rel;
            out.guest = (*f)->path();
            out.exists = true;
            out.magic = *f;
            TRY_VOID(out.magic->Stat(&out.st));
            return out;
          }
        }
      }
      if (++links > kMaxSymlinks) return Errno{ELOOP};
      std::string target = TRY(m->fs->Readlink(rel));
      if (target.empty()) return Errno{ENOENT};
      if (IsHostFs(m->fs.get())) LinkHintNote(g);  // read first next time (FollowKnownLinks)
      if (target[0] == '/') {
        if (resolve & RESOLVE_BENEATH) return Errno{EXDEV};
        cur = root;
      }
      auto tc = SplitPath(target);
      // A target ending in '/' names a directory, as "f/." does: its last
      // name is then not the path's last (ENOTDIR unless a directory).
      if (target.back() == '/' && !tc.empty()) tc.emplace_back(".");
      for (auto it = tc.rbegin(); it != tc.rend(); ++it) todo.push_back(*it);
      if (last) last_from_link = true;
      after_link = true;
      continue;
    }
    if (!last && !S_ISDIR(st->st_mode)) return Errno{ENOTDIR};
    cur = std::move(cand);
    if (last) {
      out.mount = m;
      out.rel = rel;
      out.guest = g;
      out.exists = true;
      out.st = *st;
      if (rel.empty()) MountRootStat(m, &out.st);
      out.followed_link = last_from_link;
      if (trailing_slash && !S_ISDIR(st->st_mode)) return Errno{ENOTDIR};
      return out;
    }
  }
  // Ended on ".", "..", or a link to a directory: the result is `cur`.
  out.guest = JoinAbsolute(cur);
  out.mount = MountFor(out.guest);
  out.rel = PathBelow(out.mount->target, out.guest);
  out.st = TRY(out.mount->fs->Lstat(out.rel));
  if (out.rel.empty()) MountRootStat(out.mount, &out.st);
  out.exists = true;
  out.followed_link = last_from_link;
  return out;
}

SysResult<Lookup> Vfs::ResolveParent(long dirfd, const std::string& path, std::string* name) {
  if (path.empty()) return Errno{ENOENT};
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  std::string dir;
  if (slash == std::string::npos) {
    dir = ".";
    *name = p;
  } else {
    dir = slash == 0 ? "/" : p.substr(0, slash);
    *name = p.substr(slash + 1);
    if (name->empty()) *name = ".";  // the path was "/"
  }
  if (name->size() > NAME_MAX) return Errno{ENAMETOOLONG};
  Lookup l = TRY(Resolve(dirfd, dir, kFollow));
  if (!S_ISDIR(l.st.st_mode)) return Errno{ENOTDIR};
  return l;
}

namespace {

struct Child {
  Mount* mount;
  std::string rel;
  std::string guest;
};

Child ChildOf(Vfs& v, const Lookup& parent, const std::string& name) {
  std::string g = parent.guest == "/" ? "/" + name : parent.guest + "/" + name;
  Mount* m = v.MountFor(g);
  return {m, PathBelow(m->target, g), g};
}

// Where mkdir, mknod and symlink create `path`: EEXIST for "." and ".."
// and for a mount point, EROFS on a read-only mount.
SysResult<Child> NewEntry(Vfs& v, long dirfd, const std::string& path) {
  std::string name;
  Lookup p = TRY(v.ResolveParent(dirfd, path, &name));
  if (name == "." || name == "..") return Errno{EEXIST};
  Child c = ChildOf(v, p, name);
  if (c.mount->target == c.guest) return Errno{EEXIST};
  if (c.mount->fs->read_only) return Errno{EROFS};
  return c;
}

}  // namespace

SysResult<FilePtr> Vfs::Open(long dirfd, const std::string& path, int flags, unsigned mode,
                             uint64_t resolve) {
  if (path.empty()) return Errno{ENOENT};
  if ((flags & O_TMPFILE) == O_TMPFILE) return OpenTmpfile(dirfd, path, flags, mode);
  // O_CREAT on a name with a trailing slash: EISDIR whether it exists or
  // not, as Linux, once the walk to it succeeded.
  if ((flags & O_CREAT) && path.back() == '/') {
    std::string name;
    TRY(ResolveParent(dirfd, path, &name));
    return Errno{EISDIR};
  }
  mode &= 07777;
  // Fast path: one host openat2 for a host mount and a path without "..".
  if (!resolve && !HasDotDot(path) && path.back() != '/' && path.size() < PATH_MAX) {
    std::string g;
    if (path[0] == '/') g = NormalizeAbsolute(path);
    else g = NormalizeAbsolute(TRY(StartDir(dirfd)) + "/" + path);
    Mount* m = MountFor(g);
    if (IsHostFs(m->fs.get()) && !(m->fs->read_only && WantsWrite(flags))) {
      // `g` moves into the file on success; the relative part points into it.
      auto f = HostFsOpenFast(m->fs.get(), PathBelowPtr(m->target, g), flags, mode & ~Umask(), &g);
      if (f.ok() || (f.error() != ELOOP && f.error() != EXDEV)) return f;
      // A symlink on the way: if it is known, its link read now and the
      // path it leads to opened in one host call again.
      int links = 0;
      bool via_link = false;
      bool follow_last = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
      std::optional<std::string> known;
      if (f.error() == ELOOP) known = FollowKnownLinks(g, follow_last, &links, &via_link);
      if (known) {
        Mount* km = MountFor(*known);
        if (IsHostFs(km->fs.get()) && !(km->fs->read_only && WantsWrite(flags))) {
          auto kf = HostFsOpenFast(km->fs.get(), PathBelowPtr(km->target, *known), flags, mode & ~Umask(), &*known);
          if (kf.ok() || (kf.error() != ELOOP && kf.error() != EXDEV)) return kf;
        }
      }
    }
  }
  unsigned wf = (flags & O_NOFOLLOW) ? 0 : kFollow;
  if (flags & O_CREAT) wf |= kAllowMissing;
  if ((flags & O_CREAT) && (flags & O_EXCL)) wf &= ~kFollow;
  Lookup l = TRY(Resolve(dirfd, path, wf, resolve));
  FilePtr f;
  if (l.magic) {
    int hfd = l.magic->host_fd();
    if (hfd >= 0 && (S_ISREG(l.st.st_mode) || S_ISDIR(l.st.st_mode))) {
      // A new description of the same file, as Linux gives.
      char link[64];
      std::snprintf(link, sizeof(link), "/proc/self/fd/%d", hfd);
      long r = host::Syscall(SYS_openat, AT_FDCWD, host::L(link),
                             (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC, 0);
      if (r < 0) return Errno{static_cast<int>(-r)};
      f = std::make_shared<HostFile>(flags & ~O_CLOEXEC, l.magic->path(), static_cast<int>(r));
      f->set_fs(l.magic->fs());
      return f;
    }
    return l.magic;
  }
  if (!l.exists) {
    if (!(flags & O_CREAT)) return Errno{ENOENT};
    if (path.back() == '/') return Errno{EISDIR};
    if (l.mount->fs->read_only) return Errno{EROFS};
    f = TRY(l.mount->fs->Open(l.rel, flags, mode & ~Umask()));
  } else {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return Errno{EEXIST};
    if (S_ISLNK(l.st.st_mode) && !(flags & O_PATH)) return Errno{ELOOP};
    if ((flags & O_DIRECTORY) && !S_ISDIR(l.st.st_mode)) return Errno{ENOTDIR};
    if (!(flags & O_PATH)) {
      if (S_ISDIR(l.st.st_mode) && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT)))
        return Errno{EISDIR};
      if (l.mount->fs->read_only && WantsWrite(flags) && !S_ISCHR(l.st.st_mode)) return Errno{EROFS};
    }
    f = TRY(l.mount->fs->Open(l.rel, flags & ~O_EXCL, mode & ~Umask()));
  }
  f->set_path(l.guest);
  f->set_fs(l.mount->fs.get());
  return f;
}

SysResult<void> Vfs::Mkdir(long dirfd, const std::string& path, unsigned mode) {
  Child c = TRY(NewEntry(*this, dirfd, path));
  return c.mount->fs->Mkdir(c.rel, (mode & 07777) & ~Umask());
}

SysResult<FilePtr> Vfs::OpenTmpfile(long dirfd, const std::string& path, int flags,
                                    unsigned mode) {
  // Linux wants write access (O_ACCMODE 3 counts as read-write).
  if ((flags & O_ACCMODE) == O_RDONLY || (flags & O_CREAT)) return Errno{EINVAL};
  Lookup l = TRY(Resolve(dirfd, path, kFollow));
  if (!l.exists) return Errno{ENOENT};
  if (!S_ISDIR(l.st.st_mode)) return Errno{ENOTDIR};
  if (l.mount->fs->read_only) return Errno{EROFS};
  FilePtr f = TRY(l.mount->fs->OpenTmpfile(l.rel, flags, (mode & 07777) & ~Umask()));
  // What Linux shows for it in /proc/self/fd.
  struct stat st{};
  (void)f->Stat(&st);
  f->set_path((l.guest == "/" ? "" : l.guest) + "/#" + std::to_string(st.st_ino) + " (deleted)");
  f->set_fs(l.mount->fs.get());
  return f;
}

SysResult<void> Vfs::Mknod(long dirfd, const std::string& path, unsigned mode) {
  Child c = TRY(NewEntry(*this, dirfd, path));
  return c.mount->fs->Mknod(c.rel, (mode & S_IFMT) | ((mode & 07777) & ~Umask()));
}

SysResult<void> Vfs::Unlink(long dirfd, const std::string& path, bool dir) {
  std::string name;
  Lookup p = TRY(ResolveParent(dirfd, path, &name));
  if (name == ".") return Errno{dir ? EINVAL : EISDIR};
  if (name == "..") return Errno{dir ? ENOTEMPTY : EISDIR};
  Child c = ChildOf(*this, p, name);
  if (c.mount->target == c.guest) return Errno{EBUSY};
  if (c.mount->fs->read_only) return Errno{EROFS};
  if (!dir && path.back() == '/') {
    auto st = c.mount->fs->Lstat(c.rel);
    if (st.ok()) return Errno{S_ISDIR(st->st_mode) ? EISDIR : ENOTDIR};
  }
  return c.mount->fs->Unlink(c.rel, dir);
}

SysResult<void> Vfs::Symlink(const std::string& target, long dirfd, const std::string& path) {
  if (target.empty()) return Errno{ENOENT};
  Child c = TRY(NewEntry(*this, dirfd, path));
  return c.mount->fs->Symlink(target, c.rel);
}

SysResult<void> Vfs::LinkFile(const FilePtr& f, long newdirfd, const std::string& newpath) {
  struct stat st{};
  TRY_VOID(f->Stat(&st));
  if (S_ISDIR(st.st_mode)) return Errno{EPERM};
  std::string name;
  Lookup p = TRY(ResolveParent(newdirfd, newpath, &name));
  if (name == "." || name == "..") return Errno{EEXIST};
  Child c = ChildOf(*this, p, name);
  if (c.mount->fs.get() != f->fs()) return Errno{EXDEV};
  if (c.mount->fs->read_only) return Errno{EROFS};
  return c.mount->fs->LinkFile(f, c.rel);
}

SysResult<void> Vfs::Link(long olddirfd, const std::string& oldpath, long newdirfd,
                          const std::string& newpath, bool follow) {
  Lookup src = TRY(Resolve(olddirfd, oldpath, follow ? kFollow : 0));
  if (src.magic) return LinkFile(src.magic, newdirfd, newpath);  // /proc/self/fd/N
  if (S_ISDIR(src.st.st_mode)) return Errno{EPERM};
  std::string name;
  Lookup p = TRY(ResolveParent(newdirfd, newpath, &name));
  if (name == "." || name == "..") return Errno{EEXIST};
  Child c = ChildOf(*this, p, name);
  if (c.mount != src.mount) return Errno{EXDEV};
  if (c.mount->fs->read_only) return Errno{EROFS};
  return c.mount->fs->Link(src.rel, c.rel);
}

SysResult<void> Vfs::Rename(long olddirfd, const std::string& oldpath, long newdirfd,
                            const std::string& newpath, unsigned flags) {
  if ((flags & kRenameExchange) && (flags & kRenameNoReplace)) return Errno{EINVAL};
  std::string n1, n2;
  Lookup p1 = TRY(ResolveParent(olddirfd, oldpath, &n1));
  Lookup p2 = TRY(ResolveParent(newdirfd, newpath, &n2));
  if (n1 == "." || n1 == ".." || n2 == "." || n2 == "..") return Errno{EBUSY};
  Child a = ChildOf(*this, p1, n1), b = ChildOf(*this, p2, n2);
  if (a.mount->target == a.guest || b.mount->target == b.guest) return Errno{EBUSY};
  if (a.mount != b.mount) return Errno{EXDEV};
  if (a.mount->fs->read_only) return Errno{EROFS};
  if (PathCovers(a.guest, b.guest) && a.guest != b.guest) return Errno{EINVAL};
  return a.mount->fs->Rename(a.rel, b.rel, flags);
}

SysResult<std::string> Vfs::Readlink(long dirfd, const std::string& path) {
  Lookup l = TRY(Resolve(dirfd, path, 0));
  if (!S_ISLNK(l.st.st_mode)) return Errno{EINVAL};
  std::string target = TRY(l.mount->fs->Readlink(l.rel));
  // readlink(2) of a magic link: Linux writes its target into a PATH_MAX
  // buffer (d_path), so a deeper one has no answer. The walk follows such
  // a link whatever its depth (Linux never names it there).
  if (target.size() + 1 > PATH_MAX && l.mount->fs->IsMagicLink(l.rel)) return Errno{ENAMETOOLONG};
  return target;
}

std::string Vfs::RealPath(const std::string& path) {
  auto l = Resolve(AT_FDCWD, path, kFollow);
  return l.ok() ? l->guest : path;
}

namespace {

const char* HostFsType(long magic) {
  switch (magic) {
    case EXT4_SUPER_MAGIC: return "ext4";
    case TMPFS_MAGIC: return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlay";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case XFS_SUPER_MAGIC: return "xfs";
    default: return nullptr;
  }
}

}  // namespace

std::string Vfs::MountsText(bool mountinfo) {
  std::string out;
  int id = 20;
  for (const auto& m : mounts_) {
    std::string type = m->fs->type();
    if (type == "host") {
      struct statfs sf;
      const char* t = m->fs->Statfs("", &sf).ok() ? HostFsType(static_cast<long>(sf.f_type)) : nullptr;
      type = t ? t : "hostfs";
    }
    const char* opts = m->fs->read_only ? "ro" : "rw";
    char line[1024];
    if (mountinfo)
      std::snprintf(line, sizeof(line), "%d %d 0:%d / %s %s,relatime - %s %s %s\n", id,
                    m->target == "/" ? 1 : 20, id, m->target.c_str(), opts, type.c_str(),
                    m->source.c_str(), opts);
    else
      std::snprintf(line, sizeof(line), "%s %s %s %s,relatime 0 0\n", m->source.c_str(),
                    m->target.c_str(), type.c_str(), opts);
    out += line;
    id++;
  }
  return out;
}

}  // namespace junction::libos::fs
