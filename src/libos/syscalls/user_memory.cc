#include "libos/syscalls/user_memory.h"

namespace junction::libos {

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
    if (n < avail) return out.size() < max ? SysResult<std::string>(out) : Errno{ENAMETOOLONG};
    p = page_end;
  }
  return Errno{ENAMETOOLONG};
}

}  // namespace junction::libos
