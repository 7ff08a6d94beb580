// The container's process table: which host process is which container
// process. Every process of a container maps the same table (a memfd
// mapped MAP_SHARED at `junction run` start, inherited across host forks),
// so any of them can translate container pids <-> host pids, find process
// groups and sessions, and signal its peers.
//
// Container pids are private: the first process is pid 1. Thread ids of
// non-main threads come from the same counter so they never collide with
// pids, and each live one is recorded with its process (Table::threads), so
// another process can name a thread where Linux takes any task's id.
//
// Locking: one lock word in the shared page holds the host pid of the
// process updating the table (0 = free; host/shared_pid_lock.h). It is
// held only for short, non-blocking updates; a waiter sleeps, and takes the
// lock over from a holder that exited holding it (SIGKILL from outside
// mid-update), zombie or not. Readers that may run in a host signal
// handler (TranslateHostPid) read without the lock: every field is a
// 32-bit atomic, so they see old or new values, never torn ones.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "libos/fs/host_fd_map.h"
#include "sched/doorbell.h"

namespace junction::libos::proc {

inline constexpr int kMaxProcesses = 1024;
inline constexpr int kPidMax = 4194304;  // /proc/sys/kernel/pid_max default on 64-bit
inline constexpr uint32_t kTableMagic = 0x4a505442;  // "JPTB"
inline constexpr uint32_t kTableVersion = 11;
inline constexpr int kCommandBytes = 64;
inline constexpr int kCommBytes = 16;  // TASK_COMM_LEN
inline constexpr int kSharedFutexSlots = 1024;
// Live non-main threads recorded container-wide (a clone past it is
// EAGAIN, as Linux's threads-max). 40 bytes each; a slot's page is touched
// only when a thread hashes there.
inline constexpr int kMaxThreads = 16384;

enum EntryState : uint32_t {
  kFree = 0,
  kReserved = 1,  // pid allocated, host process being created
  kRunning = 2,
  kExited = 3,    // exited (a zombie until its parent reaps it)
};

// A task's scheduling attributes (nice, policy, real-time priority,
// SCHED_RESET_ON_FORK, the fair class's custom slice, SCHED_DEADLINE's
// flags, CPU affinity), as set by the guest: in the table so that any
// process of the container reads and sets them where Linux takes a task id
// (proc/task_sched.h). Uthreads have no priorities: nice, policy and
// slice are only recorded; the affinity is also the scheduler's
// (sched::Uthread::affinity, refreshed from here). A SCHED_DEADLINE task's
// runtime, deadline and period are in Table::deadline (task_deadline.h).
// All zero = the defaults (nice 0, SCHED_OTHER, the host's slice, every
// core), so untouched slots need no initialisation.
struct SchedAttrs {
  int nice = 0;  // -20..19
  int policy = 0;  // SCHED_OTHER, FIFO, RR, BATCH, IDLE or DEADLINE
  int rt_priority = 0;  // 1..99 for FIFO/RR, else 0
  bool reset_on_fork = false;
  uint32_t dl_flags = 0;  // SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN as set
  uint32_t slice_ns = 0;  // sched_setattr's fair-class slice (0: the default)
  uint64_t affinity = ~uint64_t{0};  // bit i: may run on core (kthread) i
};
struct TaskSched {
  // nice (low byte), policy, rt priority, reset flag (bit 24), deadline
  // flags (bits 25-26)
  std::atomic<uint32_t> packed{0};
  std::atomic<uint32_t> slice{0};
  std::atomic<uint64_t> excluded{0};  // ~affinity
  SchedAttrs Load() const;
  void Store(const SchedAttrs& a);
};

// A SCHED_DEADLINE task's parameters. A slot is in use while its task
// lives with that policy; one left by a task that died or changed policy is
// free again (task_deadline.cc checks), so no exit path needs to clear it.
inline constexpr int kMaxDeadlineTasks = 64;
struct DeadlineSlot {
  std::atomic<int32_t> tid{0};
  std::atomic<uint64_t> runtime{0}, deadline{0}, period{0};
};

// Bytes a process keeps in its own memory for other processes of the
// container to read with process_vm_readv (/proc/PID of another process:
// fs/procfs_peer.cc): where they are, and a sequence count, odd while the
// owner moves them, that tells a reader the range it read stayed current.
struct PublishedRange {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint64_t> addr{0};  // in the owner's memory (0: none)
  std::atomic<uint64_t> size{0};
};

enum EntryFlags : uint32_t {
  kSubreaper = 1,  // PR_SET_CHILD_SUBREAPER as the guest set it
  // Its children are reaped as they exit (its SIGCHLD is ignored or has
  // SA_NOCLDWAIT): an exiting child frees its entry instead of staying a
  // zombie (inherited at fork, as the disposition is).
  kAutoReap = 2,
  // Not dumpable (Linux's mm dumpable 0): it changed its effective uid or
  // gid since its exec, or PR_SET_DUMPABLE 0. Only root may then inspect
  // it (environ, exe, cwd), and its /proc/PID is root's. Kept at fork.
  kNotDumpable = 4,
};

struct Entry {
  std::atomic<uint32_t> state{kFree};
  std::atomic<int32_t> pid{0};        // container pid
  std::atomic<int32_t> host_pid{0};
  std::atomic<int32_t> ppid{0};       // container pid of the parent (0: outside)
  std::atomic<int32_t> pgid{0};       // container process group
  std::atomic<int32_t> host_pgid{0};  // the same group on the host
  std::atomic<int32_t> sid{0};        // container session
  std::atomic<uint32_t> flags{0};
  // Real-time signal instances queued in this process: its share of
  // Table::rt_signals, given back when it exits or its entry is freed.
  std::atomic<int32_t> rt_signals{0};
  // The command line (arguments joined by spaces, truncated), for `junction
  // ps`; rewritten at exec, so a reader may see a torn value.
  char command[kCommandBytes] = {};
  // Its main thread's name (comm, PR_SET_NAME), NUL-padded: the process's
  // name (ps, pgrep); rewritten at exec and by the main thread's
  // PR_SET_NAME, so a reader may see a torn value. The other threads' are
  // in their ThreadSlot.
  char comm[kCommBytes] = {};
  // For /proc/PID of another process (proc/process_view.h): its argument
  // and environment strings on the guest stack, as Linux's mm->arg_start..
  // arg_end and env_start..env_end (set at exec); copies of its
  // executable's path and working directory.
  PublishedRange args, env, exe, cwd;
  // Where its main thread's scheduler state and host-wait flag are in its
  // memory (sched::Uthread::state, in_host_wait), for the S or R of its
  // /proc/PID/stat; 0 while none is known (its main thread ended).
  std::atomic<uint64_t> main_state_at{0}, main_host_wait_at{0};
  // Where the process publishes which host descriptor backs each of its
  // guest descriptors (pidfd_getfd reads it: fs/host_fd_map.h).
  fs::HostFdMapLocation fd_map;
  // Its RLIMIT_NOFILE, soft and hard: its descriptor table reads them here,
  // so prlimit64 from another process sets them (fs::FdTable::ShareLimits).
  std::atomic<uint64_t> nofile[2];
  // Its credentials (real, effective, saved uid and gid), for the
  // permission checks of prlimit64 from another process.
  std::atomic<uint32_t> uid, euid, suid, gid, egid, sgid;
  // Its capability sets, for capget from another process.
  std::atomic<uint64_t> cap_effective, cap_permitted, cap_inheritable;
  // Its main thread's scheduling attributes (kept while a zombie).
  TaskSched sched;
};

// A non-main thread: its id and its process's pid. tid 0: never used
// (ends a probe), -1: freed (probes go on past it).
struct ThreadSlot {
  std::atomic<int32_t> tid{0};
  std::atomic<int32_t> pid{0};
  TaskSched sched;  // written by AddThreadLocked
  // Its name (/proc/PID/task/TID/comm), NUL-padded: its creator's, then
  // its own PR_SET_NAME's (a reader may see a torn value).
  char comm[kCommBytes] = {};
};

struct Table {
  uint32_t magic;
  uint32_t version;
  std::atomic<int32_t> lock;      // host pid of the holder, 0 = free
  std::atomic<int32_t> next_pid;  // last pid handed out
  int32_t init_host_pid;          // host pid of container pid 1
  // Set once next_pid has wrapped around: until then every pid above it is
  // free (all pids, pgids and sids come from it), so no scan is needed.
  std::atomic<uint32_t> pids_wrapped;
  Entry entries[kMaxProcesses];
  // Futexes in MAP_SHARED memory that several processes use (hashed by
  // the backing file's identity and offset, or the address for shared
  // anonymous memory): a wake counter, how many wait and which processes
  // (sched/doorbell.h).
  sched::SharedWaitSlot futex_slots[kSharedFutexSlots];
  // Each process's doorbell (index: its entry's), which wakes of shared
  // futexes and System V waits ring.
  sched::DoorbellTable doorbells;
  // Real-time signal instances queued in all the container's processes:
  // the count RLIMIT_SIGPENDING limits (the container is one user).
  std::atomic<int32_t> rt_signals;
  // Bumped by prlimit64 setting another process's RLIMIT_SIGPENDING (the
  // host's; each process caches its own: SetSignalQueueLimitChanges).
  std::atomic<uint32_t> sigpending_limit_changes;
  // Non-main threads, open addressing by tid (AddThreadLocked).
  ThreadSlot threads[kMaxThreads];
  // SCHED_DEADLINE tasks' parameters (written with the lock held).
  DeadlineSlot deadline[kMaxDeadlineTasks];
};

// Gives back `e`'s share of the queued real-time signal count (its process
// exited, or died without doing so). Idempotent.
void DropRtSignals(Table* t, Entry* e);

size_t MappingSize();  // Table, page-rounded

// ---- Table operations (on any Table, so unit tests need no memfd) ----

// Formats `t` with container pid 1 = host process `host_pid` (its own
// process group and session in the container; `host_pgid` on the host).
void InitTable(Table* t, int host_pid, int host_pgid);

// Takes/drops the table lock as host process `self_host_pid`.
void LockTable(Table* t, int self_host_pid);
void UnlockTable(Table* t);

// With the lock held: a new entry in state kReserved with a fresh pid
// (parent, group and session copied from `parent_pid`'s entry; its main
// thread's scheduling attributes `sched`). Returns the pid, or -EAGAIN if
// the table is full.
int ReserveLocked(Table* t, int parent_pid, const SchedAttrs& sched = {});
// A fresh id for a thread (not recorded as a process).
int AllocateTidLocked(Table* t);

// With the lock held: records thread `tid` of process `pid` with scheduling
// attributes `sched` and name `comm`; false if the thread slots are full
// (slots of processes gone are reclaimed first).
bool AddThreadLocked(Table* t, int tid, int pid, const SchedAttrs& sched = {}, const char* comm = "");
// Forgets thread `tid` (it exited); by its own process, without the lock.
void RemoveThread(Table* t, int tid);
// With the lock held: forgets every thread of process `pid` (it exited or
// exec'd).
void RemoveThreadsOfLocked(Table* t, int pid);
// The pid of the process thread `tid` belongs to while that process runs
// (a zombie's threads are gone), 0 if none. Lock-free.
int ThreadOwner(const Table* t, int tid);
// The recorded non-main threads of process `pid`, ascending. Lock-free
// (a moment old).
std::vector<int> ThreadIdsOf(const Table* t, int pid);
// The slot recording thread `tid` (whatever its process's state), else
// nullptr. Lock-free: without the lock the slot may be freed meanwhile
// (re-check its tid after reading); with it, it is not reused until the
// lock is dropped.
ThreadSlot* ThreadSlotOf(Table* t, int tid);
// The same while the thread's process runs.
ThreadSlot* LiveThreadSlot(Table* t, int tid);

// Lookups with the lock held or, for a best-effort answer, without.
Entry* FindPid(Table* t, int pid);
Entry* FindHostPid(Table* t, int host_pid);

// The container pid of host process `host_pid`, 0 if it is not in the
// container. Lock-free: usable from host signal handlers.
int ContainerPidOf(const Table* t, int host_pid);
// The host process group of container group `pgid` (0 if none).
int HostPgidOf(Table* t, int pgid);
// The container group whose host group is `host_pgid` (0 if none: a group
// outside the container). Lock-free.
int ContainerPgidOf(const Table* t, int host_pgid);

// Records `command` (truncated) in `e`.
void SetCommand(Entry* e, const char* command);
// Stores `name` (truncated to 15 bytes, NUL-padded) in a comm field.
void StoreComm(char (&comm)[kCommBytes], const char* name);
// A comm field's name, NUL-terminated.
std::string CommText(const char (&comm)[kCommBytes]);

// ---- This container's table (mapped by Create) ----

// Creates the shared table (memfd + MAP_SHARED) with the calling process as
// pid 1. Called once at `junction run` start, before the seccomp filter.
// The memfd stays open (host descriptor, named kTableMemfdName) so that
// `junction ps` can map the table of a running container read-only.
bool Create(int host_pid, int host_pgid);
inline constexpr const char* kTableMemfdName = "junction-proc";
Table* Get();

}  // namespace junction::libos::proc
