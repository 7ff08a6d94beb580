#include "libos/entry/site_cache.h"

#include <sys/mman.h>

#include <atomic>
#include <cstring>

#include "libos/host/host.h"

namespace junction::libos {

namespace {

constexpr int kFiles = 64;
constexpr int kSitesPerFile = 96;
constexpr uint32_t kApplyAfterTraps = 2;

// Published when `after_off_plus1` turns nonzero (release); nr and bytes
// are written before and never change after.
struct SiteSlot {
  std::atomic<uint64_t> after_off_plus1;
  std::atomic<uint32_t> traps;
  uint32_t nr;
  uint8_t bytes[kSiteBytes];
};

// A file's slot is claimed by the compare-and-swap of its key from 0, and
// slots are claimed in order, so a lookup stops at the first free one.
struct FileSlot {
  std::atomic<uint64_t> key;
  std::atomic<uint32_t> count;  // sites claimed (may exceed kSitesPerFile)
  SiteSlot sites[kSitesPerFile];
};

struct Region {
  FileSlot files[kFiles];
};

Region* g_cache = nullptr;  // set once before the guest runs; inherited by forks

FileSlot* FindFile(uint64_t key, bool add) {
  if (!g_cache || key == 0) return nullptr;
  for (FileSlot& f : g_cache->files) {
    uint64_t k = f.key.load(std::memory_order_acquire);
    if (k == key) return &f;
    if (k != 0) continue;
    if (!add) return nullptr;
    if (f.key.compare_exchange_strong(k, key, std::memory_order_acq_rel)) return &f;
    if (k == key) return &f;  // another process claimed it for the same file
  }
  return nullptr;  // full
}

uint32_t SiteCount(const FileSlot& f) {
  uint32_t n = f.count.load(std::memory_order_acquire);
  return n < kSitesPerFile ? n : kSitesPerFile;
}

}  // namespace

void SiteCacheInit() {
  if (g_cache) return;
  long r = host::Mmap(0, sizeof(Region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r >= 0) g_cache = reinterpret_cast<Region*>(r);
}

uint64_t SiteCacheKey(const struct stat& st) {
  // FNV-1a over the identity; 0 is reserved for "no file".
  const uint64_t fields[] = {static_cast<uint64_t>(st.st_dev),
                             static_cast<uint64_t>(st.st_ino),
                             static_cast<uint64_t>(st.st_size),
                             static_cast<uint64_t>(st.st_mtim.tv_sec),
                             static_cast<uint64_t>(st.st_mtim.tv_nsec),
                             static_cast<uint64_t>(st.st_ctim.tv_sec),
                             static_cast<uint64_t>(st.st_ctim.tv_nsec)};
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t v : fields)
    for (int i = 0; i < 8; i++) h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
  return h ? h : 1;
}

void SiteCacheNoteTrap(uint64_t key, uint64_t after_off, long nr,
                       const uint8_t (&bytes)[kSiteBytes]) {
  if (nr < 0 || nr > 0xffff) return;
  FileSlot* f = FindFile(key, /*add=*/true);
  if (!f) return;
  uint32_t n = SiteCount(*f);
  for (uint32_t i = 0; i < n; i++) {
    SiteSlot& s = f->sites[i];
    if (s.after_off_plus1.load(std::memory_order_acquire) != after_off + 1) continue;
    if (s.nr == static_cast<uint32_t>(nr) && std::memcmp(s.bytes, bytes, kSiteBytes) == 0) {
      s.traps.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  uint32_t i = f->count.fetch_add(1, std::memory_order_acq_rel);
  if (i >= kSitesPerFile) return;  // full: this site stays on the trap path
  SiteSlot& s = f->sites[i];
  s.nr = static_cast<uint32_t>(nr);
  std::memcpy(s.bytes, bytes, kSiteBytes);
  s.traps.store(1, std::memory_order_relaxed);
  s.after_off_plus1.store(after_off + 1, std::memory_order_release);
}

int SiteCacheLookup(uint64_t key, uint64_t lo, uint64_t hi, KnownSite* out, int max) {
  FileSlot* f = FindFile(key, /*add=*/false);
  if (!f) return 0;
  int found = 0;
  uint32_t n = SiteCount(*f);
  for (uint32_t i = 0; i < n && found < max; i++) {
    SiteSlot& s = f->sites[i];
    uint64_t a = s.after_off_plus1.load(std::memory_order_acquire);
    if (a == 0) continue;  // being written
    a -= 1;
    if (hi < kSiteBytesAfter || a < lo + kSiteBytesBefore || a > hi - kSiteBytesAfter) continue;
    if (s.traps.load(std::memory_order_relaxed) < kApplyAfterTraps) continue;
    KnownSite& k = out[found++];
    k.after_off = a;
    k.nr = s.nr;
    std::memcpy(k.bytes, s.bytes, kSiteBytes);
  }
  return found;
}

void* SiteCacheRegionForTest(size_t* size) {
  *size = sizeof(Region);
  return g_cache;
}

}  // namespace junction::libos
