#include "libos/fs/shared_tmpfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "libos/fs/tmpfs_space.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

constexpr int kMaxDepth = 64;  // deeper trees are not counted

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

TmpfsQuota::TmpfsQuota(uint64_t limit, int root_fd) : limit_(TmpfsPageUp(limit)), root_fd_(root_fd) {
  // Made in pid 1 before any fork: every process of the container shares it.
  void* p = reinterpret_cast<void*>(host::Syscall(SYS_mmap, 0, kTmpfsPage, PROT_READ | PROT_WRITE,
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

bool TmpfsQuota::TryTake(uint64_t bytes) {
  uint64_t used = used_->load();
  do {
    if (used + bytes > limit_) return false;
  } while (!used_->compare_exchange_weak(used, used + bytes));
  return true;
}

SysResult<size_t> TmpfsQuota::ChargeWrite(int fd, int64_t off, bool append, uint64_t len) {
  if (!len) return size_t{0};
  // The most the write can take: the pages it touches.
  if (TryTake(TmpfsPageUp(len) + kTmpfsPage)) return len;
  // Near the limit: the real usage, and what this write really takes.
  uint64_t used = Recount();
  struct stat st{};
  if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) return len;  // the write fails by itself
  uint64_t start = static_cast<uint64_t>(off);
  if (append) {
    start = static_cast<uint64_t>(st.st_size);
  } else if (off < 0) {
    long pos = host::Syscall(SYS_lseek, fd, 0, SEEK_CUR);
    start = pos < 0 ? 0 : static_cast<uint64_t>(pos);
  }
  uint64_t pages = 0;
  uint64_t fit = TmpfsWriteFit(fd, st, start, len, (limit_ - std::min(limit_, used)) / kTmpfsPage, &pages);
  if (!fit) return Errno{ENOSPC};
  used_->fetch_add(pages * kTmpfsPage);
  return fit;
}

SysResult<void> TmpfsQuota::ChargeAllocate(int fd, uint64_t off, uint64_t len) {
  if (TryTake(TmpfsPageUp(len) + kTmpfsPage)) return {};
  uint64_t used = Recount();
  struct stat st{};
  if (host::Syscall(SYS_fstat, fd, host::L(&st)) < 0) return {};  // the call fails by itself
  uint64_t need = TmpfsMissingPages(fd, st, off, len) * kTmpfsPage;
  if (used + need > limit_) return Errno{ENOSPC};
  used_->fetch_add(need);
  return {};
}

SysResult<size_t> QuotaFile::Write(const void* buf, size_t len) {
  size_t fit = TRY(quota_->ChargeWrite(host_fd_, -1, flags_ & O_APPEND, len));
  return HostFile::Write(buf, fit);
}

SysResult<size_t> QuotaFile::Pwrite(const void* buf, size_t len, uint64_t off) {
  size_t fit = TRY(quota_->ChargeWrite(host_fd_, static_cast<int64_t>(off), false, len));
  return HostFile::Pwrite(buf, fit, off);
}

SysResult<void> QuotaFile::Fallocate(int mode, uint64_t off, uint64_t len) {
  // Allocating modes only (0, KEEP_SIZE); punching or zeroing frees or
  // keeps blocks. A range past the largest file is the host's EFBIG.
  if ((mode & ~FALLOC_FL_KEEP_SIZE) == 0 && off + len >= off) TRY_VOID(quota_->ChargeAllocate(host_fd_, off, len));
  return HostFile::Fallocate(mode, off, len);
}

}  // namespace junction::libos::fs
