// The LibOS's implementation of the loader's environment: files through the
// container root, memory through the guest AddressSpace.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <sys/stat.h>

#include "libos/fs/vfs.h"
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
  // The guest's limits other than RLIMIT_NOFILE are the host process's.
  // Read once per load (Linux's bprm->rlim_stack): execve checks the
  // arguments against the very limit the stack is then built for, whatever
  // a setrlimit or prlimit64 does in between.
  uint64_t StackLimit() override;

  // execve probes the file before its point of no return, then loads it:
  // from here on, files opened for exec stay open (Close keeps them), and
  // the probe's header reads are kept, so the load neither reopens nor
  // rereads them (and loads the very file it probed, as Linux does).
  void KeepExecFiles() { keep_ = true; }
  // Closes the files kept open (the load is over or failed).
  void CloseKept();
  ~GuestLoaderEnv() override { CloseKept(); }

  // `path` with symlinks resolved as this load walked it; empty if it did not.
  std::string RealPath(const std::string& path) {
    auto it = resolved_.find(path);
    return it == resolved_.end() ? std::string() : it->second.guest;
  }

 private:
  // The path walked once per load (nullptr if it does not resolve to an
  // existing file).
  const fs::Lookup* ResolveOnce(const std::string& path);
  SysResult<void> CheckExecutable(const std::string& path);

  // Guest path as given -> its resolution, for this load (also the name
  // /proc/self/maps shows: the canonical path, as Linux does).
  std::map<std::string, fs::Lookup> resolved_;
  // Paths whose execute permission this load has already checked.
  std::set<std::string> executable_;
  // The fstat of each descriptor Open returned and has not closed: its size
  // for FileSize and its identity for the mappings' names (one fstat per
  // file instead of one per segment).
  std::map<int, struct stat> stat_of_;
  std::optional<uint64_t> stack_limit_;  // StackLimit's one read
  // The open file behind each descriptor Open returned (its own host
  // descriptor), until Close.
  std::map<int, fs::FilePtr> open_files_;
  bool keep_ = false;
  // Kept files (KeepExecFiles): guest path -> descriptor, and header reads
  // ((descriptor, offset) -> bytes).
  std::map<std::string, int> kept_;
  std::map<std::pair<int, uint64_t>, std::string> kept_reads_;
};

}  // namespace junction::libos
