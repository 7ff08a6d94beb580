// Config tmpfs mounts shared by the container's processes: each is a
// private host directory next to the container's /dev/shm directory
// (fs/shared_shm.h), mounted like a bind mount but listed as tmpfs, so a
// file one process writes there is seen by its parent and siblings after
// a fork. Its `size` limit is kept across processes by a usage counter in
// MAP_SHARED memory made before the first fork (docs/filesystem.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "libos/fs/file.h"

namespace junction::libos::fs {

// Bytes a size-limited shared tmpfs mount holds, as all the container's
// processes see it. Writes charge the most they can take up front (an
// over-estimate: a rewrite charges too); one that would pass the limit
// first recounts the mount's real usage (the blocks of its files) and
// then takes, page by page as Linux's tmpfs does (fs/tmpfs_space.h), what
// fits, so a write is cut short, and ENOSPC comes, when the files would
// really not fit.
class TmpfsQuota {
 public:
  // `root_fd`: the mount's host directory (kept open by its HostFs).
  TmpfsQuota(uint64_t limit, int root_fd);
  uint64_t limit() const { return limit_; }
  // Room for `len` bytes written to host file `fd` at `off` (-1: its
  // current offset, or its end with `append`): the bytes that fit,
  // ENOSPC if none does.
  SysResult<size_t> ChargeWrite(int fd, int64_t off, bool append, uint64_t len);
  // Room for every page of [off, off + len) that `fd` lacks (fallocate);
  // ENOSPC (nothing charged) if they do not all fit.
  SysResult<void> ChargeAllocate(int fd, uint64_t off, uint64_t len);
  // Recounts the mount's usage (a walk of its host directory), stores it
  // as the shared count and returns it.
  uint64_t Recount();

 private:
  // Takes `bytes` from the shared count if they fit under the limit.
  bool TryTake(uint64_t bytes);

  uint64_t limit_;  // whole pages
  int root_fd_;
  std::atomic<uint64_t>* used_;  // in a MAP_SHARED page inherited across fork
};

// A regular file of a size-limited shared tmpfs mount: a host file whose
// writes and fallocate are charged to the mount's TmpfsQuota first.
class QuotaFile : public HostFile {
 public:
  QuotaFile(int flags, std::string path, int host_fd, TmpfsQuota* quota)
      : HostFile(flags, std::move(path), host_fd), quota_(quota) {
    direct_io_ = false;  // every write goes through Write/Pwrite below
  }
  SysResult<size_t> Write(const void* buf, size_t len) override;
  SysResult<size_t> Pwrite(const void* buf, size_t len, uint64_t off) override;
  SysResult<void> Fallocate(int mode, uint64_t off, uint64_t len) override;

 private:
  TmpfsQuota* quota_;
};

}  // namespace junction::libos::fs
