// The fields of a host process's /proc/PID/stat that the LibOS passes on
// to its guests: the host process is the container process, so its page
// faults, CPU times, start time and memory are the guest process's (the
// LibOS's own share included).
#pragma once

#include <string>

namespace junction::libos::fs {

struct HostProcStat {
  char state = 0;  // R, S, D, T, Z...
  int tty_nr = 0;  // the controlling terminal's device number (0: none)
  int tpgid = -1;  // its foreground process group, a host pgid (-1: none)
  unsigned long minflt = 0, cminflt = 0, majflt = 0, cmajflt = 0;
  unsigned long utime = 0, stime = 0;  // clock ticks
  long cutime = 0, cstime = 0;
  unsigned long long starttime = 0;  // clock ticks after boot
  unsigned long vsize = 0;           // bytes
  long rss = 0;                      // pages
};

// Parses `path` (e.g. /proc/self/stat); false if it cannot be read or
// parsed (a process gone meanwhile).
bool ReadHostProcStat(const std::string& path, HostProcStat* out);

}  // namespace junction::libos::fs
