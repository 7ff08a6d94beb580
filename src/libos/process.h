// The guest process as the LibOS sees it: identity, limits, the container
// configuration it runs under, its children. One per host process: each
// container process is a host process (docs/architecture.md, Processes);
// the container-wide view (pids, groups, sessions) is the shared process
// table in proc/process_table.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "sched/spinlock.h"

namespace junction::libos {

// A child this process created (fork/vfork/clone): the host pidfd lets a
// waiting uthread park in the reactor until the child exits.
struct ChildProcess {
  int pid = 0;       // container pid
  int host_pid = 0;
  int pidfd = -1;    // host pidfd (the LibOS's, no guest number)
  bool in_set = false;  // its pidfd is in children_epfd
};

// A process's children, in one array: the first few in the list itself,
// more on the heap. Process lives on the fork-written page (process.cc),
// which every fork writes anyway: a heap vector made the parent write one
// more page at every fork and reap (a copy-on-write fault in each).
class ChildList {
 public:
  ChildProcess* begin() { return data(); }
  ChildProcess* end() { return data() + size_; }
  const ChildProcess* begin() const { return data(); }
  const ChildProcess* end() const { return data() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void push_back(const ChildProcess& c) {
    if (heap_.empty() && size_ < kInline) {
      inline_[size_++] = c;
      return;
    }
    if (heap_.empty()) heap_.assign(inline_, inline_ + size_);
    heap_.push_back(c);
    size_++;
  }
  // Keeps the order of the others (waits report children oldest first).
  void erase(ChildProcess* it) {
    for (ChildProcess* next = it + 1; next != end(); it++, next++) *it = *next;
    size_--;
    if (!heap_.empty()) heap_.pop_back();  // back inline when it empties
  }
  void clear() {
    size_ = 0;
    if (!heap_.empty()) heap_.clear();
  }

 private:
  static constexpr size_t kInline = 4;
  ChildProcess* data() { return heap_.empty() ? inline_ : heap_.data(); }
  const ChildProcess* data() const { return heap_.empty() ? inline_ : heap_.data(); }
  ChildProcess inline_[kInline];
  std::vector<ChildProcess> heap_;  // all of them once more than kInline
  size_t size_ = 0;
};

// Capability sets (sys_capability.cc), one bit per capability.
struct CapabilitySets {
  uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
};

struct Process {
  int pid = 0;        // container pid (1 for the first process)
  int host_pid = 0;
  int host_ppid = 0;
  uint32_t uid = 0, euid = 0, suid = 0, gid = 0, egid = 0, sgid = 0;  // sys_cred.cc
  std::vector<uint32_t> groups;  // supplementary groups (setgroups)
  CapabilitySets caps;           // capget/capset, set*uid, exec
  bool no_new_privs = false;     // PR_SET_NO_NEW_PRIVS (the host process's is set for seccomp)
  uint32_t umask = 022;
  int cores = 1;              // the container's cores (sched_getaffinity)
  std::string exe_path;       // /proc/self/exe
  std::string name;           // PR_SET_NAME (16 bytes)
  const config::AppConfig* config = nullptr;

  // vfork child: the write end of the pipe its parent waits on until this
  // process execs or exits (-1 otherwise).
  int vfork_fd = -1;
  // Host epoll set of the children's pidfds, readable when one exited: what
  // a wait for any child parks on. Made at the first such wait (a wait for
  // one child parks on its pidfd); from then on each new child joins it at
  // its fork. -1 until then.
  int children_epfd = -1;
  sched::SpinLock children_lock;
  ChildList children;  // guarded by children_lock
  // Set when this process forks or becomes a subreaper (kept across exec,
  // cleared in a forked child): until then no table entry names it as
  // parent (init, pid 1, adopts orphans regardless).
  bool may_have_children = false;
  // Set when this process records a thread in the table (cleared in a
  // forked child, which has one thread): until then exit and exec need not
  // scan the table's thread slots.
  bool recorded_threads = false;
};

Process& CurrentProcess();

// Container-side process operations (proc/process_table.h holds the data).
namespace proc {

// Sets up the shared process table with this process as container pid 1;
// before the seccomp filter. False if it cannot be created.
bool InitContainer();

// Records this process's credentials in its table entry (after a set*id;
// a fork child's entry has its parent's).
// A change of its effective uid or gid makes it not dumpable (kNotDumpable).
void PublishCredentials();
// PR_SET_DUMPABLE, and exec (dumpable again).
void SetDumpable(bool dumpable);
// PR_GET_DUMPABLE.
bool Dumpable();

// The container pid of host process `host_pid`, 0 if it is outside the
// container. Lock-free, no allocation: usable from host signal handlers.
int ContainerPid(int host_pid);

// True if the container has a running process besides this one (lock-free
// scan; a process alone can only gain others by forking itself).
bool OtherProcessesRunning();

// Host pid of container process `pid` (0 if none).
int HostPid(int pid);

// F_SETOWN's argument on the host: container pid -> host pid, -pgid ->
// -host pgid (0 if there is no such process or group).
int HostOwner(int owner);

// Records this process's command line for `junction ps`.
void SetCommand(const std::vector<std::string>& argv);

// A fresh container-wide thread id, recorded as a thread of this process
// until ForgetThread (-EAGAIN if none is left).
int AllocateTid();
// Thread `tid` of this process is gone (exited, or never started).
void ForgetThread(int tid);
// Only the calling thread is left (exec): the others are forgotten.
void ForgetOtherThreads();
// The pid of the running process whose non-main thread is `tid`, 0 if none.
int ThreadOwner(int tid);

// Before the process ends: records the exit (or, if its parent reaps
// children as they exit, frees its entry: no zombie), hands its children
// to the container's init and, in pid 1, kills every other process of the
// container (the container ends with its first process).
void OnProcessExit();

// Its SIGCHLD disposition changed: `on` if it is ignored or has
// SA_NOCLDWAIT (Entry's kAutoReap; the host reaps the host processes).
void SetAutoReap(bool on);
// With kAutoReap: forgets the children already gone (closes their
// pidfds), which no wait reaps; at each fork.
void ForgetReapedChildren();

}  // namespace proc

// Before the process ends (exit_group, the last thread's exit, a fatal
// signal): every robust futex a thread of it still holds gets
// FUTEX_OWNER_DIED and a waiter is woken, in any process (sys_thread.cc).
void ReleaseProcessRobustFutexes();

// Guest threads not yet in exit(2) (/proc/self/status Threads:). Falls at
// the start of a thread's exit, before its tid word is cleared, so a
// joiner never counts the thread it joined (sys_thread.cc).
int LiveGuestThreads();
// execve, before the old image goes (Linux's de_thread): every other
// thread of the process is ended, without running guest code again, and
// the caller becomes the main thread (its tid the pid). sys_thread.cc.
void EndOtherThreadsForExec();
// True while another thread's exec ends the calling thread: it must not
// return to the guest but call EndThreadForExec (signals/delivery.cc).
bool ExecEndsCurrentThread();
[[noreturn]] void EndThreadForExec();
// In a forked child: only the forking thread exists.
void ResetLiveGuestThreadsAfterFork();
}  // namespace junction::libos
