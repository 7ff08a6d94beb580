#include "libos/net/junction_own_sockets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <string>

#include "config/socket_path.h"
#include "libos/host/host.h"
#include "libos/process.h"

namespace junction::libos::net {

namespace {

bool HostStat(const char* path, struct stat* st) {
  return host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(path), host::L(st), 0) == 0;
}

bool SameFile(const struct stat& a, const char* path) {
  struct stat b{};
  return HostStat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// On the host's /dev/shm: when it is a filesystem of its own, any file on
// that device (a bind mount of it has the same device); otherwise a host
// path under its junction-shm-* directories.
bool OnJunctionShm(int fd, const struct stat& st) {
  struct stat shm{}, root{};
  if (HostStat("/dev/shm", &shm) && HostStat("/", &root) && shm.st_dev != root.st_dev)
    return st.st_dev == shm.st_dev;
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  char buf[4096];
  long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(link.c_str()), host::L(buf), sizeof(buf) - 1);
  if (n <= 0) return false;
  return std::string(buf, static_cast<size_t>(n)).starts_with("/dev/shm/junction-shm-");
}

}  // namespace

bool IsJunctionOwnSocket(int fd) {
  struct stat st{};
  // Unknown: refused, as before host socket files could be reached.
  if (host::Syscall(SYS_fstat, fd, host::L(&st)) != 0) return true;
  const config::AppConfig* cfg = CurrentProcess().config;
  if (cfg && cfg->daemon_socket && SameFile(st, cfg->daemon_socket->c_str())) return true;
  if (SameFile(st, config::kDefaultControlSocket)) return true;
  return OnJunctionShm(fd, st);
}

}  // namespace junction::libos::net
