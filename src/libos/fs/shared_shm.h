// /dev/shm shared by the container's processes: a private host directory on
// the host's /dev/shm (a tmpfs), mounted as the guest's /dev/shm, so POSIX
// shared memory and named semaphores opened by name in different processes
// are one host file (docs/filesystem.md).
#pragma once

#include <string>

namespace junction::libos::fs {

// Creates /dev/shm/junction-shm-<host pid>-<random> (mode 0700) and returns
// its path, "" if the host has no usable /dev/shm. First removes such
// directories left by containers whose first process is gone (killed
// before it could remove its own). Called once, at `junction run` start.
std::string CreateSharedShmDir();

// The directory CreateSharedShmDir made in this container, "" if none.
const char* SharedShmDir();

// Removes that directory and everything in it (mappings and open files
// stay valid). Host calls and stack buffers only: safe in the teardown
// watchdog and at exit with other kthreads stopped mid-malloc.
void RemoveSharedShmDir();

}  // namespace junction::libos::fs
