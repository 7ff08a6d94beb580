// /dev/shm shared by the container's processes: a private host directory on
// the host's /dev/shm (a tmpfs), mounted as the guest's /dev/shm, so POSIX
// shared memory and named semaphores opened by name in different processes
// are one host file (docs/filesystem.md).
#pragma once

#include <string>

namespace junction::libos::fs {

// Creates /dev/shm/junction-shm-<host pid>-<random> (mode 0700) with
// subdirectories shm (the guest's /dev/shm), sock (SharedSocketDir) and sysv
// (SharedSysvDir), and
// returns the path of shm, "" if the host has no usable /dev/shm. First
// removes such
// directories left by containers whose first process is gone (killed
// before it could remove its own). Called once, at `junction run` start.
std::string CreateSharedShmDir();

// Makes the host directory of config tmpfs mount number `index`, tmpfs-<index>
// (mode 01777), in the container's directory and returns its path; "" with
// `*err` if the container has none (ENOENT: no writable host /dev/shm) or it
// cannot be made. Removed with the rest by RemoveSharedShmDir
// (fs/shared_tmpfs.h).
std::string CreateSharedTmpfsDir(int index, int* err);

// The directory CreateSharedShmDir made in this container, "" if none.
const char* SharedShmDir();
// Its sibling for the host files of unix sockets several of the
// container's processes share (net/unix_socket.cc), "" if none: host
// sockets there are out of reach of other host users (mode 0700).
const char* SharedSocketDir();
// Its sibling for System V shared memory segments' host files
// (ipc/sysv/sysv_shm.h), "" if none.
const char* SharedSysvDir();

// Removes the container's directory and everything in it (mappings and open files
// stay valid). Host calls and stack buffers only: safe in the teardown
// watchdog and at exit with other kthreads stopped mid-malloc.
void RemoveSharedShmDir();

}  // namespace junction::libos::fs
