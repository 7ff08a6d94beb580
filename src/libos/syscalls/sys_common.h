// Helpers shared by the descriptor-object handlers (sys_pipe, sys_event,
// sys_epoll, sys_poll, sys_socket).
#pragma once

#include <cstdint>

#include "libos/fs/fd_table.h"

namespace junction::libos {

// Installs two new descriptions at the lowest free numbers (pipe2,
// socketpair); 0 or -errno (nothing installed).
long InstallPair(const fs::FilePtr& a, const fs::FilePtr& b, bool cloexec, int out[2]);

// Installs one description; the new number or -errno.
long InstallFile(const fs::FilePtr& f, bool cloexec);

// ppoll/pselect6/epoll_pwait(2): the guest's mask replaced for the call.
// As on Linux (restore_saved_sigmask_unless), a call interrupted by a
// signal keeps the temporary mask until the handler's frame is built: the
// handler runs with it and its sigreturn restores the caller's mask.
class TempSigmask {
 public:
  // `mask_addr` 0: no change. ok() is false on EFAULT/EINVAL.
  TempSigmask(long mask_addr, long size);
  ~TempSigmask();  // restores the mask if Finish was not called
  bool ok() const { return ok_; }
  // Ends the call with `result`: -EINTR with a signal to deliver leaves the
  // mask to signal delivery (Uthread::restore_mask), else restores it now.
  long Finish(long result);

 private:
  bool ok_ = true, set_ = false;
  uint64_t old_ = 0;
};

// A relative timeout in ns -> a CLOCK_MONOTONIC deadline (0 stays "none").
uint64_t DeadlineAfter(uint64_t ns);

}  // namespace junction::libos
