#include "libos/signals/rseq.h"

#include <linux/rseq.h>

#include <cerrno>
#include <cstring>

#include "libos/entry/safe_copy.h"
#include "libos/entry/thread_state.h"
#include "libos/syscalls/user_memory.h"
#include "sched/kthread.h"
#include "sched/uthread.h"

namespace junction::libos {

namespace {

constexpr uint32_t kOrigRseqSize = 32;  // ORIG_RSEQ_SIZE
constexpr uint32_t kRseqAlign = 32;     // __alignof__(struct rseq)

struct KernelRseqCs {
  uint32_t version;
  uint32_t flags;
  uint64_t start_ip;
  uint64_t post_commit_offset;
  uint64_t abort_ip;
};

// The area's fields, with fault-tolerant accesses (an area past a mapped
// file's end, or unmapped meanwhile): false if one faulted.
bool WriteCpu(uintptr_t area, uint32_t cpu_id_start, int32_t cpu_id) {
  auto* words = reinterpret_cast<uint32_t*>(area);
  return SafeStore32(&words[0], cpu_id_start) &&                 // cpu_id_start
         SafeStore32(&words[1], static_cast<uint32_t>(cpu_id)) &&  // cpu_id
         SafeStore32(&words[5], 0u) &&                           // node_id
         SafeStore32(&words[6], 0u);                             // mm_cid
}

// rseq_cs (one 8-byte move each way: never torn).
bool LoadCs(uintptr_t area, uint64_t* cs) { return SafeCopy(cs, reinterpret_cast<const void*>(area + 8), 8); }
bool ClearCs(uintptr_t area) {
  uint64_t zero = 0;
  return SafeCopy(reinterpret_cast<void*>(area + 8), &zero, 8);
}

}  // namespace

long RseqRegister(uintptr_t area, uint32_t len, int flags, uint32_t sig) {
  sched::Uthread* u = sched::Current();
  if (flags & RSEQ_FLAG_UNREGISTER) {
    if (flags & ~RSEQ_FLAG_UNREGISTER) return -EINVAL;
    if (!u->rseq_area || u->rseq_area != area) return -EINVAL;
    if (len != u->rseq_len) return -EINVAL;
    if (sig != u->rseq_sig) return -EPERM;
    if (!WriteCpu(area, 0, RSEQ_CPU_ID_UNINITIALIZED)) return -EFAULT;  // still registered, as Linux
    u->rseq_area = 0;
    u->rseq_cpu = -1;
    return 0;
  }
  if (flags) return -EINVAL;
  if (u->rseq_area) {
    if (u->rseq_area != area || len != u->rseq_len) return -EINVAL;
    if (sig != u->rseq_sig) return -EPERM;
    return -EBUSY;
  }
  if (len < kOrigRseqSize || area % kRseqAlign) return -EINVAL;
  if (!GuestWritable(area, len)) return -EFAULT;
  int cpu = CurrentThread()->core;
  if (!WriteCpu(area, static_cast<uint32_t>(cpu), cpu)) return -EFAULT;  // as Linux: not registered
  u->rseq_len = len;
  u->rseq_sig = sig;
  u->rseq_cpu = cpu;
  __atomic_store_n(&u->rseq_area, area, __ATOMIC_RELEASE);
  return 0;
}

bool RseqInCriticalSection(const sched::Uthread* u) {
  uintptr_t area = __atomic_load_n(&u->rseq_area, __ATOMIC_ACQUIRE);
  uint64_t cs;
  // A faulting area counts as inside: RseqFixup then says so (SIGSEGV).
  return area && (!LoadCs(area, &cs) || cs != 0);
}

bool RseqFixup(sched::Uthread* u, GuestContext& ctx) {
  uintptr_t area = u->rseq_area;
  if (!area) return true;
  uint64_t cs_addr;
  if (!LoadCs(area, &cs_addr)) return false;
  if (!cs_addr) return true;
  auto cs = UserPtr<KernelRseqCs>(static_cast<long>(cs_addr)).Read();
  if (!cs.ok() || cs->version > 0) return false;
  uint64_t end = cs->start_ip + cs->post_commit_offset;
  if (end < cs->start_ip || (cs->abort_ip >= cs->start_ip && cs->abort_ip < end)) return false;
  // Outside the section: the descriptor is stale; Linux clears it.
  if (!ClearCs(area)) return false;
  if (ctx.rip - cs->start_ip >= cs->post_commit_offset) return true;
  auto signature = UserPtr<uint32_t>(static_cast<long>(cs->abort_ip - 4)).Read();
  if (!signature.ok() || *signature != u->rseq_sig) return false;
  ctx.rip = cs->abort_ip;
  return true;
}

void RseqForgetRange(uintptr_t start, size_t len) {
  uintptr_t end = start + len;
  sched::SpinGuard g(sched::AllUthreadsLock());
  for (sched::Uthread* u = sched::AllUthreads(); u; u = u->all_next) {
    uintptr_t a = u->rseq_area;
    if (a && a < end && a + u->rseq_len > start) {
      __atomic_store_n(&u->rseq_area, uintptr_t{0}, __ATOMIC_RELEASE);
      u->rseq_cpu = -1;
    }
  }
}

void RseqResetForExec() {
  sched::Uthread* u = sched::Current();
  u->rseq_area = 0;
  u->rseq_cpu = -1;
}

}  // namespace junction::libos
