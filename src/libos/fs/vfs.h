// The LibOS's view of the guest's file system: a mount table (container
// root, bind mounts, tmpfs, procfs, sysfs, devfs), the guest's working
// directory, and path resolution done by the LibOS, not the host.
//
// Resolution walks the path component by component over the mount table:
// `..` at the container root stays there, absolute symlinks restart at the
// container root, at most 40 symlinks are followed (ELOOP), and openat2's
// RESOLVE_* flags are honoured. Host-backed mounts are reached only through
// openat2(mount root fd, rel, RESOLVE_NO_SYMLINKS [| RESOLVE_BENEATH]), so a
// guest can never name a host path outside the mount. A path with no `..`
// on a host mount is first tried in one such host call (the fast path);
// a symlink on the way (ELOOP) sends it to the full walk, unless the
// symlinks it meets are known (fs/link_hints.h): then their links are read
// and the path they lead to is tried in one host call again.
//
// Locking: mounts are fixed after Init(); cwd_ is guarded by lock_ (leaf).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "libos/fs/fd_table.h"
#include "libos/fs/file.h"

namespace junction::libos::fs {

struct Mount {
  std::string target;  // guest path, canonical
  std::string source;  // for /proc/self/mounts
  std::unique_ptr<Filesystem> fs;
};

// Walk options.
inline constexpr unsigned kFollow = 1;        // follow a trailing symlink
inline constexpr unsigned kAllowMissing = 2;  // a missing last component is not an error (create)

// The result of resolving a path.
struct Lookup {
  Mount* mount = nullptr;
  std::string rel;     // path within mount->fs
  std::string guest;   // canonical guest path
  bool exists = false;
  bool followed_link = false;  // the last component came through a symlink
  struct stat st{};    // lstat of the result when it exists
  FilePtr magic;       // a followed /proc/self/fd/N link: the file itself
};

class Vfs {
 public:
  static Vfs& Get();
  // The Vfs once Init() has built its mount table, else null: for code on
  // the lazy path (no libc), which reads the table without a lock.
  static Vfs* Ready() { return __atomic_load_n(&ready_, __ATOMIC_ACQUIRE); }
  // The working directory copied to `out` (no NUL) and its length, or -1
  // if it is not known yet or does not fit: for the lazy path (no libc;
  // defined in syscalls/sys_path_lazy.cc).
  long CopyCwdLazy(char* out, size_t cap);

  // Host fork: held across the fork (the working directory may be mid-
  // update on another kthread); released in parent and child.
  void ForkLock() { lock_.lock(); }
  void ForkUnlock() { lock_.unlock(); }

  // Builds the mount table from the app config (root, mounts) and the
  // LibOS file systems. `host_root` is the container root on the host.
  // On an error, `*failed` (if given) names what failed: the config key
  // and value, or the host directory.
  SysResult<void> Init(const config::AppConfig* cfg, const std::string& host_root,
                       std::string* failed = nullptr);
  bool initialized() const { return !mounts_.empty(); }
  const std::string& host_root() const { return host_root_; }
  const std::vector<std::unique_ptr<Mount>>& mounts() const { return mounts_; }

  // Resolves `path` relative to `dirfd` (AT_FDCWD: the working directory).
  // `resolve` takes openat2's RESOLVE_* bits.
  SysResult<Lookup> Resolve(long dirfd, const std::string& path, unsigned flags,
                            uint64_t resolve = 0);
  // Resolves everything but the last component: the parent directory and
  // the name in it ("." / ".." are returned as names).
  SysResult<Lookup> ResolveParent(long dirfd, const std::string& path, std::string* name);

  SysResult<FilePtr> Open(long dirfd, const std::string& path, int flags, unsigned mode,
                          uint64_t resolve = 0);
  SysResult<void> Mkdir(long dirfd, const std::string& path, unsigned mode);
  // O_TMPFILE in directory `path`.
  SysResult<FilePtr> OpenTmpfile(long dirfd, const std::string& path, int flags, unsigned mode);
  // mknodat: `mode` holds the file type (S_IFIFO, S_IFSOCK, S_IFREG).
  SysResult<void> Mknod(long dirfd, const std::string& path, unsigned mode);
  SysResult<void> Unlink(long dirfd, const std::string& path, bool dir);
  SysResult<void> Symlink(const std::string& target, long dirfd, const std::string& path);
  // A name for an open file (linkat AT_EMPTY_PATH).
  SysResult<void> LinkFile(const FilePtr& f, long newdirfd, const std::string& newpath);
  SysResult<void> Link(long olddirfd, const std::string& oldpath, long newdirfd,
                       const std::string& newpath, bool follow);
  SysResult<void> Rename(long olddirfd, const std::string& oldpath, long newdirfd,
                         const std::string& newpath, unsigned flags);
  SysResult<std::string> Readlink(long dirfd, const std::string& path);

  std::string cwd();
  SysResult<void> Chdir(const Lookup& dir);
  // unshare(CLONE_FS) in a thread of several: from now on the calling
  // thread has its own working directory, a copy of the one it had
  // (Linux's copy of fs_struct; the umask stays the process's).
  void UnshareCwd();
  // The canonical guest path of `path` (symlinks resolved); `path` itself
  // if it cannot be resolved.
  std::string RealPath(const std::string& path);
  // The mount holding canonical guest path `guest`.
  Mount* MountFor(const std::string& guest);
  // /proc/self/mounts (or mountinfo) text.
  std::string MountsText(bool mountinfo);

 private:
  SysResult<std::string> StartDir(long dirfd);
  // `links` symlinks already followed on the way to `path`, the last
  // component through one if `last_from_link` (FollowKnownLinks).
  SysResult<Lookup> Walk(const std::string& start, const std::string& path, unsigned flags,
                         uint64_t resolve, int links = 0, bool last_from_link = false);
  // On success `guest` moves into the result.
  SysResult<Lookup> FastLookup(std::string& guest, unsigned flags);
  // After a host walk of canonical guest path `guest` met a symlink: the
  // path with the hinted symlinks at its front replaced by their links as
  // read now (the last component only if `follow_last`), which resolves as
  // `guest` does; nothing if no hint applied. *links counts the links
  // followed; *last_from_link is set if the last component came through one.
  std::optional<std::string> FollowKnownLinks(const std::string& guest, bool follow_last, int* links,
                                              bool* last_from_link);
  // Resolve's fast lookup of `guest` again after FollowKnownLinks, or the
  // walk of the path it gave.
  SysResult<Lookup> ResolveKnownLinks(const std::string& guest, unsigned flags, bool* tried);
  static bool NameBelowTopMount(const Mount* m, const std::string& guest);
  void InitCwd();
  void MountRootStat(Mount* m, struct stat* st);

  std::vector<std::unique_ptr<Mount>> mounts_;  // longest target last
  std::string host_root_ = "/";
  // Static (there is one Vfs), in the fork-written page: every fork takes
  // and drops it in both processes (vfs_instance.cc).
  static SpinLock lock_;
  std::string cwd_;  // guarded by lock_
  bool cwd_init_ = false;
  // The working directories of threads that unshared theirs (UnshareCwd),
  // by uthread; guarded by lock_.
  std::map<const void*, std::string>* thread_cwds_ = nullptr;
  // The calling thread's own working directory, or null (lock_ held).
  std::string* ThreadCwd_locked();
  static inline Vfs* ready_ = nullptr;
};

// File systems (host_fs.cc, tmpfs.cc, procfs.cc).
// `type` is what /proc/self/mounts says ("tmpfs" for the shared /dev/shm).
std::unique_ptr<Filesystem> MakeHostFs(const std::string& host_dir, bool read_only, int* err,
                                       const char* type = "host");
std::unique_ptr<Filesystem> MakeTmpfs(uint64_t size_limit);
// A config tmpfs mount shared by the container's processes: host directory
// `host_dir`, listed as tmpfs, `size_limit` (0: none) kept across them
// (fs/shared_tmpfs.h).
std::unique_ptr<Filesystem> MakeSharedTmpfs(const std::string& host_dir, uint64_t size_limit, int* err);
std::unique_ptr<Filesystem> MakeProcfs();
std::unique_ptr<Filesystem> MakeSysfs();
std::unique_ptr<Filesystem> MakeDevfs();
// True if a host-backed file system (fast path eligible).
bool IsHostFs(const Filesystem* fs);
// Fast path of a host fs: opens `rel` with RESOLVE_NO_SYMLINKS; a
// symlink on the way gives ELOOP (the caller then walks). On success the
// file takes *guest_path (moved) as its path.
// The lazy open's host descriptor `fd` of `rel` on host file system `fs`,
// opened non-blocking as HostFs opens one, made the guest's description
// (a FIFO opened for reading waits for its writer first).
SysResult<FilePtr> HostFsAdoptOpen(Filesystem* fs, const char* rel, int flags, long fd, bool ignores_nonblock,
                                   std::string guest_path);
SysResult<FilePtr> HostFsOpenFast(Filesystem* fs, const char* rel, int flags, unsigned mode,
                                  std::string* guest_path);

// The guest's argv and environment (/proc/self/cmdline, environ).
void SetProcessArgs(const std::vector<std::string>& argv, const std::vector<std::string>& envp);

}  // namespace junction::libos::fs
