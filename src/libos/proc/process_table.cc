#include "libos/proc/process_table.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "libos/host/host.h"
#include "libos/host/shared_pid_lock.h"

namespace junction::libos::proc {

namespace {

Table* g_table = nullptr;

bool HostProcessGone(int host_pid) {
  return host_pid > 0 && host::Syscall(SYS_kill, host_pid, 0) == -ESRCH;
}

int HomeSlot(int tid) { return static_cast<int>(static_cast<uint32_t>(tid) % kMaxThreads); }

// The slot recording thread `tid`, or nullptr.
const ThreadSlot* FindThreadSlot(const Table* t, int tid) {
  if (tid <= 0) return nullptr;
  for (int i = 0, at = HomeSlot(tid); i < kMaxThreads; i++, at = (at + 1) % kMaxThreads) {
    int32_t id = t->threads[at].tid.load(std::memory_order_acquire);
    if (id == tid) return &t->threads[at];
    if (id == 0) break;
  }
  return nullptr;
}

bool PidInUse(Table* t, int pid) {
  for (Entry& e : t->entries) {
    if (e.state.load(std::memory_order_relaxed) == kFree) continue;
    if (e.pid.load() == pid || e.pgid.load() == pid || e.sid.load() == pid) return true;
  }
  return FindThreadSlot(t, pid) != nullptr;
}

bool ProcessRunning(const Table* t, int pid) {
  for (const Entry& e : t->entries)
    if (e.state.load(std::memory_order_relaxed) == kRunning && e.pid.load() == pid) return true;
  return false;
}

// Frees entries whose host process no longer exists (zombies whose parent
// died without reaping them, processes killed before they cleaned up).
void CollectLocked(Table* t) {
  for (Entry& e : t->entries) {
    uint32_t s = e.state.load();
    if (s != kRunning && s != kExited) continue;
    if (e.pid.load() == 1) continue;
    if (HostProcessGone(e.host_pid.load())) {
      DropRtSignals(t, &e);
      sched::ForgetDoorbell(&t->doorbells, static_cast<int>(&e - t->entries));
      e.state.store(kFree);
    }
  }
}

Entry* FreeSlotLocked(Table* t) {
  for (Entry& e : t->entries)
    if (e.state.load() == kFree) return &e;
  return nullptr;
}

}  // namespace

void DropRtSignals(Table* t, Entry* e) {
  if (int32_t n = e->rt_signals.exchange(0)) t->rt_signals.fetch_sub(n);
}

void InitTable(Table* t, int host_pid, int host_pgid) {
  new (t) Table{};
  t->magic = kTableMagic;
  t->version = kTableVersion;
  t->next_pid.store(1);
  t->init_host_pid = host_pid;
  Entry& e = t->entries[0];
  e.pid.store(1);
  e.host_pid.store(host_pid);
  e.ppid.store(0);
  e.pgid.store(1);
  e.host_pgid.store(host_pgid);
  e.sid.store(1);
  e.state.store(kRunning);
}

void LockTable(Table* t, int self_host_pid) {
  // A dead holder's half-done update is one entry or slot written in part;
  // the readers check each field (a pid of 0, a free state) as they would
  // mid-update.
  host::LockPidWord(&t->lock, self_host_pid);
}

void UnlockTable(Table* t) { host::UnlockPidWord(&t->lock); }

int AllocateTidLocked(Table* t) {
  for (int tries = 0; tries < kPidMax; tries++) {
    int pid = t->next_pid.load() + 1;
    if (pid >= kPidMax) {
      pid = 2;
      t->pids_wrapped.store(1);
    }
    t->next_pid.store(pid);
    if (!t->pids_wrapped.load() || !PidInUse(t, pid)) return pid;
  }
  return -EAGAIN;
}

bool AddThreadLocked(Table* t, int tid, int pid, const SchedAttrs& sched, const char* comm) {
  for (int round = 0; round < 2; round++) {
    for (int i = 0, at = HomeSlot(tid); i < kMaxThreads; i++, at = (at + 1) % kMaxThreads) {
      ThreadSlot& s = t->threads[at];
      if (s.tid.load() > 0) continue;
      s.pid.store(pid);
      s.sched.Store(sched);
      StoreComm(s.comm, comm);
      s.tid.store(tid, std::memory_order_release);
      return true;
    }
    // Full: reclaim the slots of processes that died without forgetting
    // their threads (killed by the host).
    for (ThreadSlot& s : t->threads)
      if (s.tid.load() > 0 && !ProcessRunning(t, s.pid.load())) s.tid.store(-1);
  }
  return false;
}

void RemoveThread(Table* t, int tid) {
  // No lock: inserts only take slots whose tid is not positive, and only
  // the thread's own process frees a running process's slot.
  if (auto* s = const_cast<ThreadSlot*>(FindThreadSlot(t, tid))) {
    int32_t expected = tid;
    s->tid.compare_exchange_strong(expected, -1, std::memory_order_release);
  }
}

void RemoveThreadsOfLocked(Table* t, int pid) {
  for (ThreadSlot& s : t->threads)
    if (s.tid.load() > 0 && s.pid.load() == pid) s.tid.store(-1, std::memory_order_release);
}

int ThreadOwner(const Table* t, int tid) {
  const ThreadSlot* s = FindThreadSlot(t, tid);
  if (!s) return 0;
  int pid = s->pid.load();
  if (s->tid.load(std::memory_order_acquire) != tid) return 0;  // freed and reused meanwhile
  return ProcessRunning(t, pid) ? pid : 0;
}

std::vector<int> ThreadIdsOf(const Table* t, int pid) {
  std::vector<int> tids;
  for (const ThreadSlot& s : t->threads) {
    int tid = s.tid.load(std::memory_order_acquire);
    if (tid > 0 && s.pid.load(std::memory_order_relaxed) == pid) tids.push_back(tid);
  }
  std::sort(tids.begin(), tids.end());
  return tids;
}

ThreadSlot* ThreadSlotOf(Table* t, int tid) { return const_cast<ThreadSlot*>(FindThreadSlot(t, tid)); }

ThreadSlot* LiveThreadSlot(Table* t, int tid) {
  ThreadSlot* s = ThreadSlotOf(t, tid);
  return s && ProcessRunning(t, s->pid.load()) ? s : nullptr;
}

SchedAttrs TaskSched::Load() const {
  uint32_t v = packed.load(std::memory_order_relaxed);
  SchedAttrs a;
  a.nice = static_cast<int8_t>(v & 0xff);
  a.policy = static_cast<int>((v >> 8) & 0xff);
  a.rt_priority = static_cast<int>((v >> 16) & 0xff);
  a.reset_on_fork = (v >> 24) & 1;
  a.dl_flags = ((v >> 25) & 3) << 1;  // SCHED_FLAG_RECLAIM 2, DL_OVERRUN 4
  a.slice_ns = slice.load(std::memory_order_relaxed);
  a.affinity = ~excluded.load(std::memory_order_relaxed);
  return a;
}

void TaskSched::Store(const SchedAttrs& a) {
  packed.store(static_cast<uint8_t>(a.nice) | static_cast<uint32_t>(a.policy & 0xff) << 8 |
                   static_cast<uint32_t>(a.rt_priority & 0xff) << 16 | uint32_t{a.reset_on_fork} << 24 |
                   ((a.dl_flags >> 1) & 3) << 25,
               std::memory_order_relaxed);
  slice.store(a.slice_ns, std::memory_order_relaxed);
  excluded.store(~a.affinity, std::memory_order_relaxed);
}

int ReserveLocked(Table* t, int parent_pid, const SchedAttrs& sched) {
  Entry* slot = FreeSlotLocked(t);
  if (!slot) {
    CollectLocked(t);
    slot = FreeSlotLocked(t);
  }
  if (!slot) return -EAGAIN;
  int pid = AllocateTidLocked(t);
  if (pid < 0) return pid;
  const Entry* parent = FindPid(t, parent_pid);
  slot->pid.store(pid);
  slot->host_pid.store(0);
  slot->ppid.store(parent_pid);
  slot->pgid.store(parent ? parent->pgid.load() : pid);
  slot->host_pgid.store(parent ? parent->host_pgid.load() : 0);
  slot->sid.store(parent ? parent->sid.load() : pid);
  slot->flags.store(parent ? parent->flags.load() & (kAutoReap | kNotDumpable) : 0);
  slot->rt_signals.store(0);
  slot->sched.Store(sched);
  // Published by the child itself once it runs; readers wait for the
  // count to turn even (fs/host_fd_map.h).
  slot->fd_map.seq.store(slot->fd_map.seq.load() | 1);
  slot->fd_map.addr.store(0);
  slot->fd_map.size.store(0);
  if (parent) {
    std::memcpy(slot->command, parent->command, kCommandBytes);
    std::memcpy(slot->comm, parent->comm, kCommBytes);
    // Inherited as fork copies them (the child shares its copy itself).
    for (int i = 0; i < 2; i++) slot->nofile[i].store(parent->nofile[i].load());
    slot->uid.store(parent->uid.load());
    slot->euid.store(parent->euid.load());
    slot->suid.store(parent->suid.load());
    slot->gid.store(parent->gid.load());
    slot->egid.store(parent->egid.load());
    slot->sgid.store(parent->sgid.load());
    slot->cap_effective.store(parent->cap_effective.load());
    slot->cap_permitted.store(parent->cap_permitted.load());
    slot->cap_inheritable.store(parent->cap_inheritable.load());
  }
  if (!parent) std::memset(slot->comm, 0, kCommBytes);
  slot->main_state_at.store(0);  // the child's forking thread, once it runs
  slot->main_host_wait_at.store(0);
  // The fork child's memory is a copy of the parent's: the same ranges
  // (the child publishes its own again once it runs). A new count, so a
  // reader of the slot's former process sees it change.
  for (auto [to, from] : {std::pair{&slot->args, parent ? &parent->args : nullptr},
                          {&slot->env, parent ? &parent->env : nullptr},
                          {&slot->exe, parent ? &parent->exe : nullptr},
                          {&slot->cwd, parent ? &parent->cwd : nullptr}}) {
    to->seq.store((to->seq.load() | 1) + 1);
    to->addr.store(from ? from->addr.load() : 0);
    to->size.store(from ? from->size.load() : 0);
  }
  slot->state.store(kReserved);
  return pid;
}

void SetCommand(Entry* e, const char* command) {
  size_t n = std::strlen(command);
  if (n >= kCommandBytes) n = kCommandBytes - 1;
  std::memcpy(e->command, command, n);
  e->command[n] = 0;
}

void StoreComm(char (&comm)[kCommBytes], const char* name) {
  char padded[kCommBytes] = {};
  std::memcpy(padded, name, std::min(std::strlen(name), sizeof(padded) - 1));
  std::memcpy(comm, padded, sizeof(padded));
}

std::string CommText(const char (&comm)[kCommBytes]) {
  char copy[kCommBytes];
  std::memcpy(copy, comm, sizeof(copy));
  copy[kCommBytes - 1] = 0;
  return copy;
}

Entry* FindPid(Table* t, int pid) {
  if (pid <= 0) return nullptr;
  for (Entry& e : t->entries)
    if (e.state.load() != kFree && e.pid.load() == pid) return &e;
  return nullptr;
}

Entry* FindHostPid(Table* t, int host_pid) {
  if (host_pid <= 0) return nullptr;
  for (Entry& e : t->entries)
    if (e.state.load() != kFree && e.host_pid.load() == host_pid) return &e;
  return nullptr;
}

int ContainerPidOf(const Table* t, int host_pid) {
  if (host_pid <= 0) return 0;
  for (const Entry& e : t->entries)
    if (e.state.load(std::memory_order_relaxed) != kFree &&
        e.host_pid.load(std::memory_order_relaxed) == host_pid)
      return e.pid.load(std::memory_order_relaxed);
  return 0;
}

int HostPgidOf(Table* t, int pgid) {
  for (Entry& e : t->entries)
    if (e.state.load() != kFree && e.pgid.load() == pgid) return e.host_pgid.load();
  return 0;
}

int ContainerPgidOf(const Table* t, int host_pgid) {
  if (host_pgid <= 0) return 0;
  for (const Entry& e : t->entries)
    if (e.state.load(std::memory_order_relaxed) != kFree &&
        e.host_pgid.load(std::memory_order_relaxed) == host_pgid)
      return e.pgid.load(std::memory_order_relaxed);
  return 0;
}

bool Create(int host_pid, int host_pgid) {
  int fd = static_cast<int>(host::Syscall(SYS_memfd_create, host::L(kTableMemfdName), MFD_CLOEXEC));
  if (fd < 0) return false;
  size_t size = MappingSize();
  bool ok = host::Syscall(SYS_ftruncate, fd, static_cast<long>(size)) == 0;
  long addr = ok ? host::Mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : -ENOMEM;
  if (addr < 0) {
    host::Syscall(SYS_close, fd);
    return false;
  }
  g_table = reinterpret_cast<Table*>(addr);
  InitTable(g_table, host_pid, host_pgid);
  return true;
}

Table* Get() { return g_table; }

size_t MappingSize() { return (sizeof(Table) + 4095) & ~size_t{4095}; }

}  // namespace junction::libos::proc
