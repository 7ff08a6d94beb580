// What a host descriptor the LibOS has just opened without waiting
// (O_NONBLOCK, host_fs.cc) refers to, at the cost of one cheap host call.
// Header-only and vector-free: the lazy open (sys_path_lazy.cc) uses it too.
#pragma once

#include <sys/syscall.h>

#include "libos/host/host.h"

namespace junction::libos::fs {

// True for a regular file, a directory or a block device: types whose I/O
// never waits for a peer, which ignore O_NONBLOCK once open and which
// epoll refuses, so the open's host O_NONBLOCK may stay
// (HostFile::MarkHostNonblockOurs) and the open is done. False for FIFOs,
// sockets and character devices (and a bad descriptor), for which the
// caller looks closer (an fstat). sync_file_range with no flags does only
// this test (ESPIPE for the other types, Linux's fs/sync.c, since 2.6.17):
// ~125 ns natively on the 2-vCPU VM, where ioctl(FIOQSIZE) took ~270 and
// fstat ~370 (docs/performance.md).
inline bool HostFdIgnoresNonblock(long fd) { return host::Syscall(SYS_sync_file_range, fd, 0, 0, 0) == 0; }
// The same from a lazy handler: returns through host::SyscallLinked's jump.
inline bool HostFdIgnoresNonblockLazy(long fd) {
  return host::SyscallLinked(SYS_sync_file_range, fd, 0, 0, 0) == 0;
}

}  // namespace junction::libos::fs
