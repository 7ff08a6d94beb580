// Memory system calls: the guest's mappings go through AddressSpace, which
// tracks them as VMAs and keeps LibOS memory out of the guest's reach.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/fs/host_files.h"
#include "libos/host/host.h"
#include "libos/mm/address_space.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

namespace {

// The name /proc/self/maps shows for a file mapping.
std::string MappingName(int fd) {
  char link[64], target[4096];
  std::snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  long n = host::Syscall(SYS_readlinkat, AT_FDCWD, host::L(link), host::L(target), sizeof(target) - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

}  // namespace

JUNCTION_HANDLER(mmap) {
  int flags = static_cast<int>(a.a[3]);
  int fd = static_cast<int>(a.a[4]);
  std::string name;
  if (!(flags & MAP_ANONYMOUS)) {
    if (!fs::IsGuestFd(fd)) return -EBADF;
    name = MappingName(fd);
  } else {
    fd = -1;
  }
  return ToRaw(AddressSpace::Get().Mmap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]),
                                        static_cast<int>(a.a[2]), flags, fd,
                                        static_cast<uint64_t>(a.a[5]), name));
}

JUNCTION_HANDLER(munmap) {
  return ToRaw(AddressSpace::Get().Munmap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1])));
}

JUNCTION_HANDLER(mprotect) {
  return ToRaw(AddressSpace::Get().Mprotect(static_cast<uintptr_t>(a.a[0]),
                                            static_cast<size_t>(a.a[1]), static_cast<int>(a.a[2])));
}

JUNCTION_HANDLER(mremap) {
  return ToRaw(AddressSpace::Get().Mremap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]),
                                          static_cast<size_t>(a.a[2]), static_cast<int>(a.a[3]),
                                          static_cast<uintptr_t>(a.a[4])));
}

JUNCTION_HANDLER(madvise) {
  return ToRaw(AddressSpace::Get().Madvise(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]),
                                           static_cast<int>(a.a[2])));
}

JUNCTION_HANDLER(brk) { return static_cast<long>(AddressSpace::Get().Brk(static_cast<uintptr_t>(a.a[0]))); }

JUNCTION_HANDLER(msync) {
  if (!AddressSpace::Get().IsGuestRange(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]), 0))
    return -ENOMEM;
  return host::Syscall(SYS_msync, a.a[0], a.a[1], a.a[2]);
}

JUNCTION_HANDLER(mincore) {
  size_t len = static_cast<size_t>(a.a[1]);
  size_t pages = (len + 4095) / 4096;
  if (!AddressSpace::Get().IsGuestRange(static_cast<uintptr_t>(a.a[0]), len, 0)) return -ENOMEM;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), pages)) return -EFAULT;
  return host::Syscall(SYS_mincore, a.a[0], a.a[1], a.a[2]);
}

}  // namespace junction::libos
