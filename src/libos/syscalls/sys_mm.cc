// Memory system calls: the guest's mappings go through AddressSpace, which
// tracks them as VMAs and keeps LibOS memory out of the guest's reach.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"
#include "libos/ipc/sysv/sysv_shm.h"
#include "libos/mm/address_space.h"
#include "libos/signals/rseq.h"
#include "libos/syscalls/handlers.h"
#include "libos/syscalls/user_memory.h"

namespace junction::libos {

JUNCTION_HANDLER(mmap) {
  int flags = static_cast<int>(a.a[3]);
  int fd = static_cast<int>(a.a[4]);
  std::string name;
  uint64_t dev = 0, ino = 0;  // the file as the guest sees it, for /proc/self/maps
  fs::FilePtr file;  // keeps the host descriptor open across the call
  if (!(flags & MAP_ANONYMOUS)) {
    file = fs::FdTable::Get().Lookup(fd);
    if (!file || (file->flags() & O_PATH)) return -EBADF;
    // Files with a host descriptor (host files, tmpfs memfds, devices,
    // memfds) are mapped through it, so MAP_SHARED really shares.
    if (file->host_fd() < 0) return -ENODEV;
    fd = file->host_fd();
    name = file->path();
    (void)file->Identity(&dev, &ino);
  } else {
    fd = -1;
  }
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))
    RseqForgetRange(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]));
  auto r = AddressSpace::Get().Mmap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]),
                                    static_cast<int>(a.a[2]), flags, fd, static_cast<uint64_t>(a.a[5]), name,
                                    dev, ino);
  if (r.ok() && (flags & MAP_FIXED)) sysv::ShmNoteUnmapped();  // it may have replaced an attachment
  return ToRaw(r);
}

JUNCTION_HANDLER(munmap) {
  RseqForgetRange(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]));
  auto r = AddressSpace::Get().Munmap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]));
  if (r.ok()) sysv::ShmNoteUnmapped();
  return ToRaw(r);
}

JUNCTION_HANDLER(mprotect) {
  if (!(a.a[2] & PROT_WRITE)) RseqForgetRange(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]));
  return ToRaw(AddressSpace::Get().Mprotect(static_cast<uintptr_t>(a.a[0]),
                                            static_cast<size_t>(a.a[1]), static_cast<int>(a.a[2])));
}

JUNCTION_HANDLER(mremap) {
  RseqForgetRange(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]));
  if (a.a[3] & MREMAP_FIXED) RseqForgetRange(static_cast<uintptr_t>(a.a[4]), static_cast<size_t>(a.a[2]));
  auto r = AddressSpace::Get().Mremap(static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]),
                                      static_cast<size_t>(a.a[2]), static_cast<int>(a.a[3]),
                                      static_cast<uintptr_t>(a.a[4]));
  if (r.ok()) sysv::ShmNoteUnmapped();
  return ToRaw(r);
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
  if (a.a[0] & 4095) return -EINVAL;  // before the range, as Linux
  if (!AddressSpace::Get().IsGuestRange(static_cast<uintptr_t>(a.a[0]), len, 0)) return -ENOMEM;
  if (!GuestWritable(static_cast<uintptr_t>(a.a[2]), pages)) return -EFAULT;
  return host::Syscall(SYS_mincore, a.a[0], a.a[1], a.a[2]);
}

namespace {

// mlock, munlock, mlock2: the pages of [addr, addr+len) (rounded out to
// whole pages, as Linux does) must all be guest memory, else ENOMEM; then
// the host locks or unlocks them.
long LockRange(long nr, uintptr_t addr, size_t len, long flags) {
  uintptr_t start = addr & ~uintptr_t{4095};
  size_t span = len + (addr - start);
  if (span < len) return -ENOMEM;  // wrapped
  if (len == 0) return 0;
  if (!AddressSpace::Get().IsGuestRange(start, span, 0)) return -ENOMEM;
  return nr == SYS_mlock2 ? host::Syscall(nr, start, span, flags) : host::Syscall(nr, start, span);
}

}  // namespace

JUNCTION_HANDLER(mlock) { return LockRange(SYS_mlock, static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]), 0); }
JUNCTION_HANDLER(munlock) {
  return LockRange(SYS_munlock, static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]), 0);
}
JUNCTION_HANDLER(mlock2) {
  if (a.a[2] & ~static_cast<long>(MLOCK_ONFAULT)) return -EINVAL;
  return LockRange(SYS_mlock2, static_cast<uintptr_t>(a.a[0]), static_cast<size_t>(a.a[1]), a.a[2]);
}

// mlockall: on the host it would lock the LibOS's memory and reserved
// ranges too (gigabytes of MAP_NORESERVE). Linux's flag checks, then
// success: the guest's pages stay resident on a host without swap.
JUNCTION_HANDLER(mlockall) {
  long flags = a.a[0];
  if (!flags || (flags & ~static_cast<long>(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
    return -EINVAL;
  return 0;
}
JUNCTION_HANDLER(munlockall) { return 0; }

}  // namespace junction::libos
