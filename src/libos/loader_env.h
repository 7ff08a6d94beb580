// The LibOS's implementation of the loader's environment: files through the
// container root, memory through the guest AddressSpace.
#pragma once

#include <map>
#include <set>
#include <string>

#include "libos/loader/loader.h"

namespace junction::libos {

class GuestLoaderEnv : public loader::LoaderEnv {
 public:
  SysResult<int> Open(const std::string& path, bool for_exec) override;
  SysResult<size_t> Pread(int fd, void* buf, size_t len, uint64_t off) override;
  SysResult<uint64_t> FileSize(int fd) override;
  void Close(int fd) override;
  SysResult<uintptr_t> Map(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off,
                           const std::string& name) override;
  SysResult<void> Protect(uintptr_t addr, size_t len, int prot) override;
  SysResult<void> Unmap(uintptr_t addr, size_t len) override;
  bool IsExecutable(const std::string& path) override;

 private:
  // Guest path as given -> the name /proc/self/maps shows, for this load.
  std::map<std::string, std::string> shown_names_;
  // Paths whose execute permission this load has already checked.
  std::set<std::string> executable_;
};

}  // namespace junction::libos
