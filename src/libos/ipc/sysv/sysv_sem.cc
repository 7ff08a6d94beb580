#include "libos/ipc/sysv/sysv_sem.h"

#include <linux/futex.h>
#include <linux/ipc.h>
#include <linux/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>
#include <vector>

#include "libos/host/host.h"
#include "libos/host/shared_pid_lock.h"
#include "libos/ipc/sysv/sysv_registry.h"
#include "libos/process.h"
#include "libos/syscalls/user_memory.h"
#include "sched/futex.h"
#include "sched/kthread.h"

namespace junction::libos::sysv {

namespace {

// How often a waiter looks for processes killed from outside the
// container with SEM_UNDO adjustments pending (nobody else applies them).
constexpr uint64_t kDeadUndoCheckNs = 100'000'000;

// This process (or the one it was forked from) recorded a SEM_UNDO
// adjustment: its exit must look for its own.
bool g_recorded_undo = false;

bool SlotInUse(int i) { return Get()->sem[i].perm.in_use != 0; }

SemSlot* FindId_locked(int id) { return FindId(Get()->sem, kSemMni, id); }

Sem* SemsOf(const SemSlot* s) { return &Get()->sems[s->base]; }

// Wakes every waiter of `s` (in any process) to look again.
void NoteChange_locked(SemSlot* s) { s->changes.fetch_add(1, std::memory_order_seq_cst); }
void WakeWaiters(SemSlot* s) {
  sched::FutexWakeShared(reinterpret_cast<uint32_t*>(&s->changes), INT_MAX, FUTEX_BITSET_MATCH_ANY,
                         &s->wait);
}

// ---- SEM_UNDO adjustments (Region::undo, compact in [0, undo_used)) ----

int UndoFind_locked(int host_pid, int semid, int semnum) {
  Region* r = Get();
  for (int i = 0; i < r->undo_used; i++) {
    const Undo& u = r->undo[i];
    if (u.host_pid == host_pid && u.semid == semid && u.semnum == semnum) return i;
  }
  return -1;
}

void UndoRemoveAt_locked(int i) {
  Region* r = Get();
  r->undo[i] = r->undo[--r->undo_used];
  r->undo[r->undo_used] = Undo{};
}

// Forgets the adjustments of semaphore `semnum` of set `semid` (every one
// if semnum < 0) in every process (SETVAL, SETALL, IPC_RMID).
void UndoClear_locked(int semid, int semnum) {
  Region* r = Get();
  for (int i = 0; i < r->undo_used;) {
    const Undo& u = r->undo[i];
    if (u.semid == semid && (semnum < 0 || u.semnum == semnum)) UndoRemoveAt_locked(i);
    else i++;
  }
}

// Applies and forgets the adjustments of host process `host_pid` (its
// end), as Linux's exit_sem: each value capped to 0..SEMVMX. Returns the
// sets it changed (bit per slot list) in `changed`.
void UndoApply_locked(int host_pid, int pid, std::vector<SemSlot*>* changed) {
  Region* r = Get();
  for (int i = 0; i < r->undo_used;) {
    const Undo& u = r->undo[i];
    if (u.host_pid != host_pid) {
      i++;
      continue;
    }
    SemSlot* s = FindId_locked(u.semid);
    if (s && u.semnum < static_cast<int>(s->nsems)) {
      Sem& sem = SemsOf(s)[u.semnum];
      sem.val = std::clamp(sem.val + u.adj, 0, kSemVmx);
      sem.pid = pid;
      NoteChange_locked(s);
      if (std::find(changed->begin(), changed->end(), s) == changed->end()) changed->push_back(s);
    }
    UndoRemoveAt_locked(i);
  }
}

// The other host processes that hold adjustments (each once): the ones a
// waiter checks, outside the lock, before it sleeps (SweepDead_locked).
std::vector<int> UndoHolders_locked() {
  Region* r = Get();
  int self = CurrentProcess().host_pid;
  std::vector<int> pids;
  for (int i = 0; i < r->undo_used; i++) {
    int h = r->undo[i].host_pid;
    if (h != self && std::find(pids.begin(), pids.end(), h) == pids.end()) pids.push_back(h);
  }
  return pids;
}

// Applies the adjustments of processes that exited without doing it
// (killed from outside the container). Returns the sets it changed.
void SweepDead_locked(const std::vector<int>& dead, std::vector<SemSlot*>* changed) {
  for (int h : dead) UndoApply_locked(h, 0, changed);
}

bool OthersHaveUndo_locked() {
  Region* r = Get();
  int self = CurrentProcess().host_pid;
  for (int i = 0; i < r->undo_used; i++)
    if (r->undo[i].host_pid != self) return true;
  return false;
}

// A contiguous run of `n` semaphores in the pool, -1 if none.
long AllocSems_locked(int n) {
  Region* r = Get();
  std::vector<std::pair<uint32_t, uint32_t>> used;
  for (int i = 0; i <= r->sem_ids.max_idx; i++)
    if (r->sem[i].perm.in_use) used.emplace_back(r->sem[i].base, r->sem[i].nsems);
  std::sort(used.begin(), used.end());
  uint64_t at = 0;
  for (auto& [base, count] : used) {
    if (at + static_cast<uint64_t>(n) <= base) break;
    at = std::max<uint64_t>(at, base + count);
  }
  if (at + static_cast<uint64_t>(n) > kSemMns) return -1;
  return static_cast<long>(at);
}

long NewSet(int32_t key, int nsems, int flags) {
  Region* r = Get();
  if (nsems == 0) return -EINVAL;
  if (r->used_sems + nsems > kSemMns) return -ENOSPC;
  long base = AllocSems_locked(nsems);
  if (base < 0) return -ENOSPC;
  uint32_t seq;
  int idx = AllocIndex(r->sem_ids, kSemMni, SlotInUse, &seq);
  if (idx < 0) return -ENOSPC;
  SemSlot* s = &r->sem[idx];
  InitPerm(&s->perm, key, flags, seq);
  s->otime = 0;
  s->ctime = NowSeconds();
  s->nsems = static_cast<uint32_t>(nsems);
  s->base = static_cast<uint32_t>(base);
  std::memset(SemsOf(s), 0, sizeof(Sem) * static_cast<size_t>(nsems));
  r->used_sems += nsems;
  return IdOf(s->perm, idx);
}

void Remove_locked(SemSlot* s) {
  Region* r = Get();
  int idx = static_cast<int>(s - r->sem);
  UndoClear_locked(IdOf(s->perm, idx), -1);
  r->used_sems -= static_cast<int>(s->nsems);
  s->perm.in_use = 0;
  FreeIndex(r->sem_ids, idx, SlotInUse);
  NoteChange_locked(s);  // waiters see the removal (EIDRM)
}

// One try at the whole operation, Linux's perform_atomic_semop_slow: the
// operations are applied in order (a semaphore named twice sees the first
// change), all or none. Returns 0 (done), -EAGAIN (would block with
// IPC_NOWAIT), -ERANGE, -ENOMEM (no room for a SEM_UNDO adjustment) or 1
// with *blocking set. The new values and adjustments are worked out aside
// and only then stored, so a process killed from outside with the lock
// held leaves at most those few stores half done (docs/ipc.md).
long TryOps_locked(SemSlot* s, int semid, const sembuf* sops, size_t n, const sembuf** blocking) {
  Sem* sems = SemsOf(s);
  int self_host = CurrentProcess().host_pid;
  std::vector<std::pair<int, int>> vals;  // semnum -> new value, this call
  std::vector<std::pair<int, int>> adj;   // semnum -> new adjustment, this call
  auto val_of = [&](int num) -> int& {
    for (auto& [k, v] : vals)
      if (k == num) return v;
    return vals.emplace_back(num, sems[num].val).second;
  };
  auto adj_of = [&](int num) -> int& {
    for (auto& [k, v] : adj)
      if (k == num) return v;
    int u = UndoFind_locked(self_host, semid, num);
    return adj.emplace_back(num, u < 0 ? 0 : Get()->undo[u].adj).second;
  };
  for (size_t i = 0; i < n; i++) {
    const sembuf& op = sops[i];
    int& val = val_of(op.sem_num);
    int v = val;
    if (op.sem_op == 0 && v) {
      *blocking = &op;
      return (op.sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
    }
    v += op.sem_op;
    if (v < 0) {
      *blocking = &op;
      return (op.sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
    }
    if (v > kSemVmx) return -ERANGE;
    if (op.sem_flg & SEM_UNDO) {
      int& a = adj_of(op.sem_num);
      int u = a - op.sem_op;
      if (u < -kSemAem - 1 || u > kSemAem) return -ERANGE;
      a = u;
    }
    val = v;
  }
  // Room for the adjustments first, so nothing is half done.
  Region* r = Get();
  int needed = 0;
  for (auto& [k, v] : adj) needed += UndoFind_locked(self_host, semid, k) < 0 && v != 0;
  if (r->undo_used + needed > kUndoMax) return -ENOMEM;
  for (auto& [k, v] : vals) sems[k].val = v;
  for (auto& [k, v] : adj) {
    int u = UndoFind_locked(self_host, semid, k);
    if (u >= 0 && v == 0) {
      UndoRemoveAt_locked(u);
    } else if (u >= 0) {
      r->undo[u].adj = v;
    } else if (v != 0) {
      r->undo[r->undo_used++] = Undo{self_host, semid, k, v};
      g_recorded_undo = true;
    }
  }
  int pid = CallerPid();
  for (size_t i = 0; i < n; i++) sems[sops[i].sem_num].pid = pid;
  s->otime = NowSeconds();
  return 0;
}

void FillStat(const SemSlot& s, semid64_ds* out) {
  std::memset(out, 0, sizeof(*out));
  FillPerm(s.perm, &out->sem_perm);
  out->sem_otime = s.otime;
  out->sem_ctime = s.ctime;
  out->sem_nsems = s.nsems;
}

}  // namespace

void SemApplyUndoOfDead_locked(int host_pid) {
  std::vector<SemSlot*> changed;
  UndoApply_locked(host_pid, 0, &changed);
}

void SemRepair_locked() {
  Region* r = Get();
  RecountIds(r->sem_ids, kSemMni, SlotInUse);
  r->used_sems = 0;
  for (int i = 0; i <= r->sem_ids.max_idx; i++)
    if (SlotInUse(i)) r->used_sems += static_cast<int>(r->sem[i].nsems);
}

long SemGet(int32_t key, int nsems, int flags) {
  if (!Get()) return -ENOSYS;
  if (nsems < 0 || nsems > kSemMsl) return -EINVAL;
  Guard g;
  Region* r = Get();
  if (key == IPC_PRIVATE) return NewSet(key, nsems, flags);
  for (int i = 0; i <= r->sem_ids.max_idx; i++) {
    SemSlot& s = r->sem[i];
    if (!s.perm.in_use || s.perm.key != key) continue;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL)) return -EEXIST;
    if (static_cast<uint32_t>(nsems) > s.nsems) return -EINVAL;
    if (!Permits(s.perm, flags)) return -EACCES;
    return IdOf(s.perm, i);
  }
  if (!(flags & IPC_CREAT)) return -ENOENT;
  return NewSet(key, nsems, flags);
}

long SemTimedOp(int semid, uintptr_t sops_addr, size_t nsops, uintptr_t timeout) {
  if (!Get()) return -ENOSYS;
  if (nsops < 1 || semid < 0) return -EINVAL;
  if (nsops > static_cast<size_t>(kSemOpm)) return -E2BIG;
  std::vector<sembuf> sops(nsops);
  if (auto c = CopyFromUser(sops.data(), sops_addr, nsops * sizeof(sembuf)); !c.ok()) return -c.error();
  uint64_t deadline = 0;
  if (timeout) {
    auto t = UserPtr<timespec>(static_cast<long>(timeout)).Read();
    if (!t.ok()) return -EFAULT;
    if (t->tv_sec < 0 || t->tv_nsec < 0 || t->tv_nsec >= 1000000000) return -EINVAL;
    // Saturated: a timeout past 2^64 ns (tv_sec >= 18446744074) waits for ever.
    uint64_t ns = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(t->tv_sec), 1000000000ull, &ns) ||
        __builtin_add_overflow(ns, static_cast<uint64_t>(t->tv_nsec), &ns) ||
        __builtin_add_overflow(ns, sched::NowNs(), &deadline))
      deadline = ~uint64_t{0};
    if (deadline == 0) deadline = 1;
  }
  int max = 0;
  bool alter = false;
  for (const sembuf& op : sops) {
    max = std::max<int>(max, op.sem_num);
    alter |= op.sem_op != 0;
  }
  uint64_t serial = 0;
  // Before sleeping on a value a process killed from outside may still
  // hold through SEM_UNDO, its adjustments are given back: the holders are
  // listed under the lock, looked at (host calls) outside it, and the dead
  // ones' applied at the next try, once per wait.
  std::vector<int> holders;
  bool holders_checked = false;
  for (;;) {
    SemSlot* s;
    std::vector<SemSlot*> swept;
    long r;
    uint32_t gen = 0;
    Sem* waited = nullptr;
    bool zero = false;
    std::vector<int> dead;
    for (int h : holders)
      if (host::HostProcessExited(h)) dead.push_back(h);
    holders.clear();
    {
      Guard g;
      s = FindId_locked(semid);
      if (!serial) {
        if (!s) return -EINVAL;
        if (max >= static_cast<int>(s->nsems)) return -EFBIG;
        if (!Permits(s->perm, alter ? kWriteUgo : kReadUgo)) return -EACCES;
        serial = s->perm.serial;
      } else if (!s || s->perm.serial != serial) {
        return -EIDRM;
      }
      const sembuf* blocking = nullptr;
      SweepDead_locked(dead, &swept);
      r = TryOps_locked(s, semid, sops.data(), nsops, &blocking);
      if (r == 1 && !holders_checked) {
        holders = UndoHolders_locked();
        holders_checked = true;
        if (!holders.empty()) r = 2;  // look at them, then try again
      }
      if (r == 1) {
        waited = &SemsOf(s)[blocking->sem_num];
        zero = blocking->sem_op == 0;
        (zero ? waited->zcnt : waited->ncnt)++;
        gen = s->changes.load(std::memory_order_seq_cst);
      } else if (r == 0 && alter) {
        NoteChange_locked(s);
      }
    }
    for (SemSlot* c : swept) WakeWaiters(c);
    if (r == 0 && alter) WakeWaiters(s);
    if (r == 2) continue;
    if (r != 1) return r;
    holders_checked = false;  // after this wait, look again
    uint64_t wait_until = deadline;
    bool poll_dead = false;
    {
      Guard g;
      poll_dead = OthersHaveUndo_locked();
    }
    if (poll_dead) {
      uint64_t next = sched::NowNs() + kDeadUndoCheckNs;
      if (!wait_until || next < wait_until) wait_until = next;
    }
    long w = sched::FutexWaitShared(reinterpret_cast<uint32_t*>(&s->changes), gen, FUTEX_BITSET_MATCH_ANY,
                                    wait_until, &s->wait);
    {
      Guard g;
      if (s->perm.in_use && s->perm.serial == serial) (zero ? waited->zcnt : waited->ncnt)--;
    }
    if (w == -EINTR) return -EINTR;
    if (w == -ETIMEDOUT && deadline && sched::NowNs() >= deadline) return -EAGAIN;
  }
}

long SemCtl(int semid, int semnum, int cmd, unsigned long arg) {
  if (!Get()) return -ENOSYS;
  if (semid < 0) return -EINVAL;
  Region* r = Get();
  uintptr_t ptr = arg;
  switch (cmd) {
    case IPC_INFO:
    case SEM_INFO: {
      seminfo info{};
      info.semmni = kSemMni;
      info.semmns = kSemMns;
      info.semmsl = kSemMsl;
      info.semopm = kSemOpm;
      info.semvmx = kSemVmx;
      info.semmnu = kSemMns;  // SEMMNU
      info.semmap = kSemMns;  // SEMMAP
      info.semume = kSemOpm;  // SEMUME
      int max;
      {
        Guard g;
        if (cmd == SEM_INFO) {
          info.semusz = r->sem_ids.in_use;
          info.semaem = r->used_sems;
        } else {
          info.semusz = 20;  // SEMUSZ
          info.semaem = kSemAem;
        }
        max = MaxIndex(r->sem_ids, kSemMni);
      }
      if (auto c = CopyToUser(ptr, &info, sizeof(info)); !c.ok()) return -c.error();
      return max;
    }
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY: {
      semid64_ds ds;
      long ret;
      {
        Guard g;
        SemSlot* s = FindForStat(r->sem, kSemMni, semid, cmd != IPC_STAT, &ret);
        if (!s) return -EINVAL;
        if (cmd != SEM_STAT_ANY && !Permits(s->perm, kReadUgo)) return -EACCES;
        FillStat(*s, &ds);
      }
      if (auto c = CopyToUser(ptr, &ds, sizeof(ds)); !c.ok()) return -c.error();
      return ret;
    }
    case IPC_SET:
    case IPC_RMID: {
      semid64_ds in{};
      if (cmd == IPC_SET) {
        if (auto c = CopyFromUser(&in, ptr, sizeof(in)); !c.ok()) return -c.error();
      }
      SemSlot* s;
      {
        Guard g;
        s = FindId_locked(semid);
        if (!s) return -EINVAL;
        if (!MayChange(s->perm)) return -EPERM;
        if (cmd == IPC_SET) {
          SetPerm(&s->perm, in.sem_perm.uid, in.sem_perm.gid, in.sem_perm.mode);
          s->ctime = NowSeconds();
          return 0;
        }
        Remove_locked(s);
      }
      WakeWaiters(s);
      return 0;
    }
    case SETVAL: {
      int val = static_cast<int>(arg);
      if (val > kSemVmx || val < 0) return -ERANGE;
      SemSlot* s;
      {
        Guard g;
        s = FindId_locked(semid);
        if (!s) return -EINVAL;
        if (semnum < 0 || semnum >= static_cast<int>(s->nsems)) return -EINVAL;
        if (!Permits(s->perm, kWriteUgo)) return -EACCES;
        Sem& sem = SemsOf(s)[semnum];
        sem.val = val;
        sem.pid = CallerPid();
        UndoClear_locked(semid, semnum);
        s->ctime = NowSeconds();
        NoteChange_locked(s);
      }
      WakeWaiters(s);
      return 0;
    }
    case GETALL:
    case SETALL: {
      std::vector<unsigned short> vals;
      int nsems;
      {
        Guard g;
        SemSlot* s = FindId_locked(semid);
        if (!s) return -EINVAL;
        if (!Permits(s->perm, cmd == SETALL ? kWriteUgo : kReadUgo)) return -EACCES;
        nsems = static_cast<int>(s->nsems);
        if (cmd == GETALL) {
          vals.resize(static_cast<size_t>(nsems));
          for (int i = 0; i < nsems; i++) vals[static_cast<size_t>(i)] = static_cast<unsigned short>(SemsOf(s)[i].val);
        }
      }
      if (cmd == GETALL) {
        if (auto c = CopyToUser(ptr, vals.data(), vals.size() * sizeof(unsigned short)); !c.ok()) return -c.error();
        return 0;
      }
      vals.resize(static_cast<size_t>(nsems));
      if (auto c = CopyFromUser(vals.data(), ptr, vals.size() * sizeof(unsigned short)); !c.ok()) return -c.error();
      for (unsigned short v : vals)
        if (v > kSemVmx) return -ERANGE;
      SemSlot* s;
      {
        Guard g;
        s = FindId_locked(semid);
        if (!s) return -EIDRM;
        if (static_cast<int>(s->nsems) != nsems) return -EIDRM;
        int pid = CallerPid();
        for (int i = 0; i < nsems; i++) {
          SemsOf(s)[i].val = vals[static_cast<size_t>(i)];
          SemsOf(s)[i].pid = pid;
        }
        UndoClear_locked(semid, -1);
        s->ctime = NowSeconds();
        NoteChange_locked(s);
      }
      WakeWaiters(s);
      return 0;
    }
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT: {
      Guard g;
      SemSlot* s = FindId_locked(semid);
      if (!s) return -EINVAL;
      if (!Permits(s->perm, kReadUgo)) return -EACCES;
      if (semnum < 0 || semnum >= static_cast<int>(s->nsems)) return -EINVAL;
      const Sem& sem = SemsOf(s)[semnum];
      return cmd == GETVAL ? sem.val : cmd == GETPID ? sem.pid : cmd == GETNCNT ? sem.ncnt : sem.zcnt;
    }
    default:
      return -EINVAL;
  }
}

void SemApplyUndo() {
  // Most processes never used SEM_UNDO: no lock taken at their exit (the
  // local lock's page would be one more copy-on-write fault in a child).
  if (!Get() || !g_recorded_undo) return;
  std::vector<SemSlot*> changed;
  {
    Guard g;
    if (Get()->undo_used == 0) return;
    UndoApply_locked(CurrentProcess().host_pid, CallerPid(), &changed);
  }
  for (SemSlot* s : changed) WakeWaiters(s);
}

void SemProcText(std::string* out) {
  *out = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
  if (!Get()) return;
  Guard g;
  Region* r = Get();
  for (int i = 0; i <= r->sem_ids.max_idx; i++) {
    const SemSlot& s = r->sem[i];
    if (!s.perm.in_use) continue;
    char line[200];
    std::snprintf(line, sizeof(line), "%10d %10d  %4o %10u %5u %5u %5u %5u %10lld %10lld\n", s.perm.key,
                  IdOf(s.perm, i), s.perm.mode, s.nsems, s.perm.uid, s.perm.gid, s.perm.cuid, s.perm.cgid,
                  static_cast<long long>(s.otime), static_cast<long long>(s.ctime));
    *out += line;
  }
}

}  // namespace junction::libos::sysv
