// Room on a size-limited tmpfs, counted as Linux's shmem counts it: in
// pages the files hold. A hole costs nothing (ftruncate grows a file for
// free); a write takes the pages it touches that the file does not hold
// yet, one at a time, and stops at the first it cannot get, returning the
// bytes before it (ENOSPC only when not one byte fits); fallocate needs
// all of its range's missing pages or allocates none. Used by the LibOS
// tmpfs (tmpfs.cc) and the shared config tmpfs (shared_tmpfs.cc), both of
// whose files are host tmpfs files (memfds, /dev/shm) that answer
// SEEK_DATA/SEEK_HOLE by page.
#pragma once

#include <sys/stat.h>

#include <cstdint>

namespace junction::libos::fs {

inline constexpr uint64_t kTmpfsPage = 4096;

inline uint64_t TmpfsPageUp(uint64_t x) { return (x + kTmpfsPage - 1) & ~(kTmpfsPage - 1); }

// The part of a write of `len` bytes at `start` to host file `fd` (whose
// fstat is `st`) that fits when `free_pages` more pages can be had: the
// bytes (0: ENOSPC), and in *pages the pages they take.
uint64_t TmpfsWriteFit(int fd, const struct stat& st, uint64_t start, uint64_t len,
                       uint64_t free_pages, uint64_t* pages);

// The pages of [start, start + len) that `fd` does not hold (fallocate's need).
uint64_t TmpfsMissingPages(int fd, const struct stat& st, uint64_t start, uint64_t len);

}  // namespace junction::libos::fs
