// /proc/PID of the container's other processes (ps, pgrep, pkill, top,
// pstree, psutil). Each container process is a host process; what
// /proc/PID shows of another one comes from:
//   - the shared process table (proc/process_table.h): container pid,
//     parent, group, session, zombie or not, credentials, scheduling
//     attributes, threads, comm;
//   - the ranges it publishes in its own memory (proc/process_view.h),
//     read with process_vm_readv: cmdline, environ, exe, cwd;
//   - the host's /proc/HOSTPID/{stat,status,statm}: state letter, faults,
//     CPU times, start time, memory (the host process's, LibOS included).
// Host pids never show. Only container processes are listed or found, so
// other containers' and the host's processes stay invisible. A process
// that exits meanwhile gives empty files (ps and pgrep skip those), never
// another process's values: each read checks the entry is still its own.
// Not served for another process: fd/ and fdinfo/ (EACCES on open, as
// Linux's for a process the reader may not ptrace), maps, smaps, limits,
// mounts, mountinfo (ENOENT).
#pragma once

#include <string>
#include <vector>

#include "libos/fs/synthetic.h"

namespace junction::libos::fs {

// The container's processes, zombies included, ascending.
std::vector<int> ContainerPids();

// The process `id` names if it is another process of the container or a
// thread of one (Linux finds /proc/TID too, unlisted); 0 if not.
int PeerOf(int id);

// /proc/ID[/rest...] for PeerOf(id) == pid: `id` is the process (pid) or
// one of its threads, whose status and stat it shows. `base` is the node's
// path below /proc, for inode numbers.
SynthNode DescribePeer(int pid, int id, const std::vector<std::string>& rest, const std::string& base);

// /proc/loadavg: the host's load averages; the runnable and total task
// counts and the last pid handed out are the container's.
std::string ContainerLoadavg();

}  // namespace junction::libos::fs
