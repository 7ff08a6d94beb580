// Syscall sites known by file, shared by the container's processes.
//
// Every exec'd program traps at the same sites of ld.so and libc (~20 per
// exec of /bin/true), and a program run once seldom traps twice at one
// site, so the rewriter (rewrite.cc) never gets to them. This cache
// remembers, per file identity, the sites any process of the container
// trapped at; when a later process maps that file's code, the sites seen
// trapping at least twice (in one process or across processes) are
// rewritten at once, before the program runs.
//
// The cache is MAP_SHARED memory made by the container's first process and
// inherited by every fork, and across exec (it is LibOS memory). Nothing
// read from it is trusted: a file is known by its host identity (device,
// inode, size, modification and change times), each site carries the
// bytes around its syscall as they were when it trapped, and a site is
// rewritten only if the mapped bytes are still those and still one of the
// rewriter's shapes (RewriteSite's own checks). A stale or scribbled entry
// at worst leaves the site on the trap path.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>

namespace junction::libos {

// Bytes kept around a site: from 14 before the end of its syscall to 8
// after it (all that the rewriter's shapes read).
inline constexpr size_t kSiteBytesBefore = 14;
inline constexpr size_t kSiteBytesAfter = 8;
inline constexpr size_t kSiteBytes = kSiteBytesBefore + kSiteBytesAfter;

struct KnownSite {
  uint64_t after_off;  // file offset just past the syscall instruction
  uint32_t nr;
  uint8_t bytes[kSiteBytes];  // file bytes [after_off - 14, after_off + 8)
};

// Creates the shared cache (the container's first process, before it runs
// the guest). Without it the functions below do nothing.
void SiteCacheInit();

// A nonzero key naming the file's content by its host identity.
uint64_t SiteCacheKey(const struct stat& st);

// Notes one trap at a site of file `key` (bytes as above). No allocation,
// no lock: safe from the SIGSYS handler.
void SiteCacheNoteTrap(uint64_t key, uint64_t after_off, long nr,
                       const uint8_t (&bytes)[kSiteBytes]);

// Copies to out[] up to `max` sites of file `key` with after_off in
// [lo, hi) that trapped at least twice; returns how many.
int SiteCacheLookup(uint64_t key, uint64_t lo, uint64_t hi, KnownSite* out, int max);

// Tests: the raw shared region and its size, to scribble on.
void* SiteCacheRegionForTest(size_t* size);

}  // namespace junction::libos
