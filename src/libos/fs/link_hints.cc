#include "libos/fs/link_hints.h"

#include <sys/mman.h>

#include <atomic>

#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

constexpr size_t kSlots = 512;  // one page of keys
constexpr size_t kProbe = 8;    // slots a key may sit in, from its home

struct Region {
  std::atomic<uint64_t> slot[kSlots];
};
static_assert(sizeof(Region) == 4096);

Region* g_hints = nullptr;  // set once before the guest runs; inherited by forks

// FNV-1a, one byte at a time so that every prefix's key comes on the way;
// 0 marks a free slot.
constexpr uint64_t kSeed = 0xcbf29ce484222325ull;
uint64_t Step(uint64_t h, char c) { return (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull; }
uint64_t KeyOf(uint64_t h) { return h ? h : 1; }

uint64_t KeyOfPath(std::string_view path) {
  uint64_t h = kSeed;
  for (char c : path) h = Step(h, c);
  return KeyOf(h);
}

bool Has(uint64_t key) {
  for (size_t i = 0; i < kProbe; i++)
    if (g_hints->slot[(key + i) % kSlots].load(std::memory_order_relaxed) == key) return true;
  return false;
}

}  // namespace

void LinkHintsInit() {
  if (g_hints) return;
  long r = host::Mmap(0, sizeof(Region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r >= 0) g_hints = reinterpret_cast<Region*>(r);
}

void LinkHintNote(std::string_view path) {
  if (!g_hints) return;
  uint64_t key = KeyOfPath(path);
  if (Has(key)) return;
  for (size_t i = 0; i < kProbe; i++) {
    uint64_t expected = 0;
    if (g_hints->slot[(key + i) % kSlots].compare_exchange_strong(expected, key, std::memory_order_relaxed))
      return;
    if (expected == key) return;  // another process noted it
  }
  // The window is full: the newest hint takes its home slot.
  g_hints->slot[key % kSlots].store(key, std::memory_order_relaxed);
}

void LinkHintDrop(std::string_view path) {
  if (!g_hints) return;
  uint64_t key = KeyOfPath(path);
  for (size_t i = 0; i < kProbe; i++) {
    uint64_t expected = key;
    g_hints->slot[(key + i) % kSlots].compare_exchange_strong(expected, 0, std::memory_order_relaxed);
  }
}

size_t LinkHintFirst(std::string_view path) {
  if (!g_hints || path.size() < 2) return 0;
  uint64_t h = Step(kSeed, path[0]);
  for (size_t i = 1; i < path.size(); i++) {
    if (path[i] == '/' && Has(KeyOf(h))) return i;
    h = Step(h, path[i]);
  }
  return Has(KeyOf(h)) ? path.size() : 0;
}

void* LinkHintsRegionForTest(size_t* size) {
  *size = sizeof(Region);
  return g_hints;
}

}  // namespace junction::libos::fs
