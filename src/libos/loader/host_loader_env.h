// A LoaderEnv over the host's own files and address space: open/pread/mmap
// in this process. For unit tests and tools; the LibOS provides its own,
// which tracks VMAs and resolves paths against the container root.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "libos/loader/loader.h"

namespace junction::libos::loader {

class HostLoaderEnv : public LoaderEnv {
 public:
  struct Mapping {
    uintptr_t addr;
    size_t len;
    int prot;
    std::string name;
  };

  SysResult<int> Open(const std::string& path, bool for_exec) override {
    if (for_exec) {
      struct stat st;
      if (stat(path.c_str(), &st) != 0) return Errno{errno};
      if (!S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) return Errno{EACCES};
    }
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno{errno};
    return fd;
  }
  SysResult<size_t> Pread(int fd, void* buf, size_t len, uint64_t off) override {
    size_t done = 0;
    while (done < len) {
      ssize_t n = pread(fd, static_cast<char*>(buf) + done, len - done, off + done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Errno{errno};
      if (n == 0) break;
      done += n;
    }
    return done;
  }
  SysResult<uint64_t> FileSize(int fd) override {
    struct stat st;
    if (fstat(fd, &st) != 0) return Errno{errno};
    return static_cast<uint64_t>(st.st_size);
  }
  void Close(int fd) override { close(fd); }
  SysResult<uintptr_t> Map(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off,
                           const std::string& name) override {
    void* p = mmap(reinterpret_cast<void*>(addr), len, prot, flags, fd, off);
    if (p == MAP_FAILED) return Errno{errno};
    mappings.push_back({reinterpret_cast<uintptr_t>(p), len, prot, name});
    return reinterpret_cast<uintptr_t>(p);
  }
  SysResult<void> Protect(uintptr_t addr, size_t len, int prot) override {
    if (mprotect(reinterpret_cast<void*>(addr), len, prot) != 0) return Errno{errno};
    return {};
  }
  SysResult<void> Unmap(uintptr_t addr, size_t len) override {
    if (munmap(reinterpret_cast<void*>(addr), len) != 0) return Errno{errno};
    return {};
  }
  bool IsExecutable(const std::string& path) override {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
  }
  uint64_t StackLimit() override {
    struct rlimit r;
    return getrlimit(RLIMIT_STACK, &r) == 0 ? r.rlim_cur : LoaderEnv::StackLimit();
  }

  std::vector<Mapping> mappings;  // every successful Map, in order
};

}  // namespace junction::libos::loader
