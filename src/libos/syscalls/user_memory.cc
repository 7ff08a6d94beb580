#include "libos/syscalls/user_memory.h"

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

SysResult<std::string> CopyStringFromUser(long addr, size_t max) {
  auto p = static_cast<uintptr_t>(addr);
  std::string out;
  while (out.size() < max) {
    // Check page by page so a string ending before an unmapped page works.
    uintptr_t page_end = (p | (AddressSpace::kPageSize - 1)) + 1;
    if (!GuestReadable(p, 1)) return Errno{EFAULT};
    const char* s = reinterpret_cast<const char*>(p);
    size_t avail = page_end - p;
    size_t n = strnlen(s, avail);
    out.append(s, std::min(n, max - out.size()));
    if (n < avail) return out.size() < max ? SysResult<std::string>(std::move(out)) : Errno{ENAMETOOLONG};
    p = page_end;
  }
  return Errno{ENAMETOOLONG};
}

}  // namespace junction::libos
