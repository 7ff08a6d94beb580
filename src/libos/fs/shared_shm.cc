#include "libos/fs/shared_shm.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

constexpr const char kHostShm[] = "/dev/shm";
constexpr const char kPrefix[] = "junction-shm-";
constexpr int kMaxDepth = 256;  // deeper trees are left (and the directory with them)
constexpr long kMaxDescents = 1 << 16;  // EmptyDir's bound

char g_dir[96];       // the container's directory, "" if none
char g_shm[112];      // g_dir/shm: the guest's /dev/shm
char g_sockets[112];  // g_dir/sock: shared unix sockets' host files
char g_sysv[112];     // g_dir/sysv: System V shared memory segments' host files

// Empties directory `dir` (a descriptor, closed here), depth first without
// recursion: one buffer and a descriptor per level, so config tmpfs mounts
// (build trees) as deep as kMaxDepth go too. A subdirectory is removed
// once empty: its parent is read again from the start after each descent
// (offsets may shift with removals). A subdirectory that stays non-empty
// (a guest's chmod 0500 in it) is entered again on each such reading, so
// the descents are bounded: a tree with more directories keeps the rest.
void EmptyDir(int dir) {
  alignas(8) char buf[2048];
  int fds[kMaxDepth + 1];
  int depth = 0;
  long descents = kMaxDescents;
  fds[0] = dir;
  while (depth >= 0) {
    int d = fds[depth];
    long n = host::Syscall(SYS_getdents64, d, host::L(buf), sizeof(buf));
    if (n <= 0) {  // done with this level
      host::Syscall(SYS_close, d);
      if (--depth >= 0) host::Syscall(SYS_lseek, fds[depth], 0, SEEK_SET);
      continue;
    }
    bool removed = false, descended = false;
    for (long off = 0; off < n && !descended;) {
      auto* e = reinterpret_cast<dirent64*>(buf + off);
      off += e->d_reclen;
      if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
      long r = host::Syscall(SYS_unlinkat, d, host::L(e->d_name), 0);
      if (r == -EISDIR) r = host::Syscall(SYS_unlinkat, d, host::L(e->d_name), AT_REMOVEDIR);
      if (r == -ENOTEMPTY && depth < kMaxDepth && descents-- > 0) {
        long sub = host::Syscall(SYS_openat, d, host::L(e->d_name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
          fds[++depth] = static_cast<int>(sub);
          descended = true;
        }
      }
      removed |= r == 0;
    }
    // Entries moved under us: read again from the start.
    if (removed && !descended) host::Syscall(SYS_lseek, d, 0, SEEK_SET);
  }
}

void RemoveTree(int parent, const char* name) {
  long d = host::Syscall(SYS_openat, parent, host::L(name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d >= 0) EmptyDir(static_cast<int>(d));
  host::Syscall(SYS_unlinkat, parent, host::L(name), AT_REMOVEDIR);
}

// Removes the directories of containers whose pid 1 (the host pid in the
// name) no longer exists; only ours (the host refuses others' anyway).
void SweepStale(int shm) {
  alignas(8) char buf[4096];
  uid_t uid = static_cast<uid_t>(host::Syscall(SYS_getuid));
  for (;;) {
    long n = host::Syscall(SYS_getdents64, shm, host::L(buf), sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<dirent64*>(buf + off);
      off += d->d_reclen;
      if (std::strncmp(d->d_name, kPrefix, sizeof(kPrefix) - 1)) continue;
      int pid = std::atoi(d->d_name + sizeof(kPrefix) - 1);
      if (pid <= 0 || host::Syscall(SYS_kill, pid, 0) != -ESRCH) continue;
      struct stat st{};
      if (host::Syscall(SYS_newfstatat, shm, host::L(d->d_name), host::L(&st), AT_SYMLINK_NOFOLLOW) < 0 ||
          !S_ISDIR(st.st_mode) || st.st_uid != uid)
        continue;
      RemoveTree(shm, d->d_name);
    }
  }
}

}  // namespace

std::string CreateSharedShmDir() {
  long shm = host::Syscall(SYS_openat, AT_FDCWD, host::L(kHostShm), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (shm < 0) return "";
  SweepStale(static_cast<int>(shm));
  host::Syscall(SYS_close, shm);
  long pid = host::Syscall(SYS_getpid);
  for (int tries = 0; tries < 8; tries++) {
    unsigned r = 0;
    host::Syscall(SYS_getrandom, host::L(&r), sizeof(r), GRND_NONBLOCK);
    std::snprintf(g_dir, sizeof(g_dir), "%s/%s%ld-%08x", kHostShm, kPrefix, pid, r);
    long m = host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(g_dir), 0700);
    if (m == -EEXIST) continue;
    if (m < 0) break;
    std::snprintf(g_shm, sizeof(g_shm), "%s/shm", g_dir);
    std::snprintf(g_sockets, sizeof(g_sockets), "%s/sock", g_dir);
    std::snprintf(g_sysv, sizeof(g_sysv), "%s/sysv", g_dir);
    if (host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(g_shm), 0700) == 0 &&
        host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(g_sockets), 0700) == 0 &&
        host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(g_sysv), 0700) == 0)
      return g_shm;
    RemoveTree(AT_FDCWD, g_dir);
    break;
  }
  g_dir[0] = g_shm[0] = g_sockets[0] = g_sysv[0] = 0;
  return "";
}

std::string CreateSharedTmpfsDir(int index, int* err) {
  *err = ENOENT;
  if (!g_dir[0]) return "";
  char dir[128];
  std::snprintf(dir, sizeof(dir), "%s/tmpfs-%d", g_dir, index);
  long m = host::Syscall(SYS_mkdirat, AT_FDCWD, host::L(dir), 01777);
  if (m < 0 && m != -EEXIST) {
    *err = static_cast<int>(-m);
    return "";
  }
  // The mode without the umask, like a tmpfs root.
  long c = host::Syscall(SYS_fchmodat, AT_FDCWD, host::L(dir), 01777);
  if (c < 0) {
    *err = static_cast<int>(-c);
    return "";
  }
  return dir;
}

const char* SharedShmDir() { return g_shm; }
const char* SharedSocketDir() { return g_sockets; }
const char* SharedSysvDir() { return g_sysv; }

void RemoveSharedShmDir() {
  if (!g_dir[0]) return;
  RemoveTree(AT_FDCWD, g_dir);
  g_dir[0] = g_shm[0] = g_sockets[0] = g_sysv[0] = 0;
}

}  // namespace junction::libos::fs
