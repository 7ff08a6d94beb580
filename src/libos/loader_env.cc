#include "libos/loader_env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"

namespace junction::libos {

SysResult<int> GuestLoaderEnv::Open(const std::string& path, bool for_exec) {
  std::string hp = fs::HostPath(path);
  long fd = host::Syscall(SYS_openat, AT_FDCWD, host::L(hp.c_str()), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno{static_cast<int>(-fd)};
  struct stat st;
  if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) {
    host::Syscall(SYS_close, fd);
    return Errno{EIO};
  }
  if (for_exec) {
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode) ||
        host::Syscall(SYS_faccessat, AT_FDCWD, host::L(hp.c_str()), X_OK) < 0) {
      host::Syscall(SYS_close, fd);
      return Errno{EACCES};
    }
  }
  return static_cast<int>(fd);
}

SysResult<size_t> GuestLoaderEnv::Pread(int fd, void* buf, size_t len, uint64_t off) {
  long n = host::Syscall(SYS_pread64, fd, host::L(buf), host::L(len), host::L(off));
  if (n < 0) return Errno{static_cast<int>(-n)};
  return static_cast<size_t>(n);
}

SysResult<uint64_t> GuestLoaderEnv::FileSize(int fd) {
  struct stat st;
  long r = host::Syscall(SYS_fstat, fd, host::L(&st));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return static_cast<uint64_t>(st.st_size);
}

void GuestLoaderEnv::Close(int fd) { host::Syscall(SYS_close, fd); }

SysResult<uintptr_t> GuestLoaderEnv::Map(uintptr_t addr, size_t len, int prot, int flags, int fd,
                                         uint64_t off, const std::string& name) {
  return AddressSpace::Get().Mmap(addr, len, prot, flags, fd, off, name);
}

SysResult<void> GuestLoaderEnv::Protect(uintptr_t addr, size_t len, int prot) {
  return AddressSpace::Get().Mprotect(addr, len, prot);
}

SysResult<void> GuestLoaderEnv::Unmap(uintptr_t addr, size_t len) {
  return AddressSpace::Get().Munmap(addr, len);
}

bool GuestLoaderEnv::IsExecutable(const std::string& path) {
  std::string hp = fs::HostPath(path);
  struct stat st;
  if (host::Syscall(SYS_newfstatat, AT_FDCWD, host::L(hp.c_str()), host::L(&st), 0) < 0) return false;
  return S_ISREG(st.st_mode) && host::Syscall(SYS_faccessat, AT_FDCWD, host::L(hp.c_str()), X_OK) == 0;
}

}  // namespace junction::libos
