// System V IPC objects of a container (shared memory segments, semaphore
// sets; docs/ipc.md "System V IPC"): one registry in memory every process
// of the container maps (MAP_SHARED anonymous, made by the container's
// first process before any fork and kept across exec, at the same address
// everywhere), so a key or id means the same object in every process, as
// in one Linux IPC namespace.
//
// Locking: one lock for the whole registry. A process first takes its own
// spinlock (its kthreads), then the shared word (host/shared_pid_lock.h),
// which holds the host pid of the holder; a waiter sleeps on it and takes
// it over when that process exited mid-update, then repairs what the
// counts of the registry can be recomputed from (RepairAfterDeadHolder_locked).
// Both are held only for short, non-blocking updates (a waiter drops them
// before it parks).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "sched/doorbell.h"

namespace junction::libos::sysv {

// Limits, as /proc/sys/kernel reports them and as they are enforced.
// Linux's defaults where the registry can hold them; SEMMNS is smaller
// (the semaphores are one fixed pool).
inline constexpr int kIpcMni = 32768;           // IPCMNI: ids are seq * 32768 + index
inline constexpr int kShmMni = 4096;            // SHMMNI
inline constexpr uint64_t kShmMax = 0xfffffffffeffffffULL;  // SHMMAX (ULONG_MAX - 2^24)
inline constexpr uint64_t kShmAll = 0xfffffffffeffffffULL;  // SHMALL, pages
inline constexpr int kSemMni = 32000;           // SEMMNI
inline constexpr int kSemMsl = 32000;           // SEMMSL
inline constexpr int kSemMns = 1 << 20;         // SEMMNS (Linux: 1024000000)
inline constexpr int kSemOpm = 500;             // SEMOPM
inline constexpr int kSemVmx = 32767;           // SEMVMX
inline constexpr int kSemAem = kSemVmx;         // SEMAEM
inline constexpr int kUndoMax = 16384;          // SEM_UNDO adjustments held at once
inline constexpr int kMsgMni = 32000;           // MSGMNI
inline constexpr int kMsgMax = 8192;            // MSGMAX: one message's bytes
inline constexpr int kMsgMnb = 16384;           // MSGMNB: a new queue's msg_qbytes
// Messages are kept in blocks of one pool (64 MiB in all; a send that
// finds it exhausted is ENOMEM, as Linux's when its allocation fails).
inline constexpr int kMsgBlockBytes = 256;
inline constexpr int kMsgBlocks = 1 << 18;
inline constexpr int kMinCycle = 64;            // ipc_min_cycle: index reuse is cyclic below it

// The access modes ipcperms asks for (the kernel's S_IRUGO, S_IWUGO, S_IXUGO).
inline constexpr int kReadUgo = 0444, kWriteUgo = 0222, kExecUgo = 0111;

// kern_ipc_perm.
struct Perm {
  int32_t key;
  uint32_t uid, gid, cuid, cgid;
  uint32_t mode;  // permission bits | SHM_DEST | SHM_LOCKED
  uint32_t seq;   // id = seq * kIpcMni + index
  uint32_t in_use;
  uint64_t serial;  // unique for the container's life (names a segment's host file)
};

// ipc_ids: how one family hands out ids.
struct IdSpace {
  int32_t in_use;
  int32_t seq;       // seq of the last id handed out
  int32_t last_idx;  // index of the last id handed out
  int32_t next_idx;  // where the cyclic search starts
  int32_t max_idx;   // highest index in use, -1 if none
};

struct ShmSlot {
  Perm perm;
  uint64_t segsz;
  int64_t atime, dtime, ctime;
  int32_t cpid, lpid;  // container pids
  uint32_t nattch;
};

struct SemSlot {
  Perm perm;
  int64_t otime, ctime;
  uint32_t nsems;
  uint32_t base;  // first semaphore in Region::sems
  // A waiter's futex word: bumped at every change a waiter may wait for
  // (a value, the set's removal); its waiters in every process (sched/doorbell.h).
  std::atomic<uint32_t> changes;
  sched::SharedWaitSlot wait;
};

struct Sem {
  int32_t val;
  int32_t pid;   // container pid of the last operation
  int32_t ncnt;  // waiting for an increase
  int32_t zcnt;  // waiting for zero
};

struct MsgSlot {
  Perm perm;
  int64_t stime, rtime, ctime;
  uint64_t cbytes, qnum, qbytes;
  int32_t lspid, lrpid;
  int32_t head, tail;  // first blocks of the first and last messages, 0 if none
  // As SemSlot's: bumped at every send, receive, IPC_SET and removal.
  std::atomic<uint32_t> changes;
  sched::SharedWaitSlot wait;
};

// One block of a message (index 0 is never used: 0 ends a chain). A
// message's first block starts its data with a MsgHead.
struct MsgBlock {
  int32_t next;      // the message's next block
  int32_t next_msg;  // first block: the queue's next message
  uint8_t data[kMsgBlockBytes - 8];
};
struct MsgHead {
  int64_t mtype;
  uint64_t size;
};

// A SEM_UNDO adjustment of one semaphore by one process (Linux's semadj).
struct Undo {
  int32_t host_pid;  // 0: free
  int32_t semid;
  int32_t semnum;
  int32_t adj;
};

struct Region {
  uint32_t magic;
  std::atomic<int32_t> lock;  // host pid of the holder (| kPidLockSleepers), 0 = free
  uint64_t serials;           // last Perm::serial handed out
  IdSpace shm_ids, sem_ids, msg_ids;
  uint64_t shm_tot;  // pages of all segments
  int32_t used_sems;
  int32_t undo_used;  // Undo entries in [0, undo_used), compact
  int32_t msg_free;   // first free block (a chain through next), 0 if none
  int32_t msg_fresh;  // blocks [msg_fresh, kMsgBlocks) were never used (0: 1)
  int64_t msg_hdrs, msg_bytes;  // messages queued in all queues, and their bytes
  ShmSlot shm[kShmMni];
  SemSlot sem[kSemMni];
  Undo undo[kUndoMax];
  MsgSlot msg[kMsgMni];
  Sem sems[kSemMns];
  MsgBlock msg_blocks[kMsgBlocks];
};

// The container's registry: made by Create (the first process, before any
// fork); nullptr before.
Region* Get();
bool Create();

// The registry lock (see the top of this file).
void Lock();
void Unlock();
struct Guard {
  Guard() { Lock(); }
  ~Guard() { Unlock(); }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
};

// ---- With the lock held ----

// A fresh index in `ids` below `mni` whose slot is free per `in_use(i)`,
// as Linux's ipc_idr_alloc (cyclic below max(in_use * 3 / 2, 64)); sets
// *seq to the id's sequence number. -1 if none is free.
template <typename InUse>
int AllocIndex(IdSpace& ids, int mni, InUse in_use, uint32_t* seq);
// After slot `idx` was freed.
template <typename InUse>
void FreeIndex(IdSpace& ids, int idx, InUse in_use);
// ipc_get_maxidx: the highest index in use, 0 if none (IPC_INFO's answer).
int MaxIndex(const IdSpace& ids, int mni);
// in_use and max_idx again from the slots (after a dead holder's update).
template <typename InUse>
void RecountIds(IdSpace& ids, int mni, InUse in_use) {
  ids.in_use = 0;
  ids.max_idx = -1;
  for (int i = 0; i < mni; i++)
    if (in_use(i)) ids.in_use++, ids.max_idx = i;
}

inline int IdOf(const Perm& p, int idx) { return static_cast<int>(p.seq) * kIpcMni + idx; }

// The slot of `slots` (`mni` of them) that `id` names now, else nullptr
// (EINVAL).
template <typename Slot>
Slot* FindId(Slot* slots, int mni, int id) {
  if (id < 0 || id % kIpcMni >= mni) return nullptr;
  Slot* s = &slots[id % kIpcMni];
  if (!s->perm.in_use || static_cast<int>(s->perm.seq) != id / kIpcMni) return nullptr;
  return s;
}
// The slot an IPC_STAT (by id) or *_STAT (`by_index`: SHM_STAT, SEM_STAT,
// MSG_STAT and their _ANY forms) names, else nullptr; the call's answer
// (0, or the slot's id for the index forms) in *ret.
template <typename Slot>
Slot* FindForStat(Slot* slots, int mni, int id, bool by_index, long* ret) {
  *ret = 0;
  if (!by_index) return FindId(slots, mni, id);
  if (id >= mni || !slots[id].perm.in_use) return nullptr;
  *ret = IdOf(slots[id].perm, id);
  return &slots[id];
}

// Fills `p` for a new object of the calling process: key, owner and
// creator = its effective ids, mode = flags' permission bits.
void InitPerm(Perm* p, int32_t key, int flags, uint32_t seq);
// ipcperms: may the caller access `p` as `flag`'s mode bits ask
// (S_IRUGO, S_IWUGO...)? The container's root (CAP_IPC_OWNER) may.
bool Permits(const Perm& p, int flag);
// IPC_SET/IPC_RMID's check: owner, creator or the container's root.
bool MayChange(const Perm& p);
// IPC_STAT's view of `p` (struct ipc64_perm, which the shmid64_ds and
// semid64_ds of <linux/shm.h> and <linux/sem.h> start with).
template <typename KernelPerm>
void FillPerm(const Perm& p, KernelPerm* out) {
  out->key = p.key;
  out->uid = p.uid;
  out->gid = p.gid;
  out->cuid = p.cuid;
  out->cgid = p.cgid;
  out->mode = p.mode;
  out->seq = static_cast<unsigned short>(p.seq);
}
// IPC_SET's change: uid, gid and the permission bits.
void SetPerm(Perm* p, uint32_t uid, uint32_t gid, uint32_t mode);

// The caller's effective uid is the container's root (its capabilities).
bool CallerIsRoot();
// The calling process's container pid, and the time in seconds.
int CallerPid();
int64_t NowSeconds();

// ---- Family hooks ----

// The process's end and exec (its attachments are detached, its
// SEM_UNDO adjustments applied) and the two sides of a fork.
void OnProcessExit();
void OnExec();
// BeforeFork counts the child's attachments (a fork copies them) and
// holds the lock across the host fork if it may be needed (its answer);
// the AfterFork calls let it go (the parent uncounts them if it failed).
bool BeforeFork(bool other_kthreads);
void AfterForkParent(bool held, bool failed);
void AfterForkChild(bool held);

// /proc/sysvipc/{shm,sem,msg} and /proc/sys/kernel/{shmmax,...} text.
bool ProcSysvipcText(const std::string& name, std::string* out);
bool ProcSysKernelText(const std::string& name, std::string* out);
inline constexpr const char* kProcSysKernelNames[] = {"shmmax", "shmall", "shmmni", "sem",
                                                       "msgmax", "msgmnb", "msgmni"};

// ---- Template definitions ----

template <typename InUse>
int AllocIndex(IdSpace& ids, int mni, InUse in_use, uint32_t* seq) {
  int limit = ids.in_use * 3 / 2;
  if (limit < kMinCycle) limit = kMinCycle;
  if (limit > mni) limit = mni;
  int idx = -1;
  int start = ids.next_idx < limit ? ids.next_idx : 0;
  for (int i = start; i < limit && idx < 0; i++)
    if (!in_use(i)) idx = i;
  for (int i = 0; i < start && idx < 0; i++)
    if (!in_use(i)) idx = i;
  if (idx < 0) return -1;
  if (idx <= ids.last_idx) {
    ids.seq++;
    if (ids.seq >= (0x7fffffff / kIpcMni)) ids.seq = 0;
  }
  ids.last_idx = idx;
  ids.next_idx = idx + 1;
  ids.in_use++;
  if (idx > ids.max_idx) ids.max_idx = idx;
  *seq = static_cast<uint32_t>(ids.seq);
  return idx;
}

template <typename InUse>
void FreeIndex(IdSpace& ids, int idx, InUse in_use) {
  ids.in_use--;
  if (idx == ids.max_idx) {
    int m = idx - 1;
    while (m >= 0 && !in_use(m)) m--;
    ids.max_idx = m;
  }
}

}  // namespace junction::libos::sysv
