// Guest memory is touched only through these accessors: a pointer outside
// the guest's mappings (or into LibOS memory) yields EFAULT, never a LibOS
// crash or a write into LibOS state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/sys_result.h"
#include "libos/mm/address_space.h"

namespace junction::libos {

inline bool GuestReadable(uintptr_t p, size_t n) {
  return AddressSpace::Get().IsGuestRange(p, n, 1 /*PROT_READ*/);
}
inline bool GuestWritable(uintptr_t p, size_t n) {
  return AddressSpace::Get().IsGuestRange(p, n, 2 /*PROT_WRITE*/);
}

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
    std::memcpy(&v, reinterpret_cast<const void*>(addr_), sizeof(T));
    return v;
  }
  SysResult<void> Write(const T& v) const {
    if (!GuestWritable(addr_, sizeof(T))) return Errno{EFAULT};
    std::memcpy(reinterpret_cast<void*>(addr_), &v, sizeof(T));
    return {};
  }

 private:
  uintptr_t addr_;
};

// Copies a NUL-terminated guest string of at most `max` bytes (ENAMETOOLONG
// beyond, EFAULT if unmapped).
SysResult<std::string> CopyStringFromUser(long addr, size_t max = 4096);

}  // namespace junction::libos
