#include "libos/fs/shared_tmpfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kMaxDepth = 64;  // deeper trees are not counted

uint64_t PageUp(uint64_t x) { return (x + kPage - 1) & ~(kPage - 1); }

// The blocks of the files below directory `dir` (a descriptor, closed
// here). A file with several links counts a share per link, so one whose
// links are all in the mount counts once.
uint64_t CountDir(int dir, int depth) {
  uint64_t total = 0;
  auto buf = std::make_unique<char[]>(4096);
  for (;;) {
    long n = host::Syscall(SYS_getdents64, dir, host::L(buf.get()), 4096);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<dirent64*>(buf.get() + off);
      off += d->d_reclen;
      if (!std::strcmp(d->d_name, ".") || !std::strcmp(d->d_name, "..")) continue;
      struct stat st{};
      if (host::Syscall(SYS_newfstatat, dir, host::L(d->d_name), host::L(&st), AT_SYMLINK_NOFOLLOW) < 0)
        continue;  // removed meanwhile
      if (S_ISDIR(st.st_mode)) {
        if (depth >= kMaxDepth) continue;
        long sub = host::Syscall(SYS_openat, dir, host::L(d->d_name),
                                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) total += CountDir(static_cast<int>(sub), depth + 1);
      } else {
        total += static_cast<uint64_t>(st.st_blocks) * 512 / (st.st_nlink ? st.st_nlink : 1);
      }
    }
  }
  host::Syscall(SYS_close, dir);
  return total;
}

}  // namespace

TmpfsQuota::TmpfsQuota(uint64_t limit, int root_fd) : limit_(limit), root_fd_(root_fd) {
  // Made in pid 1 before any fork: every process of the container shares it.
  void* p = reinterpret_cast<void*>(host::Syscall(SYS_mmap, 0, kPage, PROT_READ | PROT_WRITE,
                                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  static std::atomic<uint64_t> private_count{0};  // no shared page: this process only
  used_ = reinterpret_cast<long>(p) < 0 && reinterpret_cast<long>(p) > -4096
              ? &private_count
              : new (p) std::atomic<uint64_t>(0);
}

uint64_t TmpfsQuota::Recount() {
  long d = host::Syscall(SYS_openat, root_fd_, host::L("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  uint64_t used = d >= 0 ? CountDir(static_cast<int>(d), 0) : 0;
  used_->store(used);
  return used;
}

SysResult<void> TmpfsQuota::ChargeWrite(int fd, int64_t off, bool append, uint64_t len) {
  if (!len) return {};
  // The most the write can add: the pages it touches.
  uint64_t most = PageUp(len) + kPage;
  if (used_->fetch_add(most) + most <= limit_) return {};
  used_->fetch_sub(most);
  // Near the limit: the real usage, and what this write really adds.
  uint64_t used = Recount();
  struct stat st{};
  if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) return {};  // the write fails by itself
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t start = static_cast<uint64_t>(off);
  if (append) {
    start = size;
  } else if (off < 0) {
    long pos = host::Syscall(SYS_lseek, fd, 0, SEEK_CUR);
    start = pos < 0 ? 0 : static_cast<uint64_t>(pos);
  }
  uint64_t span = PageUp(std::max(start + len, size));
  uint64_t held = static_cast<uint64_t>(st.st_blocks) * 512;
  uint64_t need = std::min(span > held ? span - held : 0, most);
  if (used + need > limit_) return Errno{ENOSPC};
  used_->fetch_add(need);
  return {};
}

SysResult<size_t> QuotaFile::Write(const void* buf, size_t len) {
  TRY_VOID(quota_->ChargeWrite(host_fd_, -1, flags_ & O_APPEND, len));
  return HostFile::Write(buf, len);
}

SysResult<size_t> QuotaFile::Pwrite(const void* buf, size_t len, uint64_t off) {
  TRY_VOID(quota_->ChargeWrite(host_fd_, static_cast<int64_t>(off), false, len));
  return HostFile::Pwrite(buf, len, off);
}

SysResult<void> QuotaFile::Fallocate(int mode, uint64_t off, uint64_t len) {
  // Allocating modes only (0, KEEP_SIZE); punching or zeroing frees or
  // keeps blocks.
  if ((mode & ~FALLOC_FL_KEEP_SIZE) == 0)
    TRY_VOID(quota_->ChargeWrite(host_fd_, static_cast<int64_t>(off), false, len));
  long r = host::Syscall(SYS_fallocate, host_fd_, mode, host::L(off), host::L(len));
  if (r < 0) return Errno{static_cast<int>(-r)};
  return {};
}

long FallocateCharged(const FilePtr& f, int mode, long off, long len) {
  if (auto* q = dynamic_cast<QuotaFile*>(f.get())) {
    if (off < 0 || len <= 0) return -EINVAL;
    auto r = q->Fallocate(mode, static_cast<uint64_t>(off), static_cast<uint64_t>(len));
    return r.ok() ? 0 : -r.error();
  }
  return host::Syscall(SYS_fallocate, f->host_fd(), mode, off, len);
}

}  // namespace junction::libos::fs
