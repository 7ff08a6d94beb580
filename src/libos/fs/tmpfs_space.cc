#include "libos/fs/tmpfs_space.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

constexpr uint64_t kNone = ~uint64_t{0};

// Which pages a file holds. A file without holes (its blocks cover its
// size: the usual case) holds exactly [0, PageUp(size)), known without a
// host call; any other asks the host with SEEK_DATA/SEEK_HOLE.
class HeldPages {
 public:
  HeldPages(int fd, const struct stat& st)
      : fd_(fd),
        end_(TmpfsPageUp(static_cast<uint64_t>(st.st_size))),
        dense_(static_cast<uint64_t>(st.st_blocks) * 512 >= end_) {}
  // The first held byte at or after page-aligned `at`, page-aligned; kNone if none.
  uint64_t NextData(uint64_t at) const {
    if (dense_) return at < end_ ? at : kNone;
    long r = host::Syscall(SYS_lseek, fd_, host::L(at), SEEK_DATA);
    return r < 0 ? kNone : static_cast<uint64_t>(r) & ~(kTmpfsPage - 1);
  }
  // The first byte at or after held `at` in no held page, page-aligned.
  uint64_t NextHole(uint64_t at) const {
    if (dense_) return std::max(at, end_);
    long r = host::Syscall(SYS_lseek, fd_, host::L(at), SEEK_HOLE);
    return r < 0 ? kNone : TmpfsPageUp(static_cast<uint64_t>(r));
  }

 private:
  int fd_;
  uint64_t end_;
  bool dense_;
};

}  // namespace

uint64_t TmpfsWriteFit(int fd, const struct stat& st, uint64_t start, uint64_t len,
                       uint64_t free_pages, uint64_t* pages) {
  HeldPages held(fd, st);
  const uint64_t end = start + len;
  const uint64_t last = TmpfsPageUp(end);
  uint64_t taken = 0;
  // Alternating runs of missing and held pages from the write's first page.
  for (uint64_t page = start & ~(kTmpfsPage - 1); page < end;) {
    uint64_t data = held.NextData(page);
    uint64_t gap_end = data == kNone ? last : std::min(data, last);
    uint64_t missing = (gap_end - page) / kTmpfsPage;
    if (missing > free_pages - taken) {
      // The first page it cannot get: the write ends there.
      uint64_t stop = page + (free_pages - taken) * kTmpfsPage;
      *pages = free_pages;
      return stop > start ? stop - start : 0;
    }
    taken += missing;
    if (gap_end >= end) break;
    uint64_t hole = held.NextHole(gap_end);
    // (Always forward, even if the file changes meanwhile.)
    page = hole == kNone ? last : std::max(hole, gap_end + kTmpfsPage);
  }
  *pages = taken;
  return len;
}

uint64_t TmpfsMissingPages(int fd, const struct stat& st, uint64_t start, uint64_t len) {
  uint64_t pages = 0;
  TmpfsWriteFit(fd, st, start, len, kNone, &pages);
  return pages;
}

}  // namespace junction::libos::fs
