// The library OS: runs an unmodified Linux program inside this process and
// handles every system call it makes (docs/architecture.md).
#pragma once

#include <sys/times.h>

#include <string>
#include <vector>

#include "config/app_config.h"

struct junction_vdso_data;  // libos/vdso/vdso_data.h

namespace junction::libos {

// The guest vDSO's data page (LibOS view), or nullptr if none is mapped.
junction_vdso_data* GuestVdsoData();

// execve: the vDSO is the one mapping the new image keeps, and its text
// may hold rewritten syscall sites whose trampolines went with the old
// image (entry/rewrite.cc). Puts the pristine image back, r-x, as Linux
// maps a fresh vDSO at exec. After ResetForExec and ResetTrampolines.
void RestoreVdsoForExec();

// In a forked process of a container under the daemon, after the fork:
// asks for a kthread slot of the container's (SCHED_JOIN) and from then on
// runs on the daemon's grants, each kthread it starts later on a slot of
// its own; standalone if that fails (docs/daemon.md "Forked processes").
void JoinDaemonAfterFork();

struct RunOptions {
  bool strace = false;
  std::string strace_file;  // empty = stderr
};

// The host's usage of children junction itself had before the guest
// started (not the guest's: getrusage(RUSAGE_CHILDREN) leaves it out).
// A forked container process starts from none (ResetChildrenUsageBaseline).
void RecordChildrenUsageBaseline();
void ResetChildrenUsageBaseline();
// The guest process's times(2) figures: its uthreads' CPU time and its
// reaped children's (since the baseline), in USER_HZ ticks.
struct tms GuestProcessTimes();

// Loads argv[0] (PATH lookup for a bare name) and runs it to completion.
// Returns the guest's exit status, 128+N if a signal N killed it, 126/127
// (like a shell) if it could not be loaded; errors are printed to stderr.
int RunGuest(const config::AppConfig& cfg, const std::vector<std::string>& argv,
             const RunOptions& opts);

}  // namespace junction::libos
