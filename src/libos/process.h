// The guest process as the LibOS sees it: identity, limits, the container
// configuration it runs under. One per junction process for now; the
// processes issue turns this into a table of container-private processes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/app_config.h"

namespace junction::libos {

struct Process {
  int host_pid = 0;
  int host_ppid = 0;
  uint32_t uid = 0, euid = 0, gid = 0, egid = 0;
  uint32_t umask = 022;
  int cores = 1;              // the container's cores (sched_getaffinity)
  std::string exe_path;       // /proc/self/exe
  std::string name;           // PR_SET_NAME (16 bytes)
  uintptr_t clear_child_tid = 0;
  uintptr_t robust_list = 0;
  size_t robust_list_len = 0;
  const config::AppConfig* config = nullptr;
};

Process& CurrentProcess();

}  // namespace junction::libos
