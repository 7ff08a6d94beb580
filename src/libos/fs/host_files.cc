#include "libos/fs/host_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/syscall.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libos/host/host.h"
#include "libos/mm/address_space.h"

namespace junction::libos::fs {

namespace {

std::string g_root = "/";
// Ownership of each descriptor number: 1 = the guest's, 2 = the LibOS's.
std::vector<uint8_t>& Owners() {
  static auto* v = new std::vector<uint8_t>(4096, 0);
  return *v;
}

}  // namespace

void SetRoot(const std::string& root) {
  g_root = root;
  while (g_root.size() > 1 && g_root.back() == '/') g_root.pop_back();
}

std::string HostPath(const std::string& path) {
  if (g_root == "/" || path.empty() || path[0] != '/') return path;
  return g_root + path;
}

std::string GuestRealPath(const std::string& path) {
  // The kernel resolves it for us: open an O_PATH descriptor and read its
  // /proc/self/fd link (only calls on the LibOS's allow-list).
  std::string hp = HostPath(path);
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(hp.c_str()), O_PATH | O_CLOEXEC);
  if (fd < 0) return path;
  char link[64], resolved[PATH_MAX];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
  long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(link), host::L(resolved),
                         sizeof(resolved) - 1);
  host::Syscall(SYS_close, fd);
  if (n <= 0) return path;
  std::string r(resolved, static_cast<size_t>(n));
  if (g_root != "/" && r.compare(0, g_root.size(), g_root) == 0) {
    r.erase(0, g_root.size());
    if (r.empty()) r = "/";
  }
  return r;
}

bool IsGuestFd(long fd) {
  auto& o = Owners();
  return fd >= 0 && static_cast<size_t>(fd) < o.size() && o[static_cast<size_t>(fd)] == 1;
}

static void SetOwner(int fd, uint8_t v) {
  if (fd < 0) return;
  auto& o = Owners();
  if (static_cast<size_t>(fd) >= o.size()) o.resize(static_cast<size_t>(fd) * 2, 0);
  o[static_cast<size_t>(fd)] = v;
}

void MarkGuestFd(int fd) { SetOwner(fd, 1); }
void MarkLibosFd(int fd) { SetOwner(fd, 2); }
void ForgetFd(int fd) { SetOwner(fd, 0); }

long OpenGeneratedFile(const std::string& path, int flags) {
  std::string own = "/proc/" + std::to_string(host::Syscall(SYS_getpid)) + "/maps";
  if (path != "/proc/self/maps" && path != "/proc/thread-self/maps" && path != own)
    return -ENOENT;
  if ((flags & O_ACCMODE) != O_RDONLY) return -EACCES;
  std::string text = AddressSpace::Get().FormatMaps();
  long fd = host::Syscall(SYS_memfd_create, host::L("maps"),
                          MFD_ALLOW_SEALING | ((flags & O_CLOEXEC) ? MFD_CLOEXEC : 0));
  if (fd < 0) return fd;
  host::WriteAll(static_cast<int>(fd), text.data(), text.size());
  host::Syscall(SYS_lseek, fd, 0, SEEK_SET);
  host::Syscall(SYS_fcntl, fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  MarkGuestFd(static_cast<int>(fd));
  return fd;
}

void AdoptInheritedFds() {
  // Every descriptor open now came from whoever started junction.
  long dir = host::Syscall(SYS_openat, AT_FDCWD, host::L("/proc/self/fd"),
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    for (int fd = 0; fd < 3; fd++) MarkGuestFd(fd);
    return;
  }
  char buf[4096];
  for (;;) {
    long n = host::Syscall(SYS_getdents64, dir, host::L(buf), sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      if (d->d_name[0] != '.') {
        int fd = std::atoi(d->d_name);
        if (fd != dir) MarkGuestFd(fd);
      }
      off += d->d_reclen;
    }
  }
  host::Syscall(SYS_close, dir);
}

}  // namespace junction::libos::fs
