// The loader's files come through the VFS (the guest's view of the file
// system, resolved by the LibOS); the loader gets its own host descriptor.
#include "libos/loader_env.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "libos/fs/vfs.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"

namespace junction::libos {

const fs::Lookup* GuestLoaderEnv::ResolveOnce(const std::string& path) {
  auto it = resolved_.find(path);
  if (it != resolved_.end()) return &it->second;
  auto l = fs::Vfs::Get().Resolve(AT_FDCWD, path, fs::kFollow);
  if (!l.ok() || !l->exists || l->magic) return nullptr;
  return &resolved_.emplace(path, std::move(*l)).first->second;
}

// EACCES unless `path` names a regular file the guest may execute.
SysResult<void> GuestLoaderEnv::CheckExecutable(const std::string& path) {
  const fs::Lookup* cached = ResolveOnce(path);
  fs::Lookup fresh;
  if (!cached) {
    auto l = fs::Vfs::Get().Resolve(AT_FDCWD, path, fs::kFollow);
    if (!l.ok()) return Errno{l.error()};
    fresh = std::move(*l);
  }
  const fs::Lookup& l = cached ? *cached : fresh;
  if (!S_ISREG(l.st.st_mode)) return Errno{EACCES};
  if (l.magic) return (l.st.st_mode & 0111) ? SysResult<void>() : Errno{EACCES};
  auto r = l.mount->fs->Access(l.rel, X_OK);
  if (!r.ok()) return Errno{r.error() == EROFS ? EACCES : r.error()};
  return {};
}

SysResult<int> GuestLoaderEnv::Open(const std::string& path, bool for_exec) {
  if (for_exec && keep_) {
    auto k = kept_.find(path);
    if (k != kept_.end()) return k->second;  // probed: checked and open already
  }
  // One exec opens the executable and its interpreter several times
  // (probe, load, permission check, naming the mappings): walk each path
  // once, then open its canonical name (no symlinks: one host openat2).
  // A path that does not resolve takes the ordinary open for its errno.
  const fs::Lookup* l = ResolveOnce(path);
  // Linux refuses to exec anything but a regular file before opening it
  // (may_open): opening a FIFO here would wait for a writer. O_NONBLOCK
  // covers the paths ResolveOnce does not cache (/proc/self/fd/N).
  if (l && !S_ISREG(l->st.st_mode)) return Errno{EACCES};
  auto f = fs::Vfs::Get().Open(AT_FDCWD, l ? l->guest : path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (!f.ok()) return Errno{f.error()};
  struct stat st;
  if (!(*f)->Stat(&st).ok()) return Errno{EIO};
  if (for_exec) {
    if (!S_ISREG(st.st_mode)) return Errno{EACCES};
    // execve probes the file, then loads it: check it once per exec. On a
    // host file system the check is of the descriptor just opened (the
    // same file: its canonical name has no symlink): one faccessat2
    // instead of an O_PATH open, a faccessat2 and a close.
    if (!executable_.count(path)) {
      if (l && !l->magic && fs::IsHostFs(l->mount->fs.get()) && (*f)->host_fd() >= 0) {
        long r = host::Syscall(SYS_faccessat2, (*f)->host_fd(), host::L(""), X_OK, AT_EMPTY_PATH);
        if (r < 0) return Errno{r == -EROFS ? EACCES : static_cast<int>(-r)};
      } else {
        auto x = CheckExecutable(path);
        if (!x.ok()) return Errno{x.error()};
      }
      executable_.insert(path);
    }
  }
  if ((*f)->host_fd() < 0) return Errno{for_exec ? EACCES : ENOEXEC};
  // The loader uses the file's own host descriptor (no dup and close): the
  // file stays open while its number is in use.
  int fd = (*f)->host_fd();
  open_files_[fd] = std::move(*f);
  stat_of_[fd] = st;
  if (for_exec && keep_) kept_[path] = fd;
  return fd;
}

SysResult<size_t> GuestLoaderEnv::Pread(int fd, void* buf, size_t len, uint64_t off) {
  bool kept = false;
  if (keep_) {
    for (const auto& [p, kfd] : kept_) kept |= kfd == fd;
  }
  if (kept) {
    auto r = kept_reads_.find({fd, off});
    if (r != kept_reads_.end() && r->second.size() == len) {
      std::memcpy(buf, r->second.data(), len);
      return len;
    }
  }
  long n = host::Syscall(SYS_pread64, fd, host::L(buf), host::L(len), host::L(off));
  if (n < 0) return Errno{static_cast<int>(-n)};
  if (kept && static_cast<size_t>(n) == len && len <= 4096)
    kept_reads_[{fd, off}].assign(static_cast<const char*>(buf), len);
  return static_cast<size_t>(n);
}

SysResult<uint64_t> GuestLoaderEnv::FileSize(int fd) {
  auto it = stat_of_.find(fd);
  if (it != stat_of_.end()) return static_cast<uint64_t>(it->second.st_size);
  struct stat st;
  long r = host::Syscall(SYS_fstat, fd, host::L(&st));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return static_cast<uint64_t>(st.st_size);
}

void GuestLoaderEnv::Close(int fd) {
  for (const auto& [p, kfd] : kept_)
    if (kfd == fd) return;  // until CloseKept
  stat_of_.erase(fd);
  open_files_.erase(fd);  // the last reference closes it
}

void GuestLoaderEnv::CloseKept() {
  for (const auto& [p, fd] : kept_) {
    stat_of_.erase(fd);
    open_files_.erase(fd);
  }
  kept_.clear();
  kept_reads_.clear();
  keep_ = false;
}

SysResult<uintptr_t> GuestLoaderEnv::Map(uintptr_t addr, size_t len, int prot, int flags, int fd,
                                         uint64_t off, const std::string& name) {
  // /proc/self/maps names the file by its canonical path, as Linux does
  // (PT_INTERP's /lib64/ld-linux-x86-64.so.2 is /usr/lib/... here).
  // One load maps each file's segments one by one: resolve its name once
  // (a host-tree walk costs ~15 host calls per path with a symlink in it).
  const fs::Lookup* l = (fd >= 0 && !name.empty() && name[0] == '/') ? ResolveOnce(name) : nullptr;
  auto st = stat_of_.find(fd);
  uint64_t dev = st == stat_of_.end() ? 0 : st->second.st_dev;
  uint64_t ino = st == stat_of_.end() ? 0 : st->second.st_ino;
  // A host file's stat is the host's own: AddressSpace need not make it again.
  bool host_stat = st != stat_of_.end() && l && !l->magic && fs::IsHostFs(l->mount->fs.get());
  return AddressSpace::Get().Mmap(addr, len, prot, flags, fd, off, l ? l->guest : name, dev, ino,
                                  host_stat ? &st->second : nullptr);
}

SysResult<void> GuestLoaderEnv::Protect(uintptr_t addr, size_t len, int prot) {
  return AddressSpace::Get().Mprotect(addr, len, prot);
}

SysResult<void> GuestLoaderEnv::Unmap(uintptr_t addr, size_t len) {
  return AddressSpace::Get().Munmap(addr, len);
}

bool GuestLoaderEnv::IsExecutable(const std::string& path) { return CheckExecutable(path).ok(); }

uint64_t GuestLoaderEnv::StackLimit() {
  if (!stack_limit_) {
    struct rlimit r{};
    bool ok = host::Syscall(SYS_prlimit64, 0, RLIMIT_STACK, 0, host::L(&r)) == 0;
    stack_limit_ = ok ? r.rlim_cur : LoaderEnv::StackLimit();
  }
  return *stack_limit_;
}

}  // namespace junction::libos
