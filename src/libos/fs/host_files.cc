#include "libos/fs/host_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "libos/fs/fd_table.h"
#include "libos/fs/path.h"
#include "libos/fs/shared_shm.h"
#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/process.h"

namespace junction::libos::fs {

namespace {

std::string g_root = "/";
bool g_adopted = false;

// Every descriptor open before the VFS opens its own came from whoever
// started junction.
void AdoptNow() {
  if (g_adopted) return;
  g_adopted = true;
  std::vector<int> fds;
  long dir = host::Syscall(SYS_openat, AT_FDCWD, host::L("/proc/self/fd"),
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    fds = {0, 1, 2};
  } else {
    char buf[4096];
    for (;;) {
      long n = host::Syscall(SYS_getdents64, dir, host::L(buf), sizeof(buf));
      if (n <= 0) break;
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        if (d->d_name[0] != '.') {
          int fd = std::atoi(d->d_name);
          if (fd != dir) fds.push_back(fd);
        }
        off += d->d_reclen;
      }
    }
    host::Syscall(SYS_close, dir);
  }
  for (int fd : fds) {
    long fl = host::Syscall(SYS_fcntl, fd, F_GETFL);
    if (fl < 0) continue;
    char link[64], target[PATH_MAX];
    std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(link), host::L(target), sizeof(target) - 1);
    std::string path = n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
    if (g_root != "/" && PathCovers(g_root, path)) path = "/" + PathBelow(g_root, path);
    auto f = std::make_shared<HostFile>(static_cast<int>(fl), path, fd);
    (void)FdTable::Get().InsertAt(fd, f, false);
  }
}

}  // namespace

void SetRoot(const std::string& root) {
  g_root = root.empty() ? "/" : root;
  while (g_root.size() > 1 && g_root.back() == '/') g_root.pop_back();
  AdoptNow();
  std::string failed;
  const config::AppConfig* cfg = CurrentProcess().config;
  auto r = Vfs::Get().Init(cfg, g_root, &failed);
  if (!r.ok()) {
    std::fprintf(stderr, "junction run: %s%s%s: %s\n", cfg ? cfg->source_path.c_str() : "",
                 cfg ? ": " : "", failed.c_str(), std::strerror(r.error()));
    RemoveSharedShmDir();  // made for the container that does not start
    std::exit(1);
  }
}

std::string HostPath(const std::string& path) {
  if (g_root == "/" || path.empty() || path[0] != '/') return path;
  return g_root + path;
}

std::string GuestRealPath(const std::string& path) { return Vfs::Get().RealPath(path); }

bool IsGuestFd(long fd) { return FdTable::Get().Lookup(fd) != nullptr; }

void AdoptInheritedFds() { AdoptNow(); }

}  // namespace junction::libos::fs
