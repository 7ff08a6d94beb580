#include "libos/fs/host_proc_stat.h"

#include <cstdio>

#include "libos/fs/synthetic.h"

namespace junction::libos::fs {

bool ReadHostProcStat(const std::string& path, HostProcStat* out) {
  *out = HostProcStat{};
  std::string stat = ReadHostFile(path);
  // After the command's closing parenthesis (it may hold spaces and ')').
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return false;
  // state ppid pgrp session tty_nr tpgid flags, the faults, the times,
  // priority nice num_threads itrealvalue, starttime vsize rss.
  HostProcStat h;
  if (std::sscanf(stat.c_str() + paren + 1,
                  " %c %*d %*d %*d %d %d %*u %lu %lu %lu %lu %lu %lu %ld %ld %*d %*d %*d %*d %llu %lu %ld",
                  &h.state, &h.tty_nr, &h.tpgid, &h.minflt, &h.cminflt, &h.majflt, &h.cmajflt, &h.utime,
                  &h.stime, &h.cutime, &h.cstime, &h.starttime, &h.vsize, &h.rss) != 14)
    return false;
  *out = h;
  return true;
}

}  // namespace junction::libos::fs
