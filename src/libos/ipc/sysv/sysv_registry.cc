#include "libos/ipc/sysv/sysv_registry.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <ctime>
#include <new>

#include "libos/host/host.h"
#include "libos/host/shared_pid_lock.h"
#include "libos/ipc/sysv/sysv_msg.h"
#include "libos/ipc/sysv/sysv_sem.h"
#include "libos/ipc/sysv/sysv_shm.h"
#include "libos/process.h"
#include "sched/spinlock.h"

namespace junction::libos::sysv {

namespace {

constexpr uint32_t kMagic = 0x53595356;  // "SYSV"

Region* g_region = nullptr;
sched::SpinLock g_local_lock;  // this process's kthreads, before the shared word

// The lock came from host process `dead`, which exited holding it: what
// it may have left half done and can be recomputed is (a semop's values
// and SEM_UNDO record are not: docs/ipc.md), and its SEM_UNDO adjustments
// are applied now, as its exit would have.
void RepairAfterDeadHolder_locked(int dead) {
  ShmRepair_locked();
  SemRepair_locked();
  MsgRepair_locked();
  SemApplyUndoOfDead_locked(dead);
}

}  // namespace

Region* Get() { return g_region; }

bool Create() {
  size_t size = (sizeof(Region) + 4095) & ~size_t{4095};
  // Anonymous and shared: every fork inherits it at this address, exec
  // keeps it (the LibOS stays), and untouched pages cost nothing.
  long addr = host::Mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (addr < 0) return false;
  g_region = reinterpret_cast<Region*>(addr);
  g_region->magic = kMagic;
  g_region->shm_ids.last_idx = g_region->shm_ids.max_idx = -1;
  g_region->sem_ids.last_idx = g_region->sem_ids.max_idx = -1;
  g_region->msg_ids.last_idx = g_region->msg_ids.max_idx = -1;
  g_region->msg_fresh = 1;
  return true;
}

void Lock() {
  g_local_lock.lock();
  int32_t dead = 0;
  if (host::LockPidWord(&g_region->lock, CurrentProcess().host_pid, &dead) == host::PidLockTaken::kFromDead)
    RepairAfterDeadHolder_locked(dead);
}

void Unlock() {
  host::UnlockPidWord(&g_region->lock);
  g_local_lock.unlock();
}

int MaxIndex(const IdSpace& ids, int mni) {
  if (ids.in_use == 0) return 0;
  if (ids.in_use == mni) return mni - 1;
  return ids.max_idx;
}

void InitPerm(Perm* p, int32_t key, int flags, uint32_t seq) {
  const Process& proc = CurrentProcess();
  p->key = key;
  p->uid = p->cuid = proc.euid;
  p->gid = p->cgid = proc.egid;
  p->mode = static_cast<uint32_t>(flags) & 0777;
  p->seq = seq;
  p->in_use = 1;
  p->serial = ++g_region->serials;
}

bool Permits(const Perm& p, int flag) {
  const Process& proc = CurrentProcess();
  int requested = (flag >> 6) | (flag >> 3) | flag;
  int granted = static_cast<int>(p.mode);
  if (proc.euid == p.cuid || proc.euid == p.uid) {
    granted >>= 6;
  } else {
    bool member = proc.egid == p.cgid || proc.egid == p.gid;
    for (uint32_t g : proc.groups) member |= g == p.cgid || g == p.gid;
    if (member) granted >>= 3;
  }
  return !(requested & ~granted & 07) || proc.euid == 0;
}

bool MayChange(const Perm& p) {
  const Process& proc = CurrentProcess();
  return proc.euid == 0 || proc.euid == p.cuid || proc.euid == p.uid;
}

void SetPerm(Perm* p, uint32_t uid, uint32_t gid, uint32_t mode) {
  p->uid = uid;
  p->gid = gid;
  p->mode = (p->mode & ~0777u) | (mode & 0777u);
}

int CallerPid() { return CurrentProcess().pid; }
bool CallerIsRoot() { return CurrentProcess().euid == 0; }

int64_t NowSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

void OnProcessExit() {
  ShmDetachAll();
  SemApplyUndo();
}

void OnExec() { ShmDetachAll(); }  // SEM_UNDO adjustments stay (Linux keeps them across exec)

bool BeforeFork(bool other_kthreads) {
  // Nothing to count and no kthread that could be changing the list: no
  // lock, so no page written (a copy-on-write fault in both processes).
  if (!g_region || (!other_kthreads && !ShmHasAttachments())) return false;
  Lock();
  ShmForkAttachments_locked(+1);
  return true;
}

void AfterForkParent(bool held, bool failed) {
  if (!held) return;
  if (failed) ShmForkAttachments_locked(-1);
  Unlock();
}

void AfterForkChild(bool held) {
  // The shared word holds the parent's pid: the parent lets it go.
  if (held) new (&g_local_lock) sched::SpinLock();
}

bool ProcSysvipcText(const std::string& name, std::string* out) {
  if (name == "shm") ShmProcText(out);
  else if (name == "sem") SemProcText(out);
  else if (name == "msg") MsgProcText(out);
  else return false;
  return true;
}

bool ProcSysKernelText(const std::string& name, std::string* out) {
  char buf[96];
  if (name == "shmmax") std::snprintf(buf, sizeof(buf), "%llu\n", static_cast<unsigned long long>(kShmMax));
  else if (name == "shmall") std::snprintf(buf, sizeof(buf), "%llu\n", static_cast<unsigned long long>(kShmAll));
  else if (name == "shmmni") std::snprintf(buf, sizeof(buf), "%d\n", kShmMni);
  else if (name == "sem") std::snprintf(buf, sizeof(buf), "%d\t%d\t%d\t%d\n", kSemMsl, kSemMns, kSemOpm, kSemMni);
  else if (name == "msgmax") std::snprintf(buf, sizeof(buf), "%d\n", kMsgMax);
  else if (name == "msgmnb") std::snprintf(buf, sizeof(buf), "%d\n", kMsgMnb);
  else if (name == "msgmni") std::snprintf(buf, sizeof(buf), "%d\n", kMsgMni);
  else return false;
  *out = buf;
  return true;
}

}  // namespace junction::libos::sysv
