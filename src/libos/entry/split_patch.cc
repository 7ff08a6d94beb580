#include "libos/entry/split_patch.h"

#include <atomic>
#include <cstring>

#include "libos/entry/safe_copy.h"

namespace junction::libos {

namespace {

// Three points a site at most; a process has a few such sites (its read
// wrappers, exit, _exit). Entries are only appended (under the rewrite
// lock) and published by the count.
constexpr size_t kMaxPoints = 512;
SplitPatchPoint g_points[kMaxPoints];
std::atomic<size_t> g_num_points{0};

// The site's text may have been unmapped or replaced since the rewrite.
bool StillJumpsToTrampoline(const SplitPatchPoint& p) {
  uint8_t jump[5];
  if (!SafeCopy(jump, reinterpret_cast<const void*>(p.site), sizeof(jump)) || jump[0] != 0xe9)
    return false;
  int32_t rel;
  std::memcpy(&rel, jump + 1, sizeof(rel));
  return p.site + 5 + static_cast<uintptr_t>(static_cast<int64_t>(rel)) == p.tramp;
}

}  // namespace

bool NoteSplitPatchPoints(const SplitPatchPoint* points, size_t n) {
  size_t used = g_num_points.load(std::memory_order_relaxed);
  if (n > kMaxPoints - used) return false;
  for (size_t i = 0; i < n; i++) g_points[used + i] = points[i];
  g_num_points.store(used + n, std::memory_order_release);
  return true;
}

uintptr_t ResumeOutsideSplitPatch(uintptr_t rip) {
  size_t n = g_num_points.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; i++)
    if (g_points[i].inside == rip && StillJumpsToTrampoline(g_points[i])) return g_points[i].in_tramp;
  return rip;
}

void ForgetSplitPatchPoints() { g_num_points.store(0, std::memory_order_release); }

}  // namespace junction::libos
