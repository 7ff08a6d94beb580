// Where a process publishes which host descriptor backs each of its guest
// descriptors, for pidfd_getfd in another process of the container: an
// array in the process's own memory (a fork child inherits a copy at the
// same address), grown with its descriptor table to any number, whose
// address and length it records in its process-table entry. Another
// process reads one element with process_vm_readv (the host allows it
// wherever it allows the pidfd_getfd that follows); a sequence count, odd
// while the array moves, tells the reader the address it used was current
// for the whole read.
#pragma once

#include <atomic>
#include <cstdint>

namespace junction::libos::fs {

struct HostFdMapLocation {
  std::atomic<uint32_t> seq{0};   // odd while the array moves
  std::atomic<uint32_t> size{0};  // elements
  std::atomic<uint64_t> addr{0};  // in the publishing process (0: none yet)
};

// Reads into *out the element for guest descriptor `fd` of host process
// `host_pid`, whose array `loc` describes: a host descriptor,
// FdTable::kNoDescriptor or FdTable::kLibosObject. 0, or -errno if the host
// refuses the read (ESRCH: gone, EPERM: not ours to read).
long ReadHostFdMap(const HostFdMapLocation& loc, int host_pid, long fd, int32_t* out);

}  // namespace junction::libos::fs
