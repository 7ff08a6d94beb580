#include "libos/syscalls/user_memory.h"

#include <algorithm>

#include "libos/entry/libos_context.h"

namespace junction::libos {

namespace {
// Matches no remembered range until the first RememberGuestVma.
const std::atomic<uint64_t> kNoGeneration{~uint64_t{0}};
}  // namespace

const std::atomic<uint64_t>* g_guest_vma_generation = &kNoGeneration;

void RememberGuestVma(ThreadState* ts, uintptr_t addr) {
  AddressSpace& as = AddressSpace::Get();
  g_guest_vma_generation = as.generation_word();
  // Read before the lookup: a change in between leaves a stale entry.
  uint64_t gen = as.generation();
  AddressSpace::Bounds b;
  if (!as.LookupBounds(addr, &b)) return;
  ThreadState::GuestRange r{gen, b.start, b.end, b.prot, b.shared, b.never_accessible};
  ts->guest_ranges[ts->guest_range_next++ % ThreadState::kGuestRanges] = r;
}

namespace {
// The bytes from `at` before the first page that fails `ok(page_at, len)`.
template <typename Ok>
size_t PagePrefix(uintptr_t at, size_t n, Ok ok) {
  size_t done = 0;
  while (done < n) {
    uintptr_t page_end = ((at + done) | (AddressSpace::kPageSize - 1)) + 1;
    size_t k = std::min<size_t>(n - done, page_end - (at + done));
    if (!ok(at + done, k)) break;
    done += k;
  }
  return done;
}
}  // namespace

size_t GuestWritablePrefix(void* p, size_t n) {
  auto at = reinterpret_cast<uintptr_t>(p);
  auto ok = [](uintptr_t a, size_t k) { return GuestWritable(a, k) && ProbeWritable(reinterpret_cast<void*>(a), k); };
  return ok(at, n) ? n : PagePrefix(at, n, ok);
}

size_t WritablePrefix(void* p, size_t n) {
  auto at = reinterpret_cast<uintptr_t>(p);
  auto ok = [](uintptr_t a, size_t k) { return ProbeWritable(reinterpret_cast<void*>(a), k); };
  return ok(at, n) ? n : PagePrefix(at, n, ok);
}

size_t GuestReadablePrefix(const void* p, size_t n) {
  auto at = reinterpret_cast<uintptr_t>(p);
  return GuestReadable(at, n) ? n : PagePrefix(at, n, GuestReadable);
}

SysResult<std::string> CopyStringFromUser(long addr, size_t max) {
  auto p = static_cast<uintptr_t>(addr);
  std::string out;
  while (out.size() < max) {
    // Check page by page so a string ending before an unmapped page works.
    uintptr_t page_end = (p | (AddressSpace::kPageSize - 1)) + 1;
    if (!GuestReadable(p, 1)) return Errno{EFAULT};
    size_t have = out.size();
    size_t avail = std::min(page_end - p, max - have);
    out.resize(have + avail);
    long n = SafeCopyString(out.data() + have, reinterpret_cast<const char*>(p), avail);
    if (n < 0) return Errno{EFAULT};  // the page faulted (past a file's end, unmapped meanwhile)
    out.resize(have + static_cast<size_t>(n));
    if (static_cast<size_t>(n) < avail) return out;
    p += avail;
  }
  return Errno{ENAMETOOLONG};
}

}  // namespace junction::libos
