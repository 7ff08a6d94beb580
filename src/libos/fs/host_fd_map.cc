#include "libos/fs/host_fd_map.h"

#include <sys/syscall.h>
#include <sys/uio.h>

#include <cerrno>

#include "libos/fs/fd_table.h"
#include "libos/host/host.h"

namespace junction::libos::fs {

namespace {

// Exited, a zombie included (kill(pid, 0) still finds a zombie; a read of
// its memory does not: it has none).
bool Gone(int host_pid) {
  char byte;
  struct iovec local{&byte, 1};
  struct iovec remote{nullptr, 1};
  return host::Syscall(SYS_process_vm_readv, host_pid, host::L(&local), 1, host::L(&remote), 1, 0) == -ESRCH;
}

}  // namespace

long ReadHostFdMap(const HostFdMapLocation& loc, int host_pid, long fd, int32_t* out) {
  *out = FdTable::kNoDescriptor;
  if (fd < 0) return 0;
  for (unsigned tries = 0;; tries++) {
    uint32_t seq = loc.seq.load(std::memory_order_acquire);
    if (seq & 1) {
      // Moving now (for as long as one mremap under the table's lock), or
      // a fork child not yet set up; one that died so leaves it odd.
      if ((tries & 0x3f) == 0x3f && Gone(host_pid)) return -ESRCH;
      host::Syscall(SYS_sched_yield);
      continue;
    }
    uint64_t addr = loc.addr.load(std::memory_order_acquire);
    uint64_t size = loc.size.load(std::memory_order_acquire);
    int32_t v = FdTable::kNoDescriptor;
    if (addr && static_cast<uint64_t>(fd) < size) {
      struct iovec local{&v, sizeof(v)};
      struct iovec remote{reinterpret_cast<void*>(addr + static_cast<uint64_t>(fd) * sizeof(v)), sizeof(v)};
      long r = host::Syscall(SYS_process_vm_readv, host_pid, host::L(&local), 1, host::L(&remote), 1, 0);
      if (r == -ESRCH || r == -EPERM) return r;
      if (r != sizeof(v)) v = FdTable::kNoDescriptor;  // EFAULT: moved meanwhile (checked below)
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (loc.seq.load(std::memory_order_relaxed) == seq) {
      *out = v;
      return 0;
    }
  }
}

}  // namespace junction::libos::fs
