// A pidfd as a guest descriptor: the host pidfd of a container process,
// and which container process it refers to (pidfd_getfd looks the target
// up in the process table by it).
#pragma once

#include <fcntl.h>

#include "libos/fs/file.h"

namespace junction::libos::proc {

class PidFd : public fs::HostFile {
 public:
  PidFd(int flags, int host_pidfd, int pid) : HostFile(flags, "anon_inode:[pidfd]", host_pidfd), pid_(pid) {}
  int pid() const { return pid_; }

 private:
  int pid_;
};

}  // namespace junction::libos::proc
