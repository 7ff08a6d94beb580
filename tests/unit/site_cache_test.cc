// The container's syscall-site cache (libos/entry/site_cache.h): sites come
// back only once seen trapping twice, only within the asked range, keyed by
// the file's whole identity; a scribbled region gives nothing out of range;
// and a mapping of a file's code gets rewritten only the sites whose bytes
// are still those they trapped with and still a rewritable shape.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <random>

#include "libos/entry/site_cache.h"
#include "libos/mm/address_space.h"

namespace junction::libos {
namespace {

struct stat FakeStat(long mtime_ns, long ctime_ns) {
  struct stat st{};
  st.st_dev = 0x801;
  st.st_ino = 4242;
  st.st_size = 123456;
  st.st_mtim.tv_nsec = mtime_ns;
  st.st_ctim.tv_nsec = ctime_ns;
  return st;
}

void Bytes(uint8_t (&b)[kSiteBytes], uint8_t seed) {
  for (size_t i = 0; i < kSiteBytes; i++) b[i] = static_cast<uint8_t>(seed + i);
}

TEST_CASE("site cache: sites come back once seen twice, in range, by the whole identity") {
  SiteCacheInit();
  uint64_t key = SiteCacheKey(FakeStat(1, 2));
  CHECK(key != 0);
  CHECK(SiteCacheKey(FakeStat(1, 3)) != key);  // changed (ctime)
  CHECK(SiteCacheKey(FakeStat(9, 2)) != key);  // modified (mtime)
  uint8_t a[kSiteBytes], b[kSiteBytes];
  Bytes(a, 1);
  Bytes(b, 100);
  KnownSite out[8];
  SiteCacheNoteTrap(key, 0x1000, 39, a);
  CHECK(SiteCacheLookup(key, 0, 0x10000, out, 8) == 0);  // one trap: not yet
  SiteCacheNoteTrap(key, 0x1000, 39, a);
  REQUIRE(SiteCacheLookup(key, 0, 0x10000, out, 8) == 1);
  CHECK(out[0].after_off == 0x1000);
  CHECK(out[0].nr == 39);
  CHECK(std::memcmp(out[0].bytes, a, kSiteBytes) == 0);
  // Other bytes at the same offset: another site, with its own count.
  SiteCacheNoteTrap(key, 0x1000, 39, b);
  CHECK(SiteCacheLookup(key, 0, 0x10000, out, 8) == 1);
  // Out of range (the bytes around the site must lie inside), other files.
  CHECK(SiteCacheLookup(key, 0x1000, 0x2000, out, 8) == 0);
  CHECK(SiteCacheLookup(key, 0, 0x1000 + kSiteBytesAfter - 1, out, 8) == 0);
  CHECK(SiteCacheLookup(key, 0x1000 - kSiteBytesBefore, 0x1000 + kSiteBytesAfter, out, 8) == 1);
  CHECK(SiteCacheLookup(SiteCacheKey(FakeStat(1, 3)), 0, 0x10000, out, 8) == 0);
  // Numbers no syscall has are not kept.
  SiteCacheNoteTrap(key, 0x3000, -1, a);
  SiteCacheNoteTrap(key, 0x3000, -1, a);
  SiteCacheNoteTrap(key, 0x3000, 0x10000, a);
  SiteCacheNoteTrap(key, 0x3000, 0x10000, a);
  CHECK(SiteCacheLookup(key, 0x2000, 0x4000, out, 8) == 0);
}

TEST_CASE("site cache: a scribbled region gives nothing out of range and no more than asked") {
  SiteCacheInit();
  size_t size = 0;
  auto* region = static_cast<uint8_t*>(SiteCacheRegionForTest(&size));
  REQUIRE(region != nullptr);
  std::mt19937_64 rng(7);
  uint64_t key = SiteCacheKey(FakeStat(5, 6));
  for (int round = 0; round < 20; round++) {
    for (size_t i = 0; i < size; i += 8) {
      uint64_t v = rng();
      std::memcpy(region + i, &v, 8);
    }
    // The first file slot claimed for `key` (its first 8 bytes), the rest
    // garbage: a huge site count, random offsets, numbers, bytes.
    std::memcpy(region, &key, 8);
    KnownSite out[4];
    uint64_t lo = rng() % 0x100000, hi = lo + rng() % 0x100000;
    int n = SiteCacheLookup(key, lo, hi, out, 4);
    CHECK(n >= 0);
    CHECK(n <= 4);
    for (int i = 0; i < n; i++) {
      CHECK(out[i].after_off >= lo + kSiteBytesBefore);
      CHECK(out[i].after_off + kSiteBytesAfter <= hi);
    }
    uint8_t b[kSiteBytes];
    Bytes(b, static_cast<uint8_t>(round));
    SiteCacheNoteTrap(key, rng(), 1, b);  // whatever the count says: no write out of bounds
    SiteCacheNoteTrap(SiteCacheKey(FakeStat(round, 0)), 0x40, 1, b);
  }
  std::memset(region, 0, size);
}

TEST_CASE("site cache: a mapping's known sites are rewritten only with their bytes and shape") {
  SiteCacheInit();
  size_t size = 0;
  std::memset(SiteCacheRegionForTest(&size), 0, size);
  char path[] = "/tmp/site_cache_test.XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  uint8_t page[4096];
  std::memset(page, 0x90, sizeof(page));  // nop
  const uint8_t getpid_site[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05};    // mov $39,%eax; syscall
  const uint8_t getuid_site[] = {0xb8, 102, 0, 0, 0, 0x0f, 0x05};   // mov $102,%eax; syscall
  std::memcpy(page + 0x100, getpid_site, sizeof(getpid_site));
  std::memcpy(page + 0x200, getuid_site, sizeof(getuid_site));
  REQUIRE(write(fd, page, sizeof(page)) == static_cast<ssize_t>(sizeof(page)));
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  uint64_t key = SiteCacheKey(st);
  auto note_twice = [&](uint64_t after_off, long nr, const uint8_t* bytes) {
    uint8_t b[kSiteBytes];
    std::memcpy(b, bytes, kSiteBytes);
    SiteCacheNoteTrap(key, after_off, nr, b);
    SiteCacheNoteTrap(key, after_off, nr, b);
  };
  // The getpid site as it trapped: rewritten.
  note_twice(0x107, 39, page + 0x107 - kSiteBytesBefore);
  // The getuid site with bytes that are not the file's (a stale entry).
  uint8_t stale[kSiteBytes];
  std::memcpy(stale, page + 0x207 - kSiteBytesBefore, kSiteBytes);
  stale[0] ^= 0xff;
  note_twice(0x207, 102, stale);
  // The file's own bytes, but no syscall ends there (inside the mov's
  // immediate, inside the nops): the shape check refuses them.
  note_twice(0x103, 39, page + 0x103 - kSiteBytesBefore);
  note_twice(0x300, 39, page + 0x300 - kSiteBytesBefore);
  // A syscall site with the wrong number.
  note_twice(0x207, 39, page + 0x207 - kSiteBytesBefore);
  // A site past the file's end, in a page of the mapping that has no file
  // behind it (reading it would be SIGBUS): not even looked at.
  note_twice(sizeof(page) + 0x107, 39, page + 0x107 - kSiteBytesBefore);

  // Two pages mapped, one of them past the end of the file.
  auto r = AddressSpace::Get().Mmap(0, 2 * sizeof(page), PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
                                    0, path);
  REQUIRE(r.ok());
  const auto* m = reinterpret_cast<const uint8_t*>(*r);
  CHECK(m[0x100] == 0xe9);  // jmp to its trampoline
  CHECK(std::memcmp(m + 0x200, getuid_site, sizeof(getuid_site)) == 0);
  for (size_t i = 0; i < sizeof(page); i++) {
    if (i >= 0x100 && i < 0x105) continue;
    if (m[i] != page[i]) {
      FAIL("byte " << i << " changed");
      break;
    }
  }
  // The mapping is as it was asked: read and execute, not writable.
  uintptr_t vs, ve;
  int prot;
  CHECK(AddressSpace::Get().LookupBounds(*r, &vs, &ve, &prot));
  CHECK(prot == (PROT_READ | PROT_EXEC));
  CHECK(AddressSpace::Get().Munmap(*r, 2 * sizeof(page)).ok());
  close(fd);
  unlink(path);
  std::memset(SiteCacheRegionForTest(&size), 0, size);
}

}  // namespace
}  // namespace junction::libos
