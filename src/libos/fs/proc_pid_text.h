// The text of /proc/PID/stat, shared by a process's view of itself
// (procfs.cc, from its own state) and of another process of its container
// (procfs_peer.cc, from the process table and the host).
#pragma once

#include <cstdint>
#include <string>

#include "libos/proc/process_table.h"

namespace junction::libos::fs {

struct StatFields {
  int tid = 0;
  std::string comm;
  char state = 'R';
  int ppid = 0, pgrp = 0, sid = 0;
  int tty_nr = 0, tpgid = -1;  // the terminal and its foreground group (container pgid)
  unsigned long minflt = 0, cminflt = 0, majflt = 0, cmajflt = 0;
  unsigned long utime = 0, stime = 0;  // clock ticks
  long cutime = 0, cstime = 0;
  int priority = 20, nice = 0, threads = 1;
  unsigned long long starttime = 0;  // clock ticks after boot
  uint64_t vsize = 0, rss_pages = 0;
  int rt_priority = 0, policy = 0;
};

// Priority (20 + nice, or -1 - the real-time priority), nice, rt_priority
// and policy from a task's scheduling attributes as set.
void SetPriorityFields(const proc::SchedAttrs& s, StatFields* f);

// The controlling terminal of a host process as its /proc/PID/stat gives
// it (`tty_nr`, and `host_tpgid`, a host group) in the container's terms:
// the foreground group as a container pgid, 0 for a group outside the
// container (as Linux shows one outside the reader's pid namespace).
void SetTerminalFields(int tty_nr, int host_tpgid, StatFields* f);

// The line, as Linux's do_task_stat prints it.
std::string FormatStatLine(const StatFields& f);

}  // namespace junction::libos::fs
