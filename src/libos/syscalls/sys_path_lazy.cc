// stat, lstat, newfstatat, statx, open and openat on the lazy path (kLazy): an
// absolute path, or one relative to the working directory, that is
// canonical (no ".", "..", "//" or trailing '/') and on a host mount, in
// guest memory this kthread knows, takes the host calls the
// VFS's fast path makes (Vfs::FastLookup and HostFs::Lstat; Vfs::Open and
// HostFs::OpenGuest) on the guest's registers: no XSAVE/XRSTOR, no %fs
// switch, no string copies, and for an open of a regular file or directory
// a description a lazy close gave up (FdTable::LazyInsertHostFile). A
// symlink on the way (ELOOP), a trailing symlink to follow, a relative
// path, or anything else takes the full handler (sys_file.cc), which
// gives the same answers; an open whose host call succeeded but which
// cannot finish here (a FIFO, a device, nothing to reuse) finishes in the
// LibOS with that descriptor (HostFsAdoptOpen). Built with
// -mgeneral-regs-only: no libc.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <climits>

#include "libos/entry/libos_context.h"
#include "libos/entry/safe_copy.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/host_fd_kind.h"
#include "libos/fs/path_words.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/syscalls/handlers.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

// No stat or open returns it (an open may return 1: a guest that closed
// its stdout gets descriptor 1 from the next open).
constexpr long kNotLazy = LONG_MIN;

// Copies the NUL-terminated guest string at `addr` into `out` (at most
// `cap` bytes with the NUL) if it lies in one guest VMA this kthread knows;
// its length, or -1 (also when reading it faulted: the full handler then
// says EFAULT). Each byte is read once (another guest thread may be
// changing the string); from an 8-byte boundary on, a word at a time,
// which never crosses into a page the string does not reach
// (entry/safe_copy.S; e2e.fs_path_page_end, e2e.sys_guest_fault_copy).
long CopyKnownGuestString(const ThreadState* ts, uintptr_t addr, char* out, size_t cap) {
  const ThreadState::GuestRange* r = KnownGuestRange(ts, addr, 1, PROT_READ);
  if (!r) return -1;
  size_t avail = r->end - addr;
  if (avail > cap) avail = cap;
  long n = SafeCopyString(out, reinterpret_cast<const char*>(addr), avail);
  return n >= 0 && static_cast<size_t>(n) < avail ? n : -1;
}

// The mount `path` lies in (Vfs::MountFor: the longest covering target)
// and, in *rel, the part below it ("" for the mount point itself).
const fs::Mount* MountOf(const fs::Vfs& vfs, const char* path, size_t len, const char** rel) {
  const auto& mounts = vfs.mounts();
  for (size_t k = mounts.size(); k-- > 0;) {
    const fs::Mount* m = mounts[k].get();
    const char* t = m->target.data();
    size_t tl = m->target.size();
    if (tl == 1) {  // "/"
      *rel = path + 1;
      return m;
    }
    if (len < tl || (len > tl && path[tl] != '/')) continue;
    size_t i = 0;
    while (i < tl && t[i] == path[i]) i++;
    if (i < tl) continue;
    *rel = len == tl ? path + len : path + tl + 1;
    return m;
  }
  return nullptr;
}

bool HasSlash(const char* s) {
  for (; *s; s++)
    if (*s == '/') return true;
  return false;
}

// openat2 of `rel` below the mount's root descriptor with `flags`, never
// through a symlink (HostFs's HowOf: no RESOLVE_BENEATH for a path without
// ".."), retried while the kernel says EAGAIN (a rename raced the walk).
long OpenBelowRoot(ThreadState* ts, int root_fd, const char* rel, uint64_t flags) {
  struct open_how how = {};
  how.flags = flags;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = LazyHostCall(ts, SYS_openat2, root_fd, host::L(rel), host::L(&how), sizeof(how));
  } while (fd == -EAGAIN);
  return fd;
}

// The full handler runs next: it must not find the guest's buffers
// unknown again on the next call, so their VMAs are learnt now.
void LearnGuestRange(ThreadState* ts, long addr, size_t len, int prot) {
  if (!KnownGuestRange(ts, static_cast<uintptr_t>(addr), len, prot))
    RememberGuestVma(ts, static_cast<uintptr_t>(addr));
}

// The result into the guest's buffer with the fault-tolerant copy
// (entry/safe_copy.S; general registers only): EFAULT if the buffer
// faults although its VMA allows the store, as Linux.
template <typename T>
long CopyToGuest(long dst, const T& v) {
  return SafeCopy(reinterpret_cast<void*>(dst), &v, sizeof(T)) ? 0 : -EFAULT;
}

// HostFs::Lstat on the mount's root descriptor: the root itself, a name
// directly below it (one newfstatat, which cannot cross a symlink), or
// openat2(O_PATH, RESOLVE_NO_SYMLINKS) and fstat of the descriptor. `rel`
// has no ".." (canonical), so no RESOLVE_BENEATH (host_fs.cc says why).
long HostLstat(ThreadState* ts, int root_fd, const char* rel, struct stat* st) {
  if (!*rel) return LazyHostCall(ts, SYS_fstat, root_fd, host::L(st));
  if (!HasSlash(rel)) return LazyHostCall(ts, SYS_newfstatat, root_fd, host::L(rel), host::L(st), AT_SYMLINK_NOFOLLOW);
  long fd = OpenBelowRoot(ts, root_fd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fd;
  long r = LazyHostCall(ts, SYS_fstat, fd, host::L(st));
  LazyHostCall(ts, SYS_close, fd);
  return r;
}

// HostLstat's calls for statx (sys_file.cc's statx asks the host about an
// O_PATH descriptor of the resolved path): `sync` is the guest's
// AT_STATX_SYNC_TYPE bits, `mask` its request.
long HostStatx(ThreadState* ts, int root_fd, const char* rel, int sync, unsigned mask, struct statx* sx) {
  if (!*rel) return LazyHostCall(ts, SYS_statx, root_fd, host::L(""), AT_EMPTY_PATH | sync, mask, host::L(sx));
  if (!HasSlash(rel))
    return LazyHostCall(ts, SYS_statx, root_fd, host::L(rel), AT_SYMLINK_NOFOLLOW | sync, mask, host::L(sx));
  long fd = OpenBelowRoot(ts, root_fd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return fd;
  long r = LazyHostCall(ts, SYS_statx, fd, host::L(""), AT_EMPTY_PATH | sync, mask, host::L(sx));
  LazyHostCall(ts, SYS_close, fd);
  return r;
}

// The host mount and the path below it for a lazy call on the guest path
// at `path_addr` (as an absolute path in `path`, with its length in *len),
// or null: a path in guest memory this kthread knows, absolute or (with
// `dirfd` AT_FDCWD) relative to the working directory, that is canonical
// once joined (Vfs::Resolve's start + "/" + path) and on a host mount.
const fs::Mount* LazyHostMount(ThreadState* ts, long dirfd, long path_addr, char (&path)[PATH_MAX],
                               size_t* len, const char** rel) {
  fs::Vfs* vfs = fs::Vfs::Ready();
  if (!vfs) return nullptr;
  long n = CopyKnownGuestString(ts, static_cast<uintptr_t>(path_addr), path, sizeof(path));
  if (n <= 0) return nullptr;
  if (path[0] != '/') {
    if (static_cast<int>(dirfd) != AT_FDCWD) return nullptr;
    char cwd[PATH_MAX];
    long c = vfs->CopyCwdLazy(cwd, sizeof(cwd));
    if (c <= 0) return nullptr;
    size_t shift = static_cast<size_t>(c) + (c > 1);  // "/dir" + "/", or "/"
    if (shift + static_cast<size_t>(n) >= sizeof(path)) return nullptr;
    // volatile: GCC would make these loops calls to libc's memmove/memcpy.
    volatile char* out = path;
    for (size_t i = static_cast<size_t>(n) + 1; i-- > 0;) out[i + shift] = path[i];  // with the NUL
    for (size_t i = 0; i < static_cast<size_t>(c); i++) out[i] = cwd[i];
    out[shift - 1] = '/';
    n += static_cast<long>(shift);
  }
  if (!fs::IsCanonicalAbsoluteByWords(path, static_cast<size_t>(n))) return nullptr;
  *len = static_cast<size_t>(n);
  const fs::Mount* m = MountOf(*vfs, path, *len, rel);
  if (!m || !m->fs->host_backed || m->fs->host_root_fd < 0) return nullptr;
  return m;
}

// LazyHostMount for a call that writes a `size`-byte result to the guest's
// `buf`, or null: `buf` must be guest memory this kthread knows.
const fs::Mount* LazyResultMount(ThreadState* ts, long dirfd, long path_addr, long buf, size_t size,
                                 char (&path)[PATH_MAX], const char** rel) {
  if (!KnownGuestRange(ts, static_cast<uintptr_t>(buf), size, PROT_WRITE)) return nullptr;
  size_t len;
  return LazyHostMount(ts, dirfd, path_addr, path, &len, rel);
}

// stat of `path_addr` into the guest's `buf`, or kNotLazy. Inlined into
// the handlers, as OpenLazy: its return after the host calls would
// mispredict, and so would the handler's then (LazyHostCall).
[[gnu::always_inline]] inline long StatLazy(long dirfd, long path_addr, long buf, long flags) {
  if (flags & ~static_cast<long>(AT_SYMLINK_NOFOLLOW)) return kNotLazy;
  ThreadState* ts = CurrentThread();
  char path[PATH_MAX];
  const char* rel;
  const fs::Mount* m = LazyResultMount(ts, dirfd, path_addr, buf, sizeof(struct stat), path, &rel);
  if (!m) return kNotLazy;
  struct stat st;
  long r = HostLstat(ts, m->fs->host_root_fd, rel, &st);
  // A symlink on the way, or one to follow at the end: the full walk.
  if (r == -ELOOP || r == -EXDEV) return kNotLazy;
  if (r < 0) return r;
  if (S_ISLNK(st.st_mode) && !(flags & AT_SYMLINK_NOFOLLOW)) return kNotLazy;
  return CopyToGuest(buf, st);
}

long StatOrFull(const SyscallArgs& a, long dirfd, long path_addr, long buf, long flags, SyscallHandler full) {
  long r = StatLazy(dirfd, path_addr, buf, flags);
  if (r != kNotLazy) return r;
  ThreadState* ts = CurrentThread();
  EnterLibos(ts);
  LearnGuestRange(ts, path_addr, 1, PROT_READ);
  LearnGuestRange(ts, buf, sizeof(struct stat), PROT_WRITE);
  return full(a);
}

// statx of `path_addr` into the guest's `buf`, or kNotLazy (inlined, as
// StatLazy).
[[gnu::always_inline]] inline long StatxLazy(long dirfd, long path_addr, long flags, long mask, long buf) {
  constexpr long kSync = AT_STATX_SYNC_TYPE;
  if ((flags & ~static_cast<long>(AT_SYMLINK_NOFOLLOW | kSync)) || (flags & kSync) == kSync ||
      (static_cast<unsigned>(mask) & STATX__RESERVED))
    return kNotLazy;  // including the errors: the full handler gives them
  ThreadState* ts = CurrentThread();
  char path[PATH_MAX];
  const char* rel;
  const fs::Mount* m = LazyResultMount(ts, dirfd, path_addr, buf, sizeof(struct statx), path, &rel);
  if (!m) return kNotLazy;
  struct statx sx;
  long r = HostStatx(ts, m->fs->host_root_fd, rel, static_cast<int>(flags & kSync), static_cast<unsigned>(mask), &sx);
  if (r == -ELOOP || r == -EXDEV) return kNotLazy;
  if (r < 0) return r;
  if (S_ISLNK(sx.stx_mode) && !(flags & AT_SYMLINK_NOFOLLOW)) return kNotLazy;
  return CopyToGuest(buf, sx);
}

long StatxOrFull(const SyscallArgs& a) {
  long r = StatxLazy(a.a[0], a.a[1], a.a[2], a.a[3], a.a[4]);
  if (r != kNotLazy) return r;
  ThreadState* ts = CurrentThread();
  EnterLibos(ts);
  LearnGuestRange(ts, a.a[1], 1, PROT_READ);
  LearnGuestRange(ts, a.a[4], sizeof(struct statx), PROT_WRITE);
  return Sys_statx(a);
}

// Opens that may take the lazy path: read-only, nothing that creates,
// truncates or changes how the host open behaves.
constexpr int kLazyOpenFlags = O_CLOEXEC | O_LARGEFILE | O_NOCTTY;

// open/openat of `path_addr`, or kNotLazy (nothing done). Inlined into
// the handlers: after a host call every function return mispredicts
// (libos_context.h, LazyHostCall), so the open's calls are made one level
// higher.
[[gnu::always_inline]] inline long OpenLazy(long dirfd, long path_addr, long flags) {
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & ~static_cast<long>(O_ACCMODE | kLazyOpenFlags)))
    return kNotLazy;
  ThreadState* ts = CurrentThread();
  char path[PATH_MAX];
  size_t len;
  const char* rel;
  const fs::Mount* m = LazyHostMount(ts, dirfd, path_addr, path, &len, &rel);
  // At the descriptor limit the full path fails first, opening nothing
  // (a FIFO's reader would count for a moment).
  if (!m || m->fs->quota || !fs::FdTable::Get().LazyHasRoom()) return kNotLazy;
  // HostFs::OpenGuest's non-blocking open.
  const char* p = *rel ? rel : ".";
  long fd = OpenBelowRoot(ts, m->fs->host_root_fd, p, static_cast<uint64_t>(flags | O_NONBLOCK | O_CLOEXEC));
  if (fd == -ELOOP || fd == -EXDEV) return kNotLazy;  // a symlink on the way: the walk
  if (fd < 0) return fd;
  bool ignores_nonblock = fs::HostFdIgnoresNonblockLazy(fd);
  int guest_flags = static_cast<int>(flags & ~O_CLOEXEC);  // as HostFs::GuestFile keeps them
  bool cloexec = flags & O_CLOEXEC;
  if (ignores_nonblock) {
    int gfd = fs::FdTable::Get().LazyInsertHostFile(static_cast<int>(fd), guest_flags, cloexec, m->fs.get(),
                                                    path, len);
    if (gfd >= 0) return gfd;
  }
  // Finished in the LibOS with this descriptor.
  EnterLibos(ts);
  auto f = fs::HostFsAdoptOpen(m->fs.get(), p, static_cast<int>(flags), fd, ignores_nonblock,
                               std::string(path, len));
  if (!f.ok()) return -static_cast<long>(f.error());
  auto gfd = fs::FdTable::Get().Insert(*f, cloexec);
  return gfd.ok() ? *gfd : -static_cast<long>(gfd.error());
}

long OpenOrFull(const SyscallArgs& a, long dirfd, long path_addr, long flags, SyscallHandler full) {
  long r = OpenLazy(dirfd, path_addr, flags);
  if (r != kNotLazy) return r;
  ThreadState* ts = CurrentThread();
  EnterLibos(ts);
  LearnGuestRange(ts, path_addr, 1, PROT_READ);
  return full(a);
}

}  // namespace

namespace fs {

// Here, not in vfs.cc: it runs on the lazy path (vector-free).
long Vfs::CopyCwdLazy(char* out, size_t cap) {
  long n = -1;
  // A thread with its own working directory takes the slow path.
  auto* u = static_cast<const sched::Uthread*>(CurrentThread()->current);
  if (u && u->private_cwd) return -1;
  lock_.lock();
  if (cwd_init_ && cwd_.size() < cap) {
    const char* c = cwd_.data();
    volatile char* to = out;  // not turned into a memcpy call
    for (size_t i = 0; i < cwd_.size(); i++) to[i] = c[i];
    n = static_cast<long>(cwd_.size());
  }
  lock_.unlock();
  return n;
}

}  // namespace fs

JUNCTION_HANDLER(open_lazy) { return OpenOrFull(a, AT_FDCWD, a.a[0], a.a[1], Sys_open); }
JUNCTION_HANDLER(openat_lazy) { return OpenOrFull(a, a.a[0], a.a[1], a.a[2], Sys_openat); }

JUNCTION_HANDLER(stat_lazy) { return StatOrFull(a, AT_FDCWD, a.a[0], a.a[1], 0, Sys_stat); }
JUNCTION_HANDLER(lstat_lazy) { return StatOrFull(a, AT_FDCWD, a.a[0], a.a[1], AT_SYMLINK_NOFOLLOW, Sys_lstat); }
// dirfd counts only for a relative path (as on Linux), and only AT_FDCWD is taken here.
JUNCTION_HANDLER(newfstatat_lazy) { return StatOrFull(a, a.a[0], a.a[1], a.a[2], a.a[3], Sys_newfstatat); }
JUNCTION_HANDLER(statx_lazy) { return StatxOrFull(a); }

}  // namespace junction::libos
