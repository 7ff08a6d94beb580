// Blocking opens of host FIFOs that park the calling uthread, not its
// kthread, and return exactly when Linux's would: the open itself runs in
// the host kernel's io_uring worker (a thread of this process the kernel
// makes), where it blocks until the peer opens; the uthread waits on the
// ring's descriptor through the reactor.
#pragma once

#include <linux/openat2.h>

namespace junction::libos::fs {

// openat2(dirfd, path, how) that may block (a FIFO without O_NONBLOCK).
// Returns the new host descriptor, -EINTR when a signal for the guest
// interrupted the wait (the host open is then cancelled), -errno of the
// open, or -ENOSYS when the host refuses io_uring (the caller falls back).
// With `watch_fd` >= 0 the wait also ends, the open cancelled, when that
// descriptor hangs up: *watch_ready is then true and
// the result 0 (a reader's stand-in descriptor that has seen a writer
// come, and perhaps go, before the blocking open started).
long BlockingHostOpen(int dirfd, const char* path, const open_how& how, int watch_fd,
                      bool* watch_ready);

}  // namespace junction::libos::fs
