// Guest memory is touched only through these accessors: a pointer outside
// the guest's mappings (or into LibOS memory) yields EFAULT, never a LibOS
// crash or a write into LibOS state. The VMA check is the fast reject; the
// copies are fault-tolerant (entry/safe_copy.h) for what it cannot see (a
// page past a mapped file's end, a concurrent munmap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/sys_result.h"
#include "libos/entry/safe_copy.h"
#include "libos/mm/address_space.h"

namespace junction::libos {

// MAX_RW_COUNT: Linux's cut for one read, write, send, receive or copy
// (INT_MAX rounded down to a page).
inline constexpr size_t kMaxRwCount = 0x7ffff000;

inline bool GuestReadable(uintptr_t p, size_t n) {
  return AddressSpace::Get().IsGuestRange(p, n, 1 /*PROT_READ*/);
}
inline bool GuestWritable(uintptr_t p, size_t n) {
  return AddressSpace::Get().IsGuestRange(p, n, 2 /*PROT_WRITE*/);
}
// Linux's access_ok: the range lies below the top of user space, mapped
// or not (calls that check only this fault later, when they copy).
inline bool InUserSpace(uintptr_t p, size_t n) { return p + n >= p && p + n <= AddressSpace::kUserTop; }

// A typed guest pointer.
template <typename T>
class UserPtr {
 public:
  explicit UserPtr(long addr) : addr_(static_cast<uintptr_t>(addr)) {}
  bool null() const { return addr_ == 0; }
  uintptr_t addr() const { return addr_; }
  SysResult<T> Read() const {
    if (!GuestReadable(addr_, sizeof(T))) return Errno{EFAULT};
    T v;
    if (!SafeCopy(&v, reinterpret_cast<const void*>(addr_), sizeof(T))) return Errno{EFAULT};
    return v;
  }
  SysResult<void> Write(const T& v) const {
    if (!GuestWritable(addr_, sizeof(T))) return Errno{EFAULT};
    if (!SafeCopy(reinterpret_cast<void*>(addr_), &v, sizeof(T))) return Errno{EFAULT};
    return {};
  }

 private:
  uintptr_t addr_;
};

// Copies n bytes from or to the guest: EFAULT if any is outside its
// mappings or faults (the destination may then hold part of the data).
inline SysResult<void> CopyFromUser(void* dst, uintptr_t src, size_t n) {
  if (!GuestReadable(src, n) || !SafeCopy(dst, reinterpret_cast<const void*>(src), n)) return Errno{EFAULT};
  return {};
}
inline SysResult<void> CopyToUser(uintptr_t dst, const void* src, size_t n) {
  if (!GuestWritable(dst, n) || !SafeCopy(reinterpret_cast<void*>(dst), src, n)) return Errno{EFAULT};
  return {};
}

// How many bytes from p take a write before the first page that does not
// (outside the guest's mappings, or faulting; the data there unchanged): a
// receive into a buffer that faults part-way fills that much, as Linux.
size_t GuestWritablePrefix(void* p, size_t n);
// The same without the VMA check, for memory already checked or the
// LibOS's own (File::Read's callers pass either): how many bytes take a
// write before the first page that faults.
size_t WritablePrefix(void* p, size_t n);
// How many bytes from p lie in the guest's readable mappings (a copy from
// them may still fault: the safe copy finds that).
size_t GuestReadablePrefix(const void* p, size_t n);

// Copies a NUL-terminated guest string of at most `max` bytes (ENAMETOOLONG
// beyond, EFAULT if unmapped).
SysResult<std::string> CopyStringFromUser(long addr, size_t max = 4096);

}  // namespace junction::libos
