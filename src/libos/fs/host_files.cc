#include "libos/fs/host_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include <cstdlib>
#include <vector>

#include "libos/host/host.h"

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
