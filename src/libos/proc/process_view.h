// What a process shows the other processes of its container in /proc/PID
// (ps, pgrep, pkill, top, psutil), beyond the family and credentials its
// process-table entry already holds.
//
// Each process publishes in its entry where the bytes are in its own
// memory (proc::PublishedRange): its argument and environment strings on
// the guest stack, exactly where Linux's /proc/PID/cmdline and environ read
// them (so a setproctitle shows), and LibOS copies of its executable's path
// and working directory; its comm is in the entry itself. A reader in
// another process takes them with process_vm_readv (allowed by the host
// wherever the container's pidfd_getfd is). Nothing is copied at fork:
// the child's memory holds the same bytes at the same addresses.
#pragma once

#include <cstdint>
#include <string>

#include "libos/proc/process_table.h"

namespace junction::sched {
struct Uthread;
}

namespace junction::libos::proc {

// ---- The publishing process (its own entry) ----

// A new image (start, exec), its initial stack built: the argument and
// environment strings (found from argc/argv/envp at `stack_pointer`), the
// executable's path (/proc/PID/exe), the main thread's name and the main
// thread `main`.
void PublishImage(uintptr_t stack_pointer, const std::string& exe, const std::string& comm,
                  const sched::Uthread* main);
// exec, before the old image goes: its argument and environment strings
// are no longer published (a reader meanwhile sees none, not whatever the
// new image maps there).
void ForgetStackStrings();
// The name of its thread `tid` (PR_GET_NAME, task/TID/comm): the main
// thread's is the process's (Process::name, the entry's comm), another's
// is in its thread slot (its creator's until it sets its own).
std::string ThreadName(int tid);
// Thread `tid` names itself (PR_SET_NAME): only the main thread renames
// the process (ps, pgrep), as Linux's.
void SetThreadName(int tid, const std::string& name);
// The working directory (chdir, fchdir, start).
void PublishCwd(const std::string& guest_path);
// In a fork child, once its entry is found: the ranges again (the parent
// may have moved one between reserving the entry and forking), and its
// main thread `main` (the forking one).
void RepublishAfterFork(Entry* self, const sched::Uthread* main);
// Its main thread has ended (PublishImage and RepublishAfterFork name it).
void ForgetMainThread();

// ---- A reader in another process ----

// Reads `range` of host process `host_pid` into *out, at most `max` bytes.
// False if the process is gone or its memory there cannot be read.
bool ReadPublished(const PublishedRange& range, int host_pid, size_t max, std::string* out);
// /proc/PID/cmdline of the process `e` (host process `host_pid`): its
// argument strings, or, if the program wrote over their final NUL
// (setproctitle), the text up to and with the first NUL, on into the environment
// strings, as Linux's get_mm_cmdline.
std::string ReadCmdline(const Entry& e, int host_pid);
// The state letter of process `e`'s main thread, as Linux's /proc/PID/stat
// shows the leader's: 'S' parked in a blocking call, else 'R'; 0 if not
// known (no main thread, its memory unreadable).
char ReadMainThreadLetter(const Entry& e, int host_pid);
// The entry's comm, NUL-terminated.
std::string CommOf(const Entry& e);
// The name of task `tid` of process `e`: its main thread's (the entry's
// comm) or another thread's (its slot's).
std::string TaskCommOf(Table* t, const Entry& e, int tid);

}  // namespace junction::libos::proc
