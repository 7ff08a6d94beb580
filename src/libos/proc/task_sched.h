// Scheduling attributes of the container's tasks (threads) by the ids
// Linux takes: getpriority/setpriority, sched_{get,set}{scheduler,param},
// sched_rr_get_interval and sched_{get,set}affinity name a task of any
// container process, as a pid (its main thread) or a tid. The attributes
// live in the shared process table (proc::TaskSched), so any process reads
// and sets them under Linux's rules. Uthreads have no priorities: nice and
// policy are recorded only. A changed affinity is the scheduler's too: the
// caller's process applies it at once; another process is asked to (a host
// signal), and applies it at its scheduler's next notice.
#pragma once

#include <signal.h>

#include "libos/proc/process_table.h"

namespace junction::libos::proc {

// Task `id` (0 = the caller) as found in the table: a process's main
// thread (a zombie's too) or a live non-main thread.
struct Task {
  int tid = 0;
  TaskSched* sched = nullptr;
  Entry* process = nullptr;  // its process (credentials, host pid)
  bool own = false;          // a thread of the calling process
};

// False if no such task (ESRCH). With the table lock held (for a change)
// or without (a read: the attributes may be a moment old).
bool FindTask(Table* t, long id, Task* out);

// The calling thread's attributes.
SchedAttrs CurrentSched();
// What a task the caller creates (clone, fork) starts with, in *out: the
// caller's, less its custom slice and what SCHED_RESET_ON_FORK resets.
// -EAGAIN for a SCHED_DEADLINE caller without it, as Linux's sched_fork.
long SchedForNewTask(SchedAttrs* out);
// exec: the caller, now the main thread, keeps `attrs` (read before, as
// task `former_tid`: a deadline task's parameters move to the pid).
void SetMainThreadSched(const SchedAttrs& attrs, int former_tid);
// The fair class's default slice as the host reports it (sched_getattr's
// runtime for a SCHED_OTHER task, Linux 6.12 on), 0 if it reports none.
uint64_t HostFairSliceNs();
// At container start: pid 1 starts with the host process's nice.
void InitMainThreadSched();

// After task `task`'s affinity changed in the table: the scheduler follows.
void ApplyAffinity(const Task& task);

// The kPreemptSignal hook's part: true if `info` asked this process to
// re-read its threads' affinity (then done at the scheduler's notice).
bool TakeAffinityRequest(const siginfo_t* info);
// From the scheduler's notice: re-reads them if asked.
void RefreshAffinitiesIfAsked();

}  // namespace junction::libos::proc
