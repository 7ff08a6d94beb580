#include "libos/fs/proc_pid_text.h"

#include <sched.h>

#include <cinttypes>
#include <cstdio>

namespace junction::libos::fs {

void SetPriorityFields(const proc::SchedAttrs& s, StatFields* f) {
  bool rt = s.policy == SCHED_FIFO || s.policy == SCHED_RR;
  f->priority = rt ? -1 - s.rt_priority : 20 + s.nice;
  f->nice = s.nice;
  f->rt_priority = rt ? s.rt_priority : 0;
  f->policy = s.policy;
}

void SetTerminalFields(int tty_nr, int host_tpgid, StatFields* f) {
  f->tty_nr = tty_nr;
  f->tpgid = -1;
  if (host_tpgid <= 0) return;
  const proc::Table* t = proc::Get();
  f->tpgid = t ? proc::ContainerPgidOf(t, host_tpgid) : 0;
}

std::string FormatStatLine(const StatFields& f) {
  char buf[1024];
  std::snprintf(buf, sizeof(buf),
                "%d (%s) %c %d %d %d %d %d 4194304 %lu %lu %lu %lu %lu %lu %ld %ld %d %d %d 0 %llu %" PRIu64
                " %" PRIu64 " 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 %d %d 0 0 0 0 0 0 0 0 0 0 0\n",
                f.tid, f.comm.c_str(), f.state, f.ppid, f.pgrp, f.sid, f.tty_nr, f.tpgid, f.minflt, f.cminflt, f.majflt, f.cmajflt,
                f.utime, f.stime, f.cutime, f.cstime, f.priority, f.nice, f.threads, f.starttime, f.vsize,
                f.rss_pages, f.rt_priority, f.policy);
  return buf;
}

}  // namespace junction::libos::fs
